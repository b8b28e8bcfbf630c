// The part of hyperdht 6.34 that psst uses. The package ships no types. Only src/net/ imports it.
declare module 'hyperdht' {
  import { EventEmitter } from 'events'
  import NoiseSecretStream from '@hyperswarm/secret-stream'

  namespace HyperDHT {
    interface KeyPair { publicKey: Buffer, secretKey: Buffer }
    interface NodeAddress { host: string, port: number }

    interface DHTOptions {
      /** Omitted/undefined = the public bootstrap nodes. NOTE: `false` also means public; use []. */
      bootstrap?: Array<NodeAddress | string>
      /** Bind address; default 0.0.0.0 (which advertises LAN addresses). */
      host?: string
      /** 0/omitted = try 49737..49741, then any port; [from, to) tries those, then any. */
      port?: number | [number, number]
      /** true/false fixes the mode; omitted = adaptive (persistent after ~20 min). */
      ephemeral?: boolean
      firewalled?: boolean
      anyPort?: boolean
      keyPair?: KeyPair
      /** ms between keep-alives on every stream; default 5000, false = off. */
      connectionKeepAlive?: number | false
    }

    interface ServerOptions {
      /** true = reject. May be async. A thrown TypeError/ReferenceError crashes the process. */
      firewall? (remotePublicKey: Buffer, remotePayload: unknown, clientAddress: unknown): boolean | Promise<boolean>
      /** Default true: offer this machine's LAN addresses to connecting peers. */
      shareLocalAddress?: boolean
      relayThrough?: Buffer | Buffer[] | ((force: boolean) => Buffer | null) | null
      holepunch?: boolean | ((...args: unknown[]) => boolean)
    }

    interface ConnectOptions {
      keyPair?: KeyPair
      relayThrough?: Buffer | Buffer[] | ((force: boolean) => Buffer | null) | null
      /** Default true: try the peer's LAN addresses when both share a public IP. */
      localConnection?: boolean
      /** Called before punching; false aborts holepunching (a relayed connection then stays relayed). */
      holepunch?: (...args: unknown[]) => boolean
      /** Default true: probe the server's address at once, which may connect directly. */
      fastOpen?: boolean
      nodes?: NodeAddress[]
      /** Nodes to send the handshake through first; the peer's own DHT socket works (no DHT needed). */
      relayAddresses?: NodeAddress[]
    }

    interface Server extends EventEmitter {
      readonly listening: boolean
      readonly closed: boolean
      readonly publicKey: Buffer | null
      listen (keyPair?: KeyPair): Promise<Server>
      close (): Promise<void>
      refresh (): void
      address (): { publicKey: Buffer, host: string | null, port: number } | null
    }
  }

  class HyperDHT extends EventEmitter {
    constructor (opts?: HyperDHT.DHTOptions)
    static keyPair (seed?: Buffer): HyperDHT.KeyPair
    /** A persistent node with an empty bootstrap list that knows its own address. IPv4, not 0.0.0.0. */
    static bootstrapper (port: number, host: string, opts?: HyperDHT.DHTOptions): HyperDHT

    readonly defaultKeyPair: HyperDHT.KeyPair
    readonly bootstrapped: boolean
    readonly ephemeral: boolean
    readonly firewalled: boolean
    readonly destroyed: boolean
    /** From network health sampling; starts true. */
    readonly online: boolean
    readonly degraded: boolean
    /** Our address as other nodes see it (NAT sampling); null until known. */
    readonly host: string | null
    readonly port: number
    /** The routing table's node list; `length` = known peers. */
    readonly nodes: { readonly length: number }
    /** The routing table's nodes, newest first. */
    toArray (opts?: { limit?: number }): HyperDHT.NodeAddress[]

    /** Resolves once the first bootstrap query ended (with or without any node found). */
    fullyBootstrapped (): Promise<void>
    createServer (opts?: HyperDHT.ServerOptions, onconnection?: (socket: NoiseSecretStream) => void): HyperDHT.Server
    connect (remotePublicKey: Buffer, opts?: HyperDHT.ConnectOptions): NoiseSecretStream
    /** Bound socket address. */
    address (): { host: string, family: number, port: number } | null
    localAddress (): { host: string, port: number } | null
    remoteAddress (): { host: string, port: number } | null
    /** Probes which of our local addresses answer; src/net/dht-node.ts overrides it on loopback nodes. */
    validateLocalAddresses (addresses: HyperDHT.NodeAddress[]): Promise<HyperDHT.NodeAddress[]>
    /** A raw UDX stream, e.g. for blind-relay's `createStream`. */
    createRawStream (opts?: Record<string, unknown>): unknown
    destroy (opts?: { force?: boolean }): Promise<void>
    /** Signed record under keyPair.publicKey, stored (in RAM, ~48 h) by the nodes closest to its hash. */
    mutablePut (keyPair: HyperDHT.KeyPair, value: Buffer, opts?: { seq?: number }): Promise<{ seq: number }>
    /** The highest-seq record with a valid signature, or null. */
    mutableGet (publicKey: Buffer, opts?: { seq?: number, latest?: boolean }): Promise<{ seq: number, value: Buffer } | null>
    /** dht-rpc's counters: requests.total counts every request this node sent. */
    readonly stats: { requests: { total: number, active: number } }
  }

  export = HyperDHT
}
