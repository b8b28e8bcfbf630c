// The part of @hyperswarm/secret-stream 6.x that psst uses. The package ships no types.
// A NoiseSecretStream is a streamx Duplex carrying length-framed, encrypted messages
// (one write = one message on the other side), which is what protomux needs.
declare module '@hyperswarm/secret-stream' {
  import { EventEmitter } from 'events'

  class NoiseSecretStream extends EventEmitter {
    constructor (isInitiator: boolean, rawStream?: unknown, opts?: Record<string, unknown>)
    static keyPair (seed?: Buffer): { publicKey: Buffer, secretKey: Buffer }

    readonly isInitiator: boolean
    /** Own static public key (the key pair given to listen/connect). */
    readonly publicKey: Buffer
    /** The peer's static public key: Noise proved the peer holds its secret key. */
    readonly remotePublicKey: Buffer
    /** Same value on both ends of one session; differs between two sessions of the same pair. */
    readonly handshakeHash: Buffer | null
    readonly rawStream: any
    /** Resolves true once the handshake is done, false if the stream died before. */
    readonly opened: Promise<boolean>
    readonly destroyed: boolean
    readonly destroying: boolean
    readonly keepAlive: number
    readonly timeout: number
    /** Free slot for whoever owns the stream (protomux puts itself here). */
    userData: unknown

    write (data: Buffer | Uint8Array): boolean
    end (data?: Buffer | Uint8Array): void
    destroy (err?: Error | null): void
    pause (): this
    resume (): this
    /** Send an empty keep-alive message every `ms` (0 = off). hyperdht sets 5000. */
    setKeepAlive (ms: number): void
    /** Destroy the stream when nothing arrives for `ms` (0 = off). */
    setTimeout (ms: number): void
    alloc (len: number): Buffer
  }

  export = NoiseSecretStream
}
