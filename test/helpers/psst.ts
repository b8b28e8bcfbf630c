/**
 * Test harness: a private hyperdht network on one loopback address per test file, and real
 * `psst` processes (the built bin) in temp homes. Every file passes its own host number so
 * parallel files never share an address (docs/design.md, Network basics); test/unit/hosts.test.ts checks that.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLoopbackNetwork, type LoopbackNetwork } from '../../src/net/testnet.js'
import { connect, type Client } from '../../src/daemon/index.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const BIN = join(ROOT, 'dist', 'src', 'apps', 'cli', 'bin.js')

export interface Run { code: number, stdout: string, stderr: string }

export function testHost (n: number): string {
  if (!Number.isInteger(n) || n < 2 || n > 254) throw new Error('host number must be 2..254')
  // PSST_TEST_OCTET moves a whole run to 127.K.0.N, so two checkouts can run the suite at once.
  return `127.${process.env.PSST_TEST_OCTET ?? 0}.0.${n}`
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, PSST_KDF: 'interactive' }
  delete env.PSST_HOME
  delete env.PSST_BOOTSTRAP
  delete env.PSST_PASSPHRASE
  delete env.PSST_DHT_HOST
  return env
}

/** Runs the psst bin to completion. */
export function psst (args: string[], opts: { input?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`psst ${args.join(' ')} timed out\n${stderr}`)) }, opts.timeoutMs ?? 30_000)
    child.on('close', (code) => { clearTimeout(timer); resolvePromise({ code: code ?? -1, stdout, stderr }) })
    child.stdin.end(opts.input ?? '')
  })
}

export async function waitFor<T> (fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== null && v !== false) return v as T
    } catch (err) { last = err }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`)
}

/** One profile: a temp home and (when started) a foreground daemon child process. */
export class Profile {
  readonly home: string
  readonly name: string
  readonly net: TestNet
  id = ''
  publicKey = ''
  daemon: ChildProcess | null = null
  log = ''
  #clients: Client[] = []

  constructor (net: TestNet, name: string, home?: string) {
    this.net = net
    this.name = name
    this.home = home ?? mkdtempSync(join(tmpdir(), `psst-${name}-`))
  }

  /** psst with this profile's home and the test network. */
  cli (args: string[], opts: { input?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<Run> {
    return psst(['--home', this.home, '--bootstrap', this.net.bootstrap, ...args], opts)
  }

  async json<T = any> (args: string[], opts: { input?: string, env?: NodeJS.ProcessEnv } = {}): Promise<T> {
    const r = await this.cli([...args, '--json'], opts)
    if (r.code !== 0) throw new Error(`psst ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }

  async init (): Promise<this> {
    // The tests start (and kill -9) the daemon themselves; commands run later may autostart one.
    const info = await this.json(['init', '--name', this.name, '--no-autostart'])
    this.id = info.id
    this.publicKey = info.publicKey
    return this
  }

  /** Starts `psst daemon` in the foreground as a child we own (so kill -9 is possible). */
  async start (): Promise<void> {
    this.log = ''
    const child = spawn(process.execPath, [BIN, 'daemon', '--home', this.home, '--bootstrap', this.net.bootstrap],
      { env: baseEnv(), stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr!.on('data', (d) => { this.log += d })
    this.daemon = child
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${this.log}`)
      return /listening as/.test(this.log)
    }, `${this.name}'s daemon`, 20_000)
  }

  kill9 (): Promise<void> {
    const child = this.daemon
    this.daemon = null
    if (child === null || child.exitCode !== null) return Promise.resolve()
    return new Promise((r) => { child.once('exit', () => r()); child.kill('SIGKILL') })
  }

  async stop (): Promise<void> {
    const child = this.daemon
    this.daemon = null
    if (child === null || child.exitCode !== null) return
    await new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM') })
  }

  /** A control-socket client of the running daemon (closed at teardown). */
  async client (): Promise<Client> {
    const c = await connect({ home: this.home, autostart: false })
    this.#clients.push(c)
    return c
  }

  async teardown (): Promise<void> {
    for (const c of this.#clients) await c.close().catch(() => {})
    this.#clients = []
    await this.kill9()
    // A daemon autostarted by a command is not our child: stop it through its pid file.
    const pidFile = join(this.home, 'daemon.pid')
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'))
      try { process.kill(pid, 'SIGKILL') } catch {}
    }
    if (process.env.PSST_KEEP_HOMES !== '1') rmSync(this.home, { recursive: true, force: true })
  }
}

export interface Pair { net: TestNet, alice: Profile, bob: Profile, ca: Client, cb: Client }

/** A private loopback network and the profiles made on it. */
export class TestNet {
  readonly network: LoopbackNetwork
  readonly profiles: Profile[] = []

  private constructor (network: LoopbackNetwork) {
    this.network = network
  }

  static async start (hostNumber: number): Promise<TestNet> {
    return new TestNet(await createLoopbackNetwork({ host: testHost(hostNumber) }))
  }

  get bootstrap (): string { return this.network.bootstrapString }

  /** A new profile; `home` puts it in a folder of the test's choosing (e.g. on a small tmpfs). */
  async profile (name: string, opts: { start?: boolean, home?: string } = {}): Promise<Profile> {
    const p = new Profile(this, name, opts.home)
    this.profiles.push(p)
    await p.init()
    if (opts.start !== false) await p.start()
    return p
  }

  /** A new network with alice and bob, friends and online, and a client of each (the setup most 1:1 tests share). */
  static async pair (hostNumber: number): Promise<Pair> {
    const net = await TestNet.start(hostNumber)
    const alice = await net.profile('alice')
    const bob = await net.profile('bob')
    await net.friends(alice, bob)
    return { net, alice, bob, ca: await alice.client(), cb: await bob.client() }
  }

  /** Two started profiles that are friends, both online. */
  async friends (a: Profile, b: Profile): Promise<void> {
    const ca = await a.client()
    const cb = await b.client()
    await ca.call('add', { id: b.id, message: 'hi' })
    await waitFor(async () => (await cb.call('requests', {})).length > 0, 'friend request')
    await cb.call('accept', { friend: a.publicKey })
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online && (await cb.call('friends', {}))[0]?.online, 'both online')
  }

  async teardown (): Promise<void> {
    await Promise.all(this.profiles.map((p) => p.teardown()))
    await this.network.destroy()
  }
}
