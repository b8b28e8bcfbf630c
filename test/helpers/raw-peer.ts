import { randomBytes } from 'node:crypto'
/**
 * A raw hyperdht peer for robustness tests: not psst, just a DhtNode, a key pair of its own and
 * protomux. It can write raw bytes on the Noise stream (below protomux), open the `psst/1`
 * channel (handshake c.uint = 1, one message of encoding c.raw) and send any frame or any bytes
 * as one channel message — including a 10 MiB one or a truncated one.
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import { DhtNode, dhtKeyPair, type KeyPair } from '../../src/net/dht-node.js'
import { friendshipSecret, meetingRecordKeyPair, meetingRecordBoxKey, requestKeySeed } from '../../src/crypto/meet.js'
import { encrypt, decrypt } from '../../src/crypto/aead.js'
import { MeetRecords } from '../../src/wire/meet.js'
import { parseBootstrap } from '../../src/net/bootstrap.js'
import type { PeerStream } from '../../src/net/peer-stream.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair } from '../../src/crypto/identity.js'
import { formatId, parseId } from '../../src/crypto/id.js'
import { encodeFrame, decodeFrame, type Frame, type DecodedFrame, type Hello } from '../../src/wire/frames.js'
import { PROTOCOL, PROTOCOL_VERSION } from '../../src/wire/limits.js'

export type { KeyPair }

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
/** The nospam of a raw peer's ID unless a test picks one. */
const DEFAULT_NOSPAM = Buffer.from([1, 2, 3, 4])

/** One DHT node that many raw connections (each with its own key pair) go through. */
export class RawNet {
  readonly node: DhtNode

  private constructor (node: DhtNode) { this.node = node }

  /** `bootstrap` as the harness gives it: "host:port[,…]" (loopback: the node binds to that host). */
  static async create (bootstrap: string): Promise<RawNet> {
    await cryptoReady()
    return new RawNet(await DhtNode.create({ bootstrap: parseBootstrap(bootstrap) }))
  }

  static keyPair (): KeyPair { return generateKeyPair() }

  /** A psst ID for a key pair (the raw peer's own, with any nospam). */
  static idFor (publicKey: Buffer, nospam: Buffer = DEFAULT_NOSPAM): string {
    return formatId(publicKey, nospam)
  }

  /**
   * Dials `remote` as `keyPair` and resolves once the Noise stream is open. Rejects when the
   * stream closes first or `timeoutMs` passes (a firewall refusal shows as a silent timeout).
   */
  dial (remote: Buffer | string, opts: { keyPair?: KeyPair, timeoutMs?: number } = {}): Promise<RawConn> {
    const key = typeof remote === 'string' ? Buffer.from(remote, 'hex') : remote
    const keyPair = opts.keyPair ?? generateKeyPair()
    const stream = this.node.connect(key, keyPair)
    const conn = new RawConn(stream, keyPair)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { conn.destroy(); reject(new Error('dial timed out')) }, opts.timeoutMs ?? 10_000)
      stream.once('open', () => { clearTimeout(timer); resolve(conn) })
      stream.once('close', () => { clearTimeout(timer); reject(new Error('closed before open')) })
    })
  }

  /**
   * Listens as `keyPair` (admitting everyone), as psst does (docs/design.md, Presence privacy): on
   * the request key of its ID with the default nospam, and on the key itself, which stands for its
   * device key: whoever connects gets a pointer to it, so a daemon finds it again. Each incoming
   * connection goes to `onConn`.
   */
  async listen (keyPair: KeyPair, onConn: (conn: RawConn) => void): Promise<void> {
    const adopt = (stream: PeerStream): void => {
      void this.publishPointer(keyPair, stream.remotePublicKey, keyPair.publicKey).catch(() => {})
      onConn(new RawConn(stream, keyPair))
    }
    await this.node.listen(keyPair, () => false, adopt)
    await this.node.listen(dhtKeyPair(requestKeySeed(keyPair.publicKey, DEFAULT_NOSPAM)), () => false, adopt)
  }

  /** The key a psst daemon takes friend requests on for this ID (docs/design.md, Presence privacy). */
  static requestKey (id: string): Buffer {
    const { publicKey, nospam } = parseId(id)
    return RawNet.requestKeyFor(publicKey, nospam)
  }

  static requestKeyFor (publicKey: Buffer | string, nospam: Buffer): Buffer {
    return dhtKeyPair(requestKeySeed(typeof publicKey === 'string' ? Buffer.from(publicKey, 'hex') : publicKey, nospam)).publicKey
  }

  /** The device key `owner`'s pointer for the friend `me` names, or null. */
  async pointedKey (owner: Buffer | string, me: KeyPair): Promise<Buffer | null> {
    const ownerKey = typeof owner === 'string' ? Buffer.from(owner, 'hex') : owner
    const secret = friendshipSecret(me.secretKey, ownerKey)
    const recordKey = meetingRecordKeyPair(secret, ownerKey).publicKey
    const found = await this.node.mutableGet(recordKey)
    const plain = found === null ? null : decrypt(meetingRecordBoxKey(secret, ownerKey), found.value, recordKey)
    return plain === null ? null : MeetRecords.pointer.decode(plain)?.deviceKey ?? null
  }

  /** Publishes `me`'s pointer for `friend`, naming `deviceKey`. */
  async publishPointer (me: KeyPair, friend: Buffer, deviceKey: Buffer): Promise<void> {
    const secret = friendshipSecret(me.secretKey, friend)
    const recordKeys = meetingRecordKeyPair(secret, me.publicKey)
    const now = Date.now()
    const sealed = encrypt(meetingRecordBoxKey(secret, me.publicKey), MeetRecords.pointer.encode({ deviceKey, issuedAt: now }), recordKeys.publicKey)
    await this.node.mutablePut(recordKeys, sealed, now)
  }

  destroy (): Promise<void> { return this.node.destroy() }
}

