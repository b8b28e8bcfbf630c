/**
 * What every command needs: the resolved global options, the output, and daemon clients that are
 * closed when the command ends (so the process exits on its own).
 */
import type { Client } from '../../daemon/index.js'
import { loadCore, type Core } from './core.js'
import { Output } from './output.js'
import { askPassphrase } from './passphrase.js'

export interface GlobalOptions {
  home?: string
  bootstrap?: string
  dhtHost?: string
  json?: boolean
  autostart?: boolean
  passphraseFile?: string
}

/**
 * `offline`: with no daemon running, the core serves the call in-process without network (read-only
 * and profile commands). `daemon`: a daemon is started when none runs, unless --no-autostart.
 */
export type ClientMode = 'offline' | 'daemon'

export class Ctx {
  readonly home: string
  readonly out: Output
  readonly bootstrap: string | undefined
  readonly dhtHost: string | undefined
  readonly autostart: boolean
  readonly passphraseFile: string | undefined
  private readonly clients: Client[] = []

  /** Loads the core first (see core.ts). */
  static async create (opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Ctx> {
    return new Ctx(await loadCore(), opts, env)
  }

  constructor (readonly core: Core, opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.home = core.resolveHome(nonEmpty(opts.home), env)
    this.out = new Output(opts.json === true)
    this.bootstrap = nonEmpty(opts.bootstrap) ?? nonEmpty(env.PSST_BOOTSTRAP)
    this.dhtHost = nonEmpty(opts.dhtHost) ?? nonEmpty(env.PSST_DHT_HOST)
    this.autostart = opts.autostart !== false
    this.passphraseFile = nonEmpty(opts.passphraseFile)
  }

  /** Asked lazily by the core, only when it has to open an encrypted profile. */
  readonly passphrase = async (): Promise<string | null> => await askPassphrase({ file: this.passphraseFile })

  async client (mode: ClientMode): Promise<Client> {
    const client = await this.core.connect({
      home: this.home,
      passphrase: this.passphrase,
      bootstrap: this.bootstrap,
      dhtHost: this.dhtHost,
      autostart: this.autostart,
      offline: mode === 'offline'
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
