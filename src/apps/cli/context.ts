/**
 * What every command needs: the resolved global options, the output, and daemon clients that are
 * closed when the command ends (so the process exits on its own).
 */
import type { Client, ResilientClient } from '../../daemon/index.js'
import { loadCore, type Core } from './core.js'
import { Output } from './output.js'
import { askPassphrase } from './passphrase.js'

export interface GlobalOptions {
  home?: string
  bootstrap?: string
  dhtHost?: string
  /** false with --no-lan (commander's default is true). */
  lan?: boolean
  json?: boolean
  autostart?: boolean
  passphraseFile?: string
}

/**
 * Every mode starts the daemon when none runs (a used profile is online), unless --no-autostart.
 * Then `offline` serves the call in-process without network (commands that need none), and
 * `daemon` fails. `background` (psst id, which must stay fast) answers in-process and starts
 * the daemon as the command exits. `local` never starts one: the running daemon, else in-process
 * (psst config, whose changes are for the next daemon to start).
 */
export type ClientMode = 'offline' | 'daemon' | 'background' | 'local'

/** Said on stderr when a command that only reads brought the profile online. */
export const ONLINE_NOTE = 'psst: you are online now (daemon started): friend requests and messages sent while you were offline arrive as your friends retry; psst daemon stop takes you offline'

export class Ctx {
  readonly home: string
  readonly out: Output
  readonly bootstrap: string | undefined
  readonly dhtHost: string | undefined
  /** false when --no-lan or PSST_LAN=off asks for no LAN discovery this run; else the profile decides. */
  readonly lan: false | undefined
  readonly autostart: boolean
  readonly passphraseFile: string | undefined
  /** --bootstrap / --dht-host as given on the command line (init stores these, not the env vars). */
  readonly flags: { bootstrap: string | undefined, dhtHost: string | undefined }
  /** Set when this command started the daemon. */
  startedDaemon: number | null = null
  private readonly clients: Client[] = []
  #passphrase: Promise<string | null> | null = null

  /** Loads the core first (see core.ts). */
  static async create (opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Ctx> {
    return new Ctx(await loadCore(), opts, env)
  }

  constructor (readonly core: Core, opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.home = core.resolveHome(nonEmpty(opts.home), env)
    this.out = new Output(opts.json === true)
    this.bootstrap = nonEmpty(opts.bootstrap) ?? nonEmpty(env.PSST_BOOTSTRAP)
    this.dhtHost = nonEmpty(opts.dhtHost) ?? nonEmpty(env.PSST_DHT_HOST)
    this.lan = opts.lan === false || env.PSST_LAN?.trim().toLowerCase() === 'off' ? false : undefined
    this.autostart = opts.autostart !== false
    this.passphraseFile = nonEmpty(opts.passphraseFile)
    this.flags = { bootstrap: nonEmpty(opts.bootstrap), dhtHost: nonEmpty(opts.dhtHost) }
  }

  /** Asked lazily by the core, only when it has to open an encrypted profile; asked once. */
  readonly passphrase = async (): Promise<string | null> => {
    this.#passphrase ??= askPassphrase({ file: this.passphraseFile })
    return await this.#passphrase
  }

  /** The passphrase just chosen (init), so starting the daemon does not ask for it again. */
  knowPassphrase (p: string | null): void { this.#passphrase = Promise.resolve(p) }

  /** `announce`: a read command says on stderr when it brought the profile online. */
  async client (mode: ClientMode, opts: { announce?: boolean } = {}): Promise<Client> {
    const client = await this.core.connect({
      home: this.home,
      passphrase: this.passphrase,
      bootstrap: this.bootstrap,
      dhtHost: this.dhtHost,
      lan: this.lan,
      autostart: this.autostart && mode !== 'local',
      offline: mode !== 'daemon',
      background: mode === 'background',
      onStarted: (pid) => {
        this.startedDaemon = pid
        if (opts.announce === true) this.out.note(ONLINE_NOTE)
      }
    })
    this.clients.push(client)
    return client
  }

  /** For chat and watch: a client that reconnects (and restarts the daemon) when the daemon goes away. */
  async resilientClient (): Promise<ResilientClient> {
    const client = await this.core.connectResilient({
      home: this.home,
      passphrase: this.passphrase,
      bootstrap: this.bootstrap,
      dhtHost: this.dhtHost,
      lan: this.lan,
      autostart: this.autostart,
      onStarted: (pid) => { this.startedDaemon = pid }
    })
    this.clients.push(client)
    return client
  }

  /** Waits for every client to close: an in-process profile must flush and unlock its database. */
  async close (): Promise<void> {
    await Promise.allSettled(this.clients.splice(0).map(async (client) => { await client.close() }))
  }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