/** One raw connection. Frames received on `psst/1` are decoded into `frames` (null if malformed). */
export class RawConn {
  readonly stream: PeerStream
  readonly keyPair: KeyPair
  readonly frames: Array<DecodedFrame | null> = []
  /** The bytes of every `psst/1` message received, as they came (for a peer that decodes them its own way). */
  readonly raw: Buffer[] = []
  /** Answer pings with pongs, so the daemon's heartbeat does not drop the link. */
  autoPong = true
  /** Called for every frame received (after it is recorded in `frames`). */
  onFrame: ((frame: DecodedFrame | null) => void) | null = null
  closed = false
  /** Set by RawFriend once both hellos were exchanged on this connection. */
  ready = false
  /** The stream this peer sends on (a psst peer picks one per friendship; one per connection here). */
  sendStream: Buffer = randomBytes(16)
  /** The daemon's stream, from its last hello: what this peer's receipts and hellos must name. */
  peerStream: Buffer = Buffer.alloc(16)
  #mux: Protomux | null = null
  #channel: Protomux.Channel | null = null
  #message: Protomux.Message<Buffer> | null = null
  #waiters: Array<() => void> = []
  #closeWaiters: Array<() => void> = []

  constructor (stream: PeerStream, keyPair: KeyPair) {
    this.stream = stream
    this.keyPair = keyPair
    stream.on('error', () => {})
    stream.on('close', () => {
      this.closed = true
      for (const w of this.#closeWaiters.splice(0)) w()
      this.#wake()
    })
  }

  get remoteHex (): string { return this.stream.remotePublicKey.toString('hex') }

  /** Raw bytes as one secret-stream message, under protomux: the daemon's mux must cope. */
  writeRaw (bytes: Uint8Array): boolean {
    return this.stream.write(bytes)
  }

  /**
   * Opens `psst/1` and resolves when the daemon's side is open too (false if it never opens).
   * `version` is the handshake: an older psst opened it with its own protocol version.
   */
  async openChannel (timeoutMs = 10_000, version = PROTOCOL_VERSION): Promise<boolean> {
    if (this.#channel !== null) return this.#channel.opened
    this.#mux = Protomux.from(this.stream)
    const channel = this.#mux.createChannel({ protocol: PROTOCOL, handshake: c.uint })
    if (channel === null) return false
    this.#channel = channel
    this.#message = channel.addMessage({ encoding: c.raw as unknown as Protomux.Encoding<Buffer>, onmessage: (m: Buffer) => this.#onMessage(m) })
    channel.open(version)
    return await Promise.race([channel.fullyOpened(), sleep(timeoutMs).then(() => false)])
  }

  /** One frame, encoded as psst encodes it. */
  send (frame: Frame): boolean {
    return this.sendBytes(encodeFrame(frame))
  }

  /** Any bytes as one `psst/1` message (a truncated frame, 10 MiB of junk…). */
  sendBytes (bytes: Uint8Array): boolean {
    if (this.#message === null) throw new Error('openChannel() first')
    return this.#message.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  }

  /** Everything sent until uncork() goes out as one protomux batch: one transport frame. */
  cork (): void { this.#channel?.cork() }
  uncork (): void { this.#channel?.uncork() }

  /** A hello as a psst peer would send it. */
  hello (opts: Partial<Hello> = {}): boolean {
    return this.send({ type: 'hello', version: PROTOCOL_VERSION, name: 'raw', status: 'online', statusMessage: '', recvUpTo: 0, mailbox: null, stream: this.sendStream, base: 0, recvStream: this.peerStream, ...opts })
  }

  /** A receipt for the daemon's stream (as its last hello named it), unless another is given. */
  receipt (upTo: number, stream: Buffer = this.peerStream): boolean {
    return this.send({ type: 'receipt', upTo, stream })
  }

  /** Resolves with the first frame at index >= `from` matching `pred`; rejects on timeout or close. */
  async waitFrame (pred: (f: DecodedFrame) => boolean, opts: { from?: number, timeoutMs?: number } = {}): Promise<DecodedFrame> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
    let i = opts.from ?? 0
    for (;;) {
      for (; i < this.frames.length; i++) {
        const f = this.frames[i]
        if (f !== null && pred(f)) return f
      }
      if (this.closed) throw new Error('connection closed while waiting for a frame')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no matching frame within ${opts.timeoutMs ?? 10_000} ms; got ${this.frames.map((f) => f?.type).join(',')}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  /** Resolves true once the stream is closed, false if still open after `timeoutMs`. */
  waitClosed (timeoutMs = 10_000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true)
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs)
      this.#closeWaiters.push(() => { clearTimeout(t); resolve(true) })
    })
  }

  destroy (): void {
    if (!this.stream.destroyed) this.stream.destroy()
  }

  #onMessage (bytes: Buffer): void {
    this.raw.push(Buffer.from(bytes))
    const frame = decodeFrame(bytes)
    this.frames.push(frame)
    if (frame !== null && frame.type === 'hello') this.peerStream = Buffer.from(frame.stream)
    if (this.autoPong && frame !== null && frame.type === 'ping') this.send({ type: 'pong', nonce: frame.nonce })
    try { this.onFrame?.(frame) } finally { this.#wake() }
  }

  #wake (): void {
    for (const w of this.#waiters.splice(0)) w()
  }
}

/**
 * A raw peer that speaks just enough psst to be someone's friend: it listens as its own key
 * pair; when the daemon (which `add`ed `id`) dials and sends its friendRequest, it answers
 * friendAccept + hello; later connections get a hello. It never acknowledges anything by
 * itself: tests send receipts (or over-acks) by hand on `conn`.
 */
export class RawFriend {
  readonly net: RawNet
  readonly keyPair: KeyPair
  readonly name: string
  readonly conns: RawConn[] = []
  /** What our hello claims as the highest contiguous seq received from the daemon. */
  recvUpTo = 0
  /** One stream for the friendship, whichever connection carries it. */
  readonly sendStream = randomBytes(16)
  #waiters: Array<() => void> = []

  private constructor (net: RawNet, keyPair: KeyPair, name: string) {
    this.net = net
    this.keyPair = keyPair
    this.name = name
  }

  static async start (net: RawNet, name = 'raw-friend', keyPair: KeyPair = RawNet.keyPair()): Promise<RawFriend> {
    const f = new RawFriend(net, keyPair, name)
    await net.listen(keyPair, (conn) => { void f.#adopt(conn) })
    return f
  }

  get publicHex (): string { return this.keyPair.publicKey.toString('hex') }
  id (nospam?: Buffer): string { return RawNet.idFor(this.keyPair.publicKey, nospam) }

  /** The newest connection on which both hellos were exchanged. */
  get conn (): RawConn | null {
    for (let i = this.conns.length - 1; i >= 0; i--) if (!this.conns[i].closed && this.conns[i].ready) return this.conns[i]
    return null
  }

  /** Waits for a ready connection other than `not` (e.g. after the daemon closed the old one). */
  async ready (opts: { not?: RawConn | null, timeoutMs?: number } = {}): Promise<RawConn> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
    for (;;) {
      const c = this.conn
      if (c !== null && c !== opts.not) return c
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`${this.name}: no ready connection from the daemon`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200))
        this.#waiters.push(() => { clearTimeout(t); resolve() })
      })
    }
  }

  async #adopt (conn: RawConn): Promise<void> {
    this.conns.push(conn)
    conn.sendStream = this.sendStream
    let sentHello = false
    const sayHello = (): void => {
      if (sentHello) return
      sentHello = true
      conn.hello({ name: this.name, recvUpTo: this.recvUpTo })
    }
    conn.onFrame = (f) => {
      if (f === null) return
      if (f.type === 'friendRequest') { conn.send({ type: 'friendAccept', name: this.name }); sayHello() }
      if (f.type === 'hello') {
        sayHello()
        conn.ready = true
        for (const w of this.#waiters.splice(0)) w()
      }
    }
    await conn.openChannel()
  }
}
