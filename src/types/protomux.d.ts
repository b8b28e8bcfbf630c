// The part of protomux 3.x that psst uses. The package ships no types.
// A Protomux multiplexes named channels over one framed stream (a secret stream).
declare module 'protomux' {
  namespace Protomux {
    interface EncodingState { start: number, end: number, buffer: Uint8Array | null }

    /** Structurally a compact-encoding codec (c.uint, c.string, c.struct-like objects…). */
    interface Encoding<In, Out = In> {
      preencode (state: EncodingState, value: In): void
      encode (state: EncodingState, value: In): void
      decode (state: EncodingState): Out
    }

    /** What protomux needs of the stream below it (a NoiseSecretStream fits). */
    interface FramedStream {
      userData?: unknown
      readonly destroyed: boolean
      write (data: Uint8Array): boolean
      destroy (err?: Error): void
      on (event: string, fn: (...args: any[]) => void): unknown
    }

    interface MessageOptions<T> {
      encoding?: Encoding<T>
      /** A throw (or rejected promise) here destroys the whole stream: keep it total. */
      onmessage? (message: T, channel: Channel): unknown
      autoBatch?: boolean
    }

    interface Message<T> {
      readonly type: number
      readonly encoding: Encoding<T>
      onmessage: (message: T, channel: Channel) => unknown
      /** false when the channel is closed or the stream needs draining. */
      send (message: T, channel?: Channel): boolean
    }

    interface ChannelOptions<H = unknown> {
      protocol: string
      id?: Uint8Array | null
      aliases?: string[]
      unique?: boolean
      userData?: unknown
      handshake?: Encoding<H> | null
      messages?: Array<MessageOptions<any> | null>
      onopen? (handshake: H, channel: Channel): unknown
      onclose? (isRemote: boolean, channel: Channel): unknown
      ondestroy? (channel: Channel): unknown
      ondrain? (channel: Channel): unknown
    }

    interface Channel {
      readonly protocol: string
      readonly id: Uint8Array | null
      readonly opened: boolean
      readonly closed: boolean
      readonly destroyed: boolean
      readonly handshake: unknown
      readonly messages: Array<Message<any>>
      userData: unknown
      open (handshake?: unknown): void
      close (): void
      addMessage<T> (opts?: MessageOptions<T> | null): Message<T>
      fullyOpened (): Promise<boolean>
      fullyClosed (): Promise<void>
      cork (): void
      uncork (): void
    }
  }

  class Protomux implements Iterable<Protomux.Channel> {
    constructor (stream: Protomux.FramedStream, opts?: { alloc? (size: number): Uint8Array })
    static from (stream: Protomux.FramedStream | Protomux, opts?: { alloc? (size: number): Uint8Array }): Protomux
    static isProtomux (mux: unknown): mux is Protomux

    readonly stream: Protomux.FramedStream
    readonly isProtomux: true
    readonly drained: boolean

    /** null when a channel of that protocol+id is already open, or the stream is gone. */
    createChannel<H = unknown> (opts: Protomux.ChannelOptions<H>): Protomux.Channel | null
    opened (opts: { protocol: string, id?: Uint8Array | null }): boolean
    /** Called for every remote open of protocol+id that has no local channel yet. */
    pair (opts: { protocol: string, id?: Uint8Array | null }, notify: (id: Uint8Array | null) => void): void
    unpair (opts: { protocol: string, id?: Uint8Array | null }): void
    isIdle (): boolean
    cork (): void
    uncork (): void
    destroy (err?: Error): void
    [Symbol.iterator] (): Iterator<Protomux.Channel>
  }

  export = Protomux
}
