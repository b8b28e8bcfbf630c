/**
 * The psst measurements between two real daemons (alice, bob) on the loopback network: friend
 * request, ping-pong latency, burst throughput and reconnection time. Control clients live in
 * this process, so both ends of a latency sample are timed on one clock.
 */
import type { Client, PsstEvent } from '../../src/daemon/index.js'
import type { EventType } from '../../src/daemon/api.js'
import { BenchProfile } from './profile.js'
import { sleep, waitFor } from './proc.js'

/** The stranger limiter admits one connection per key every 2 s (src/net/stranger-limiter.ts). */
const PER_KEY_GAP_MS = 2100

type Listener = (e: PsstEvent, at: number) => void

/** A subscribed client whose events can be awaited. */
export class Events {
  #listeners = new Set<Listener>()
  private constructor (readonly client: Client) {}

  /** `types`: only these events (the daemon then does not write the others to this socket). */
  static async open (p: BenchProfile, types?: EventType[]): Promise<Events> {
    const ev = new Events(await p.client())
    await ev.client.subscribe((e) => {
      const at = performance.now()
      for (const fn of [...ev.#listeners]) fn(e, at)
    }, types)
    return ev
  }

  /** Resolves with the arrival time of the first event matching `pred` (register before acting). */
  next (pred: (e: PsstEvent) => boolean, timeoutMs = 30_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.#listeners.delete(fn); reject(new Error('timed out waiting for an event')) }, timeoutMs)
      const fn: Listener = (e, at) => {
        if (!pred(e)) return
        this.#listeners.delete(fn)
        clearTimeout(timer)
        resolve(at)
      }
      this.#listeners.add(fn)
    })
  }

  close (): Promise<void> { return this.client.close() }
}

export interface Pair { a: BenchProfile, b: BenchProfile, ca: Client, cb: Client }

export async function startPair (bootstrap: string, execArgv: string[]): Promise<Pair> {
  const a = new BenchProfile('alice', bootstrap)
  const b = new BenchProfile('bob', bootstrap)
  a.execArgv = execArgv
  b.execArgv = execArgv
  a.embedded = true
  b.embedded = true
  await Promise.all([a.init(), b.init()])
  await Promise.all([a.start(), b.start()])
  return { a, b, ca: await a.client(), cb: await b.client() }
}

/**
 * `add` → the request stored at the recipient (its `friend-request` event). Between samples bob
 * declines, alice withdraws, bob unblocks; the last round is accepted, leaving them friends.
 */
export async function friendRequests (p: Pair, warmup: number, n: number): Promise<number[]> {
  const ev = await Events.open(p.b)
  const out: number[] = []
  let lastAdmit = 0
  try {
    for (let i = 0; i < warmup + n; i++) {
      const wait = lastAdmit + PER_KEY_GAP_MS - Date.now()
      if (wait > 0) await sleep(wait)
      const stored = ev.next((e) => e.type === 'friend-request' && e.publicKey === p.a.publicKey)
      const t0 = performance.now()
      lastAdmit = Date.now()
      await p.ca.call('add', { id: p.b.id, message: 'bench' })
      const ms = (await stored) - t0
      // Bob admitted alice's key somewhere before the stored event, not at the add call: under
      // load that can be >100 ms later, and the next request would be refused by the limiter.
      lastAdmit = Date.now()
      if (i >= warmup) out.push(ms)
      if (i === warmup + n - 1) break
      await p.cb.call('decline', { friend: p.a.publicKey })
      await p.ca.call('remove', { friend: p.b.publicKey })
      await p.cb.call('unblock', { key: p.a.publicKey })
    }
    await p.cb.call('accept', { friend: p.a.publicKey })
    await waitFor(async () => (await p.ca.call('friends', {}))[0]?.online === true && (await p.cb.call('friends', {}))[0]?.online === true, 'alice and bob online', 30_000)
  } finally {
    await ev.close()
  }
  return out
}

