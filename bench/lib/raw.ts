/**
 * Drives two raw hyperdht peers (bench/raw-peer.ts, two child processes) through the same work
 * as the psst measurements, once with LevelDB batches on both sides and once without.
 */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { forkTracked, rssMb, sleep, tempDir } from './proc.js'
import type { HostPort } from '../../src/net/bootstrap.js'

const PEER = join(import.meta.dirname, '..', 'raw-peer.js')

class RawPeer {
  readonly child: ChildProcess
  #next = 1
  #pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()

  constructor () {
    this.child = forkTracked(PEER)
    this.child.on('message', (m: { id: number, result?: unknown, error?: string }) => {
      const p = this.#pending.get(m.id)
      if (p === undefined) return
      this.#pending.delete(m.id)
      if (m.error !== undefined) p.reject(new Error(m.error))
      else p.resolve(m.result)
    })
    this.child.once('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`raw peer exited ${code}`))
      this.#pending.clear()
    })
  }

  call<T = unknown> (cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { this.#pending.delete(id); reject(new Error(`raw peer: ${cmd} timed out`)) }, timeoutMs)
      this.#pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v) }, reject: (e) => { clearTimeout(timer); reject(e) } })
      this.child.send({ id, cmd, args })
    })
  }

  async exit (): Promise<void> {
    if (this.child.exitCode !== null) return
    const gone = new Promise((r) => this.child.once('exit', r))
    this.child.send({ id: 0, cmd: 'exit' })
    await Promise.race([gone, sleep(3000)])
    if (this.child.exitCode === null) this.child.kill('SIGKILL')
  }
}

export interface RawPlan {
  connects: number
  connectWarmup: number
  pingRuns: number
  pingsPerRun: number
  pingWarmup: number
  burstRuns: number
  burstWarmup: number
  burstSize: number
  chunk: number
  bodyBytes: number
}

export interface RawResults {
  level: boolean
  connectMs: number[]
  /** One-way latency samples per counted run. */
  latencyMs: number[][]
  /** Messages per second per counted run. */
  throughput: number[]
  /** The listening peer's RSS 1 s after listen, before any traffic. */
  idleRssMb: number | null
}

/** One pair of raw peers: connect samples, ping-pong, bursts. */
export async function measureRaw (net: { host: string, bootstrap: HostPort[] }, level: boolean, plan: RawPlan): Promise<RawResults> {
  const server = new RawPeer()
  const client = new RawPeer()
  try {
    const tag = level ? 'level' : 'nolevel'
    await Promise.all([
      server.call('init', { bootstrap: net.bootstrap, host: net.host, level: level ? tempDir(`raw-${tag}-server`) : null }),
      client.call('init', { bootstrap: net.bootstrap, host: net.host, level: level ? tempDir(`raw-${tag}-client`) : null })
    ])
    const { publicKey } = await server.call<{ publicKey: string }>('listen')
    await sleep(1000)
    const idleRssMb = await rssMb(server.child.pid ?? 0)
    await client.call('connects', { publicKey, n: plan.connectWarmup })
    const connectMs = await client.call<number[]>('connects', { publicKey, n: plan.connects })
    await client.call('open', { publicKey })
    await client.call('pingpong', { n: plan.pingWarmup, bodyBytes: plan.bodyBytes })
    const latencyMs: number[][] = []
    for (let i = 0; i < plan.pingRuns; i++) latencyMs.push(await client.call<number[]>('pingpong', { n: plan.pingsPerRun, bodyBytes: plan.bodyBytes }))
    const burst = { n: plan.burstSize, chunk: plan.chunk, bodyBytes: plan.bodyBytes }
    for (let i = 0; i < plan.burstWarmup; i++) await client.call('burst', burst)
    const throughput: number[] = []
    for (let i = 0; i < plan.burstRuns; i++) throughput.push(plan.burstSize / ((await client.call<number>('burst', burst)) / 1000))
    return { level, connectMs, latencyMs, throughput, idleRssMb }
  } finally {
    await Promise.all([server.exit(), client.exit()])
  }
}
