/**
 * One psst profile of the bench: a home under the run's temp root, `psst init`, and its daemon
 * as a real child process (`psst daemon --home H --bootstrap B`) whose stderr log is kept, with
 * the timestamp of every line, for the connect measurement.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { BIN, psst, psstEnv, tempDir, track, waitFor } from './proc.js'
import { connect, type Client } from '../../src/daemon/index.js'

export interface LogLine { at: number, text: string }

/** The daemon with the bench's core driver inside (bench/core-peer.ts). */
const CORE_PEER = join(import.meta.dirname, '..', 'core-peer.js')

export class BenchProfile {
  readonly home: string
  readonly name: string
  readonly bootstrap: string
  id = ''
  publicKey = ''
  daemon: ChildProcess | null = null
  /** Every log line of every daemon run of this profile, with the daemon's own timestamp. */
  log: LogLine[] = []
  /** Extra node flags for the daemon (e.g. --cpu-prof). */
  execArgv: string[] = []
  /** Run the daemon as bench/core-peer.ts (the same daemon, plus the in-process driver). */
  embedded = false
  #clients: Client[] = []
  #partial = ''
  #nextCall = 1
  #pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()

  constructor (name: string, bootstrap: string) {
    this.name = name
    this.bootstrap = bootstrap
    this.home = join(tempDir('homes'), name)
  }

  async init (): Promise<this> {
    const r = await psst(['--home', this.home, '--no-autostart', 'init', '--name', this.name, '--json'])
    const info = JSON.parse(r.stdout) as { id: string, publicKey: string }
    this.id = info.id
    this.publicKey = info.publicKey
    return this
  }

  /** Starts the daemon and resolves once it listens on the DHT (its "listening as" line). */
  async start (): Promise<{ spawnedAt: number, listeningAt: number }> {
    const spawnedAt = Date.now()
    const child = this.embedded
      ? track(fork(CORE_PEER, [this.home, this.bootstrap], { execArgv: this.execArgv, env: psstEnv(), stdio: ['ignore', process.env.BENCH_STDOUT === '1' ? 'inherit' : 'ignore', 'pipe', 'ipc'] }))
      : track(spawn(process.execPath, [...this.execArgv, BIN, 'daemon', '--home', this.home, '--bootstrap', this.bootstrap],
        { env: psstEnv(), stdio: ['ignore', 'ignore', 'pipe'] }))
    this.daemon = child
    if (this.embedded) this.#wireCalls(child)
    const from = this.log.length
    child.stderr!.on('data', (d: Buffer) => this.#onLog(d.toString()))
    const line = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`${this.name}'s daemon exited ${child.exitCode}: ${this.tail()}`)
      return this.log.slice(from).find((l) => l.text.startsWith('listening as'))
    }, `${this.name}'s daemon`, 30_000, 10)
    return { spawnedAt, listeningAt: line.at }
  }

  #wireCalls (child: ChildProcess): void {
    child.on('message', (msg: { id: number, result?: unknown, error?: string }) => {
      const p = this.#pending.get(msg.id)
      if (p === undefined) return
      this.#pending.delete(msg.id)
      if (msg.error !== undefined) p.reject(new Error(`${this.name}: ${msg.error}`))
      else p.resolve(msg.result)
    })
    child.once('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${this.name}'s daemon exited ${code}`))
      this.#pending.clear()
    })
  }

  /** A command for the driver inside an embedded daemon (bench/core-peer.ts). */
  core<T> (cmd: string, args: unknown, timeoutMs = 180_000): Promise<T> {
    const child = this.daemon
    if (child === null || !this.embedded) return Promise.reject(new Error(`${this.name}'s daemon is not embedded`))
    const id = this.#nextCall++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.#pending.delete(id); reject(new Error(`${this.name}: ${cmd} timed out`)) }, timeoutMs)
      this.#pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v) }, reject: (e) => { clearTimeout(timer); reject(e) } })
      child.send({ id, cmd, args })
    })
  }

  #onLog (chunk: string): void {
    const lines = (this.#partial + chunk).split('\n')
    this.#partial = lines.pop() ?? ''
    for (const raw of lines) {
      const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/.exec(raw)
      this.log.push(m === null ? { at: Date.now(), text: raw } : { at: Date.parse(m[1]), text: m[2] })
    }
  }

  tail (n = 5): string {
    return this.log.slice(-n).map((l) => l.text).join('\n')
  }

  get pid (): number { return this.daemon?.pid ?? 0 }

  /** SIGTERM (a clean stop: the peer sees the link close at once) and wait for the exit. */
  async stop (): Promise<void> {
    for (const c of this.#clients.splice(0)) await c.close().catch(() => {})
    const child = this.daemon
    this.daemon = null
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.kill('SIGTERM')
    })
  }

  /** A control-socket client of the running daemon (closed by stop()). */
  async client (): Promise<Client> {
    const c = await connect({ home: this.home, autostart: false })
    this.#clients.push(c)
    return c
  }
}