export interface LatencyResults {
  /** One-way samples (ms) of each counted run. */
  runs: number[][]
  /** Round trip of the `send` call itself (control hop + the sender's persist), counted runs. */
  sendCall: number[]
  /** Round trip of a trivial control call (`id`): the cost of one client ↔ daemon hop pair. */
  controlRtt: number[]
  /** `send` call → the sender's `sent` event (written to the link): the sender's share. */
  senderSide: number[]
}

/**
 * Ping-pong: alice sends, bob's subscriber sees the message event and bob replies, and so on.
 * Each sample is one way: the `send` call leaving this process → the receiver's `message`
 * event arriving in this process.
 */
export async function latency (p: Pair, warmup: number, runs: number, perRun: number, bodyBytes: number): Promise<LatencyResults> {
  const controlRtt: number[] = []
  for (let i = 0; i < 20 + perRun; i++) {
    const t0 = performance.now()
    await p.ca.call('id', {})
    if (i >= 20) controlRtt.push(performance.now() - t0)
  }
  // Only what the samples use: receipts and presence would wake this process mid-sample.
  const evA = await Events.open(p.a, ['message', 'sent'])
  const evB = await Events.open(p.b, ['message', 'sent'])
  const body = 'x'.repeat(bodyBytes)
  const sendCall: number[] = []
  const senderSide: number[] = []
  let counting = false
  const one = async (from: Client, fromEv: Events, to: Events, friend: string): Promise<number> => {
    const got = to.next((e) => e.type === 'message' && e.from !== 'me')
    const sent = fromEv.next((e) => e.type === 'sent')
    const t0 = performance.now()
    from.call('send', { friend, text: body }).then(() => { if (counting) sendCall.push(performance.now() - t0) }, () => {})
    const ms = (await got) - t0
    const sentAt = await sent.catch(() => null)
    if (counting && sentAt !== null) senderSide.push(sentAt - t0)
    return ms
  }
  const exchange = async (count: number): Promise<number[]> => {
    const out: number[] = []
    for (let i = 0; i < count; i++) {
      out.push(i % 2 === 0 ? await one(p.ca, evA, evB, p.b.publicKey) : await one(p.cb, evB, evA, p.a.publicKey))
    }
    return out
  }
  try {
    await exchange(warmup)
    counting = true
    const out: number[][] = []
    for (let r = 0; r < runs; r++) out.push(await exchange(perRun))
    return { runs: out, sendCall, controlRtt, senderSide }
  } finally {
    await Promise.all([evA.close(), evB.close()])
  }
}

interface PingPongLog { sent: Array<[string, number]>, received: Array<[string, number]> }

/** One-way times (ms) of each message sent by `from` and received by `to`, matched by id. */
function oneWay (from: PingPongLog, to: PingPongLog): Array<[number, number]> {
  const got = new Map(to.received)
  return from.sent.map(([id, t0]) => {
    const t1 = got.get(id)
    if (t1 === undefined) throw new Error(`message ${id} was sent but never received`)
    return [t0, t1 - t0]
  })
}

/**
 * The core's own latency: alice's daemon calls its `send` handler in-process, bob's daemon
 * times its `message` event and answers at once, and so on; no control socket, no client
 * process. Both ends are stamped on the machine's monotonic clock, so each sample is the
 * send call → the receiver's message event, across the two daemon processes.
 */
export async function coreLatency (p: Pair, warmup: number, runs: number, perRun: number, bodyBytes: number): Promise<number[][]> {
  const body = 'x'.repeat(bodyBytes)
  const exchange = async (n: number): Promise<number[]> => {
    const half = Math.ceil(n / 2)
    await p.b.core('arm', { friend: p.a.publicKey, sends: half, expect: half, body })
    await p.a.core('arm', { friend: p.b.publicKey, sends: half, expect: half, body })
    await p.a.core('kick', {})
    const [la, lb] = await Promise.all([p.a.core<PingPongLog>('collect', {}), p.b.core<PingPongLog>('collect', {})])
    return [...oneWay(la, lb), ...oneWay(lb, la)].sort((x, y) => x[0] - y[0]).map(([, ms]) => ms)
  }
  await exchange(warmup)
  const out: number[][] = []
  for (let r = 0; r < runs; r++) out.push(await exchange(perRun))
  return out
}

