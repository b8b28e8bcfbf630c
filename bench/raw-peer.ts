/**
 * The baseline: a raw hyperdht peer with no psst code, run as a child process and driven over
 * IPC by bench/lib/raw.ts. It does the work psst does, over the same kind of framing: a Noise
 * secret stream, one protomux channel with one raw message type, frames [type][fields][body],
 * sequence numbers, receipts coalesced to one per burst, and (with --level) LevelDB batches on
 * both sides: outbox + history written before sending, history written before acknowledging,
 * outbox entries deleted when acknowledged. Group commit like psst's write queue.
 *
 * Network safety as in src/net/dht-node.ts: bound to the loopback bootstrap's address, no LAN
 * addresses shared, offered or probed.
 */
import HyperDHT from 'hyperdht'
import Protomux from 'protomux'
import c from 'compact-encoding'
import { Level } from 'level'
import { randomBytes } from 'node:crypto'

type Op = { type: 'put', sub: 'messages' | 'outbox', key: Buffer, value: Buffer } | { type: 'del', sub: 'messages' | 'outbox', key: Buffer }
type Stream = ReturnType<HyperDHT['connect']>

const MSG = 1
const ACK = 2
const ECHO = 1

const isLoopback = (host: string): boolean => /^127\./.test(host)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function u64 (n: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

/** Group commit (one LevelDB batch per turn of the event loop), or nothing at all without LevelDB. */
class Writer {
  #ops: Op[] = []
  #after: Array<() => void> = []
  #busy = false
  #scheduled = false
  constructor (readonly db: Level<Buffer, Buffer> | null) {}
  #subs = new Map<string, any>()

  push (ops: Op[], after: () => void): void {
    if (this.db === null) return after()
    for (const op of ops) this.#ops.push(op)
    this.#after.push(after)
    if (!this.#busy && !this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => { this.#scheduled = false; void this.#flush() })
    }
  }

  #sub (name: string): any {
    let s = this.#subs.get(name)
    if (s === undefined) {
      s = this.db!.sublevel<Buffer, Buffer>(name, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
      this.#subs.set(name, s)
    }
    return s
  }

  async #flush (): Promise<void> {
    const ops = this.#ops
    const after = this.#after
    this.#ops = []
    this.#after = []
    this.#busy = true
    await this.db!.batch(ops.map((op) => op.type === 'put'
      ? { type: 'put' as const, sublevel: this.#sub(op.sub), key: op.key, value: op.value }
      : { type: 'del' as const, sublevel: this.#sub(op.sub), key: op.key }))
    this.#busy = false
    for (const fn of after) fn()
    if (this.#after.length > 0 && !this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => { this.#scheduled = false; void this.#flush() })
    }
  }
}

/** One connection: sequenced messages both ways, coalesced receipts, persistence through the writer. */
class Conn {
  readonly prefix = randomBytes(32)
  nextSeq = 0
  nextIndex = 0
  recvUpTo = 0
  acked = 0
  ackPending = false
  onIncoming: (() => void) | null = null
  onAcked: (() => void) | null = null
  readonly opened: Promise<void>
  readonly channel: Protomux.Channel
  readonly msg: Protomux.Message<Buffer>

  constructor (readonly stream: Stream, readonly writer: Writer) {
    const mux = Protomux.from(stream as unknown as Protomux.FramedStream)
    let open = (): void => {}
    this.opened = new Promise((resolve) => { open = resolve })
    this.channel = mux.createChannel({ protocol: 'bench/1', handshake: c.uint, onopen: () => open() })!
    this.msg = this.channel.addMessage({ encoding: c.raw as unknown as Protomux.Encoding<Buffer>, onmessage: (b: Buffer) => this.#onFrame(b) })
    this.channel.open(1)
  }

  /** Persists outbox + history for each text, then writes the frames to the stream, corked. */
  send (texts: string[], flags = 0): number {
    const frames: Buffer[] = []
    const ops: Op[] = []
    const now = Date.now()
    for (const text of texts) {
      const seq = ++this.nextSeq
      const body = Buffer.from(text)
      const frame = Buffer.allocUnsafe(1 + 1 + 4 + 16 + 8 + body.byteLength)
      frame[0] = MSG
      frame[1] = flags
      frame.writeUInt32BE(seq, 2)
      randomBytes(16).copy(frame, 6)
      frame.writeDoubleBE(now, 22)
      body.copy(frame, 30)
      frames.push(frame)
      ops.push({ type: 'put', sub: 'outbox', key: Buffer.concat([this.prefix, u64(seq)]), value: frame })
      ops.push({ type: 'put', sub: 'messages', key: Buffer.concat([this.prefix, u64(this.nextIndex++)]), value: frame })
    }
    this.writer.push(ops, () => {
      this.channel.cork()
      for (const f of frames) this.msg.send(f)
      this.channel.uncork()
    })
    return this.nextSeq
  }

  #onFrame (b: Buffer): void {
    if (b.byteLength >= 30 && b[0] === MSG) return this.#onMessage(b)
    if (b.byteLength >= 5 && b[0] === ACK) return this.#onAck(b.readUInt32BE(1))
  }

  #onMessage (b: Buffer): void {
    const seq = b.readUInt32BE(2)
    if (seq !== this.recvUpTo + 1) return
    this.recvUpTo = seq
    const key = Buffer.concat([this.prefix, u64(this.nextIndex++)])
    this.writer.push([{ type: 'put', sub: 'messages', key, value: b }], () => {
      this.#scheduleAck(seq)
      if ((b[1] & ECHO) !== 0) this.send([b.subarray(30).toString()])
      this.onIncoming?.()
    })
  }

  #scheduleAck (seq: number): void {
    if (this.ackPending) return
    this.ackPending = true
    setImmediate(() => {
      this.ackPending = false
      const f = Buffer.allocUnsafe(5)
      f[0] = ACK
      f.writeUInt32BE(this.recvUpTo >= seq ? this.recvUpTo : seq, 1)
      this.msg.send(f)
    })
  }

  #onAck (upTo: number): void {
    if (upTo <= this.acked) return
    const ops: Op[] = []
    for (let s = this.acked + 1; s <= upTo; s++) ops.push({ type: 'del', sub: 'outbox', key: Buffer.concat([this.prefix, u64(s)]) })
    this.acked = upTo
    this.writer.push(ops, () => this.onAcked?.())
  }
}

let dht: HyperDHT | null = null
let writer = new Writer(null)
let conn: Conn | null = null
const keyPair = HyperDHT.keyPair()

function node (): HyperDHT {
  if (dht === null) throw new Error('not initialised')
  return dht
}

async function init (a: { bootstrap: Array<{ host: string, port: number }>, host: string, level: string | null }): Promise<{ pid: number }> {
  if (!isLoopback(a.host)) throw new Error('the raw peer runs on loopback only')
  dht = new HyperDHT({ bootstrap: a.bootstrap, host: a.host, ephemeral: true })
  dht.validateLocalAddresses = async (addrs) => addrs.filter((x) => isLoopback(x.host))
  await dht.fullyBootstrapped()
  if (a.level !== null) {
    const db = new Level<Buffer, Buffer>(a.level, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    writer = new Writer(db)
  }
  return { pid: process.pid }
}

async function listen (): Promise<{ publicKey: string }> {
  const server = node().createServer({ shareLocalAddress: false, firewall: () => false }, (stream) => {
    stream.on('error', () => {})
    conn = new Conn(stream, writer)
  })
  await server.listen(keyPair)
  return { publicKey: keyPair.publicKey.toString('hex') }
}

function dial (publicKey: string): Stream {
  const s = node().connect(Buffer.from(publicKey, 'hex'), { keyPair, localConnection: false })
  s.on('error', () => {})
  return s
}

/** dht.connect → 'open', n times, each connection closed before the next. */
async function connects (a: { publicKey: string, n: number }): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < a.n; i++) {
    const t0 = performance.now()
    const s = dial(a.publicKey)
    const ok = await new Promise<boolean>((resolve) => { s.once('open', () => resolve(true)); s.once('close', () => resolve(false)) })
    const ms = performance.now() - t0
    if (ok) out.push(ms)
    const closed = new Promise((resolve) => s.once('close', resolve))
    s.destroy()
    if (!s.destroyed || ok) await closed
    await sleep(30)
  }
  return out
}

async function open (a: { publicKey: string }): Promise<boolean> {
  const s = dial(a.publicKey)
  conn = new Conn(s, writer)
  await conn.opened
  return true
}

/** One-way latency as half the round trip of n echoed messages (each side persists, as psst). */
async function pingpong (a: { n: number, bodyBytes: number }): Promise<number[]> {
  const cn = conn!
  const body = 'x'.repeat(a.bodyBytes)
  const out: number[] = []
  for (let i = 0; i < a.n; i++) {
    const got = new Promise<void>((resolve) => { cn.onIncoming = resolve })
    const t0 = performance.now()
    cn.send([body], ECHO)
    await got
    out.push((performance.now() - t0) / 2)
  }
  cn.onIncoming = null
  return out
}

/** n messages in chunks, until the receipt for the last one is processed; returns ms. */
async function burst (a: { n: number, chunk: number, bodyBytes: number }): Promise<number> {
  const cn = conn!
  const texts = Array.from({ length: a.n }, (_, i) => `${i} `.padEnd(a.bodyBytes, 'x'))
  const t0 = performance.now()
  let last = 0
  for (let i = 0; i < texts.length; i += a.chunk) last = cn.send(texts.slice(i, i + a.chunk))
  await new Promise<void>((resolve) => {
    cn.onAcked = () => { if (cn.acked >= last) resolve() }
  })
  cn.onAcked = null
  return performance.now() - t0
}

const commands: Record<string, (a: any) => Promise<unknown>> = { init, listen, connects, open, pingpong, burst }

process.on('message', (req: { id: number, cmd: string, args: unknown }) => {
  if (req.cmd === 'exit') {
    void Promise.resolve(dht?.destroy({ force: true })).finally(() => process.exit(0))
    return
  }
  const fn = commands[req.cmd]
  const p = fn === undefined ? Promise.reject(new Error(`unknown command ${req.cmd}`)) : fn(req.args)
  p.then((result) => process.send!({ id: req.id, result }), (err: Error) => process.send!({ id: req.id, error: err.stack ?? String(err) }))
})
process.on('disconnect', () => process.exit(0))
