/**
 * The peer stream psst gets from hyperdht: a @hyperswarm/secret-stream NoiseSecretStream (a streamx
 * Duplex of encrypted, length-framed messages: one write (< 16 MiB) arrives as one 'data' chunk).
 * Layers above the DHT see only this interface, never the library.
 *
 * Facts measured on loopback (see test/integration/dht-connect.test.ts):
 * - 'open' is local: it fires before the listener even sees the connection.
 * - The peer's `destroy()` is seen at once ('error' ECONNRESET, then 'close').
 * - A killed peer is seen only after ~17.7 s ('error' ETIMEDOUT) with hyperdht's 5 s keep-alive;
 *   `setKeepAlive(1000)` on both ends plus `setTimeout(3000)` brings that to ~3 s.
 * - Every stream handed out by DhtNode already has a no-op 'error' listener, so a failure never
 *   crashes the process; listen to 'close' to learn that a stream is gone.
 */
export interface PeerStream {
  readonly remotePublicKey: Buffer
  readonly publicKey: Buffer
  readonly isInitiator: boolean
  /** Identical on both ends of one session, different for two sessions between the same pair. */
  readonly handshakeHash: Buffer | null
  readonly rawStream?: any
  /** Resolves true once the Noise handshake completed, false if the stream died first. */
  readonly opened: Promise<boolean>
  readonly destroyed: boolean
  /** Free slot for the owner (protomux stores itself here). */
  userData: unknown

  write (data: Buffer | Uint8Array): boolean
  end (): void
  destroy (err?: Error): void
  /** Send an empty message every `ms` (0 = off). Filtered out on the other side. */
  setKeepAlive (ms: number): void
  /** Destroy the stream after `ms` without anything received (0 = off). */
  setTimeout (ms: number): void

  on (event: 'data', fn: (data: Buffer) => void): this
  on (event: 'open' | 'connect' | 'close' | 'end' | 'drain', fn: () => void): this
  on (event: 'error', fn: (err: Error) => void): this
  on (event: string, fn: (...args: any[]) => void): this
  once (event: 'data', fn: (data: Buffer) => void): this
  once (event: 'open' | 'connect' | 'close' | 'end' | 'drain', fn: () => void): this
  once (event: 'error', fn: (err: Error) => void): this
  once (event: string, fn: (...args: any[]) => void): this
  off (event: string, fn: (...args: any[]) => void): this
  removeListener (event: string, fn: (...args: any[]) => void): this
}

/**
 * One connection per friend (docs/design.md, Network): when both sides dialled at once, each side holds two
 * streams to the other — its own outgoing one (isInitiator) and the peer's incoming one. Both keep
 * the stream initiated by the smaller public key (byte order), so the side with the smaller key keeps
 * its outgoing stream and the other side keeps its incoming one; no message is needed to agree.
 * Call this only when a second stream to the same peer exists: a lone stream is always kept.
 */
export function keepOnDuplicate (localPublicKey: Buffer, stream: Pick<PeerStream, 'isInitiator' | 'remotePublicKey'>): boolean {
  const initiator = stream.isInitiator ? localPublicKey : stream.remotePublicKey
  const other = stream.isInitiator ? stream.remotePublicKey : localPublicKey
  return Buffer.compare(initiator, other) < 0
}