/**
 * The core's own burst: alice's daemon calls `sendMany` in-process in chunks, then
 * `waitDelivered` for the last seq (bob stored them all, his receipt processed).
 */
export async function coreThroughput (p: Pair, warmup: number, runs: number, size: number, chunk: number, bodyBytes: number): Promise<number[]> {
  const out: number[] = []
  for (let r = 0; r < warmup + runs; r++) {
    const ms = await p.a.core<number>('burst', { friend: p.b.publicKey, size, chunk, bodyBytes, tag: `core${r}` })
    if (r >= warmup) out.push(size / (ms / 1000))
  }
  const tail = await p.cb.call('history', { friend: p.a.publicKey, limit: 1 })
  if (tail.length !== 1 || !tail[0].text.startsWith(`core${warmup + runs - 1}:${size - 1} `)) throw new Error('the last burst message is not in bob\'s history')
  return out
}

/** `sendMany` in chunks, then `waitDelivered` for the last seq; messages per second per run. */
export async function throughput (p: Pair, warmup: number, runs: number, size: number, chunk: number, bodyBytes: number): Promise<number[]> {
  const out: number[] = []
  for (let r = 0; r < warmup + runs; r++) {
    const texts = Array.from({ length: size }, (_, i) => `${r}:${i} `.padEnd(bodyBytes, 'x'))
    const chunks: string[][] = []
    for (let i = 0; i < size; i += chunk) chunks.push(texts.slice(i, i + chunk))
    const t0 = performance.now()
    const sent = await Promise.all(chunks.map((texts) => p.ca.call('sendMany', { friend: p.b.publicKey, texts })))
    const last = sent[sent.length - 1].at(-1)!.seq
    const { delivered } = await p.ca.call('waitDelivered', { friend: p.b.publicKey, seq: last, timeoutMs: 120_000 })
    const ms = performance.now() - t0
    if (!delivered) throw new Error(`burst ${r}: not all ${size} messages delivered within 120 s`)
    if (r >= warmup) out.push(size / (ms / 1000))
  }
  // Receipts mean bob stored them: check the last one is in his history.
  const tail = await p.cb.call('history', { friend: p.a.publicKey, limit: 1 })
  if (tail.length !== 1 || !tail[0].text.startsWith(`${warmup + runs - 1}:${size - 1} `)) throw new Error('the last burst message is not in bob\'s history')
  return out
}

export interface ConnectSample { fromListening: number, fromSpawn: number }

/**
 * Friend comes online → both sides connected: bob's daemon is stopped (SIGTERM) and started
 * again; from bob's "listening as" log line (DHT up, key announced) to the later of both
 * daemons' "online: <friend>" lines. Timestamps are the daemons' own log times (ms).
 */
export async function reconnects (p: Pair, warmup: number, n: number, onFail: (msg: string) => void): Promise<ConnectSample[]> {
  const out: ConnectSample[] = []
  for (let i = 0; i < warmup + n; i++) {
    await p.b.stop()
    await waitFor(async () => (await p.ca.call('friends', {}))[0]?.online === false, 'alice to see bob offline', 20_000)
    const fromA = p.a.log.length
    const fromB = p.b.log.length
    try {
      const { spawnedAt, listeningAt } = await p.b.start()
      const online = (prof: BenchProfile, from: number): number | undefined => prof.log.slice(from).find((l) => l.text.startsWith('online: '))?.at
      const [ta, tb] = await waitFor(() => {
        const ta = online(p.a, fromA)
        const tb = online(p.b, fromB)
        return ta !== undefined && tb !== undefined ? [ta, tb] : null
      }, 'both daemons online', 30_000, 10)
      const both = Math.max(ta, tb)
      if (i >= warmup) out.push({ fromListening: both - listeningAt, fromSpawn: both - spawnedAt })
    } catch (err) {
      onFail(`reconnection ${i}: ${(err as Error).message}`)
    }
  }
  p.cb = await p.b.client()
  return out
}
