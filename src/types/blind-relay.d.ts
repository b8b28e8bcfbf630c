// The part of blind-relay 1.x that psst uses (the relay node serves it). No types shipped.
declare module 'blind-relay' {
  import { EventEmitter } from 'events'

  export interface RelayStats {
    sessions: { accepted: number, opened: number, closed: number, active: number }
    pairings: { requested: number, matched: number, cancelled: number, pending: number, active: number }
    streams: { opened: number, closed: number, errors: number, active: number }
  }

  export interface ServerOptions {
    /** Makes the UDX stream that carries one relayed half; usually `dht.createRawStream(opts)`. */
    createStream (opts?: Record<string, unknown>): unknown
  }

  export class Server extends EventEmitter {
    constructor (opts: ServerOptions)
    readonly stats: RelayStats
    /** Serve relay requests arriving on `stream` (a secret stream or a protomux on one). */
    accept (stream: unknown, opts?: { id?: Buffer }): EventEmitter
    close (): Promise<void>
  }

  export class Client extends EventEmitter {
    constructor (stream: unknown, opts?: { id?: Buffer })
    close (): Promise<void>
    destroy (err?: Error): void
  }

  export function token (buf?: Buffer): Buffer
}
