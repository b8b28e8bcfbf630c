/**
 * A psst daemon with a bench driver inside it, through the embedding entry (src/daemon/embed.ts):
 * the same daemon as `psst daemon` (control socket, DHT, log lines on stderr), plus an IPC
 * channel to bench/lib/profile.ts for the core measurements. Those call the daemon's API in its
 * own process (the same handlers the control socket serves) and take timestamps on
 * CLOCK_MONOTONIC, which every process on the machine shares, so a send here and a message
 * event in the other daemon are comparable.
 *
 * argv: <home> <bootstrap>
 */
import { startDaemon, type Client, type PsstEvent, type RunningDaemon } from '../src/daemon/embed.js'

interface Request { id: number, cmd: string, args: any }

/** Milliseconds on the machine-wide monotonic clock. */
const now = (): number => Number(process.hrtime.bigint()) / 1e6

let daemon: RunningDaemon | null = null

export interface PingPongArgs { friend: string, sends: number, expect: number, body: string }
export interface PingPongLog { sent: Array<[string, number]>, received: Array<[string, number]> }

/** One side of a ping-pong, armed (subscribed) before either side sends. */
class PingPong {
  readonly log: PingPongLog = { sent: [], received: [] }
  readonly done: Promise<PingPongLog>
  #left: number
  #inFlight = 0
  #resolve: (log: PingPongLog) => void = () => {}
  #reject: (err: Error) => void = () => {}

  constructor (readonly client: Client, readonly a: PingPongArgs) {
    this.#left = a.sends
    this.done = new Promise((resolve, reject) => { this.#resolve = resolve; this.#reject = reject })
  }

  /** Each message from the friend is timed on its event and answered at once. */
  onEvent (e: PsstEvent): void {
    if (e.type !== 'message' || e.friend !== this.a.friend || e.from === 'me') return
    this.log.received.push([e.id, now()])
    if (this.#left > 0) this.send()
    this.#check()
  }

  send (): void {
    this.#left--
    this.#inFlight++
    const t0 = now()
    this.client.call('send', { friend: this.a.friend, text: this.a.body }).then((r) => {
      this.log.sent.push([r.id, t0])
      this.#inFlight--
      this.#check()
    }, (err: Error) => this.#reject(err))
  }

  #check (): void {
    if (this.log.received.length >= this.a.expect && this.#left === 0 && this.#inFlight === 0) this.#resolve(this.log)
  }
}

let armed: PingPong | null = null

export interface BurstArgs { friend: string, size: number, chunk: number, bodyBytes: number, tag: string }

/** `sendMany` in chunks, then `waitDelivered` for the last seq: milliseconds on this side. */
async function burst (c: Client, a: BurstArgs): Promise<number> {
  const texts = Array.from({ length: a.size }, (_, i) => `${a.tag}:${i} `.padEnd(a.bodyBytes, 'x'))
  const chunks: string[][] = []
  for (let i = 0; i < a.size; i += a.chunk) chunks.push(texts.slice(i, i + a.chunk))
  const t0 = now()
  let last = 0
  for (const texts of chunks) {
    last = (await c.call('sendMany', { friend: a.friend, texts })).at(-1)!.seq
    // One call per turn of the event loop, as calls arriving on a socket come: chained in
    // microtasks, the calls would keep the loop from sending anything until the last one.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const { delivered } = await c.call('waitDelivered', { friend: a.friend, seq: last, timeoutMs: 120_000 })
  const ms = now() - t0
  if (!delivered) throw new Error(`burst ${a.tag}: not all ${a.size} messages delivered within 120 s`)
  return ms
}

async function serve (req: Request): Promise<unknown> {
  if (daemon === null) throw new Error('the daemon is not ready')
  const open = (): Client => daemon!.client()
  switch (req.cmd) {
    case 'arm': {
      const pp = new PingPong(open(), req.args as PingPongArgs)
      // Subscribed only while a ping-pong runs, like a client that came for it (a burst has none).
      await pp.client.subscribe((e) => pp.onEvent(e), ['message'])
      armed = pp
      return true
    }
    case 'kick':
      armed?.send()
      return true
    case 'collect': {
      const pp = armed
      if (pp === null) throw new Error('no ping-pong armed')
      armed = null
      try { return await pp.done } finally { await pp.client.close() }
    }
    case 'burst': {
      const client = open()
      try { return await burst(client, req.args as BurstArgs) } finally { await client.close() }
    }
  }
  throw new Error(`unknown command ${req.cmd}`)
}

process.on('message', (req: Request) => {
  serve(req).then(
    (result) => process.send!({ id: req.id, result }),
    (err: Error) => process.send!({ id: req.id, error: err.message }))
})

const [home, bootstrap] = process.argv.slice(2)

async function main (): Promise<void> {
  const d = await startDaemon({ home, bootstrap })
  daemon = d
  // Stopped like `psst daemon`: on SIGINT/SIGTERM, when the bench goes away, or by a `stop` request.
  const stop = (): void => { void d.stop() }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  process.once('disconnect', stop)
  await d.stopped
}

main().then(() => process.exit(0), (err: Error) => {
  process.stderr.write(`${new Date().toISOString()} ${err.message}\n`)
  process.exit(1)
})
