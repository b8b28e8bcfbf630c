/**
 * The blind relay (docs/relay.md, Relay fallback for connections): two peers that cannot holepunch each ask the relay, over a
 * connection to the relay's key, to pair their UDX streams by a shared token; the relay then
 * forwards the encrypted packets between them. It sees both IP addresses and ciphertext only.
 * Served with the `blind-relay` package, the one hyperdht's `relayThrough` speaks. It runs as the
 * core relay node's connection hook.
 */
import { Server as BlindRelayServer } from 'blind-relay'
import type { BlindRelayStats, ConnectionHook } from './node.js'

/** What is needed of the HyperDHT instance behind the relay's DHT node. */
interface RawStreamFactory { createRawStream (opts?: Record<string, unknown>): unknown }

interface UdxStream {
  readonly bytesReceived?: number
  on (event: string, fn: (...args: any[]) => void): unknown
}

interface Stream { readonly remotePublicKey: Buffer, destroy (): void }

export class BlindRelay implements ConnectionHook {
  readonly #server: BlindRelayServer
  readonly #live = new Set<UdxStream>()
  #closedBytes = 0
  #errors = 0

  constructor (rawDht: unknown) {
    const dht = rawDht as RawStreamFactory
    this.#server = new BlindRelayServer({
      createStream: (opts) => this.#track(dht.createRawStream({ ...opts, framed: true }) as UdxStream)
    })
  }

  /** Serves relay requests on a connection to the relay's key (beside the mailbox channel). */
  accept (stream: Stream): void {
    try {
      const session = this.#server.accept(stream, { id: stream.remotePublicKey })
      // A peer resetting its half emits 'error' on the session: without a listener that kills the process.
      session.on('error', () => { this.#errors++ })
    } catch {
      this.#errors++
      stream.destroy()
    }
  }

  stats (): BlindRelayStats {
    const s = this.#server.stats
    let bytes = this.#closedBytes
    for (const stream of this.#live) bytes += stream.bytesReceived ?? 0
    return { relayed: s.pairings.matched, active: s.pairings.active, bytes, errors: this.#errors + s.streams.errors }
  }

  async close (): Promise<void> {
    await this.#server.close().catch(() => {})
  }

  #track (stream: UdxStream): UdxStream {
    this.#live.add(stream)
    stream.on('close', () => {
      this.#live.delete(stream)
      this.#closedBytes += stream.bytesReceived ?? 0
    })
    return stream
  }
}
