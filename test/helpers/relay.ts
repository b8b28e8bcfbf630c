/**
 * Test harness for `psst relay`: a relay process in a temp home (the real CLI, or — when a test
 * sets limits the CLI may not pass yet — runRelay from the build), and profiles whose only
 * bootstrap is that relay.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIN, ROOT, Profile, psst, waitFor, type TestNet } from './psst.js'
import type { Client } from '../../src/daemon/index.js'
import type { RelayStatus } from '../../src/relay/index.js'

/** What `psst relay status --json` prints: the relay's own status type. */
export type RelayStatusJson = RelayStatus

const RELAY_INDEX = join(ROOT, 'dist', 'src', 'relay', 'index.js')

export class RelayProcess {
  readonly home: string
  readonly host: string
  readonly port: number
  readonly limits: Record<string, number | string> | null
  /** A network namespace to run in (`ip netns exec`; test/helpers/netns.ts). */
  readonly netns: string | null
  /** --owners and --allow-owner (the operator's admission policy). */
  readonly owners: string | null
  readonly allowOwners: string[]
  child: ChildProcess | null = null
  log = ''
  publicKey = ''

  /**
   * `owners`: the tests of delivery run an open relay unless they name a policy; null starts it
   * with no --owners flag (the relay's own default, invite).
   */
  constructor (opts: { host: string, port?: number, home?: string, limits?: Record<string, number | string>, netns?: string, owners?: string | null, allowOwners?: string[] }) {
    this.owners = opts.owners === undefined ? 'open' : opts.owners
    this.allowOwners = opts.allowOwners ?? []
    this.host = opts.host
    this.port = opts.port ?? 49737
    this.home = opts.home ?? mkdtempSync(join(tmpdir(), 'psst-relay-'))
    this.limits = opts.limits ?? null
    this.netns = opts.netns ?? null
  }

  get bootstrap (): string { return `${this.host}:${this.port}` }

  async start (): Promise<this> {
    this.log = ''
    const admission = [...(this.owners === null ? [] : ['--owners', this.owners]), ...this.allowOwners.flatMap((k) => ['--allow-owner', k])]
    const args = this.limits === null
      ? [BIN, '--home', this.home, 'relay', '--host', this.host, '--port', String(this.port), ...admission]
      : ['--input-type=module', '-e', `import(${JSON.stringify(RELAY_INDEX)}).then((r) => r.runRelay(${JSON.stringify({ home: this.home, host: this.host, port: this.port, limits: this.limits, owners: this.owners ?? undefined, allowOwners: this.allowOwners })})).catch((e) => { console.error(e.message); process.exit(1) })`]
    const env = { ...process.env }
    delete env.PSST_BOOTSTRAP
    const child = spawnNode(args, env, this.netns)
    child.stderr!.on('data', (d) => { this.log += d })
    this.child = child
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`relay exited ${child.exitCode}: ${this.log}`)
      return /control socket/.test(this.log)
    }, 'the relay', 20_000).catch(async (err) => {
      // A relay that never came up must not outlive the test (it would hold the address).
      await this.kill9()
      throw err
    })
    this.publicKey = /relay ([0-9a-f]{64})/.exec(this.log)![1]
    return this
  }

  async status (): Promise<RelayStatusJson> {
    const r = await psst(['--home', this.home, 'relay', 'status', '--json'])
    if (r.code !== 0) throw new Error(`relay status exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as RelayStatusJson
  }

  /** SIGTERM and wait: the relay's clean stop. */
  async stop (): Promise<number | null> {
    const child = this.child
    this.child = null
    if (child === null || child.exitCode !== null) return child?.exitCode ?? null
    return await new Promise((resolve) => { child.once('exit', (code) => resolve(code)); child.kill('SIGTERM') })
  }

  async kill9 (): Promise<void> {
    const child = this.child
    this.child = null
    if (child === null || child.exitCode !== null) return
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGKILL') })
  }

  /** Every byte of every file under the relay's home (its LevelDB included). */
  files (): Buffer {
    const parts: Buffer[] = []
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        const st = statSync(p)
        if (st.isDirectory()) walk(p)
        else if (st.isFile()) parts.push(readFileSync(p))
      }
    }
    walk(this.home)
    return Buffer.concat(parts)
  }

  async teardown (): Promise<void> {
    await this.kill9()
    rmSync(this.home, { recursive: true, force: true })
  }
}

/** A stand-in for TestNet: profiles whose only bootstrap is the relay. */
export function relayNet (relay: RelayProcess): TestNet {
  return { bootstrap: relay.bootstrap } as unknown as TestNet
}

export async function makeProfile (net: TestNet, name: string): Promise<Profile> {
  const p = new Profile(net, name)
  await p.init()
  return p
}

/** node with these args, in the host's network namespace or (as root) in `netns` through `ip netns exec`. */
function spawnNode (args: string[], env: NodeJS.ProcessEnv, netns: string | null): ChildProcess {
  const opts = { env, stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] }
  // `ip netns exec` execs node in place, so the child's pid is node's and kill() reaches it.
  return netns === null ? spawn(process.execPath, args, opts) : spawn('ip', ['netns', 'exec', netns, process.execPath, ...args], opts)
}

/**
 * Starts the profile's daemon like Profile.start, with extra environment (PSST_FORCE_RELAY …) and,
 * optionally, extra daemon arguments and a network namespace to run in.
 */
export async function startWith (p: Profile, env: NodeJS.ProcessEnv = {}, opts: { args?: string[], netns?: string, ready?: RegExp } = {}): Promise<void> {
  const base: NodeJS.ProcessEnv = { ...process.env, PSST_KDF: 'interactive', ...env }
  delete base.PSST_HOME
  delete base.PSST_BOOTSTRAP
  delete base.PSST_DHT_HOST
  const child = spawnNode([BIN, 'daemon', '--home', p.home, '--bootstrap', p.net.bootstrap, ...(opts.args ?? [])], base, opts.netns ?? null)
  p.log = ''
  child.stderr!.on('data', (d) => { p.log += d })
  p.daemon = child
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${p.log}`)
    return (opts.ready ?? /listening as/).test(p.log)
  }, `${p.name}'s daemon`, 20_000)
}

/** Two started profiles become friends and see each other online. */
export async function befriend (a: Profile, b: Profile): Promise<{ ca: Client, cb: Client }> {
  const ca = await a.client()
  const cb = await b.client()
  await ca.call('add', { id: b.id, message: 'hi' })
  await waitFor(async () => (await cb.call('requests', {})).length > 0, 'friend request', 30_000)
  await cb.call('accept', { friend: a.publicKey })
  await waitFor(async () => (await ca.call('friends', {}))[0]?.online && (await cb.call('friends', {}))[0]?.online, 'both online', 30_000)
  return { ca, cb }
}
