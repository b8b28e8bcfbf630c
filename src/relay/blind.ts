/**
 * The blind relay (DESIGN.md §2, §8): two peers that cannot holepunch each ask the relay, over a
 * connection to the relay's key, to pair their UDX streams by a shared token; the relay then
 * forwards the encrypted packets between them. It sees both IP addresses and ciphertext only.
 * Served with the `blind-relay` package, the one hyperdht's `relayThrough` speaks.
 */
import { Server as BlindRelayServer } from 'blind-relay'
import type { PeerStream } from '../dht/stream.js'

/** What the relay needs of the HyperDHT instance behind DhtNode (its `dht` escape hatch). */
export interface RawStreamFactory { createRawStream (opts?: Record<string, unknown>): unknown }

interface UdxStream {
  readonly bytesReceived?: number
  on (event: string, fn: (...args: any[]) => void): unknown
}

export interface BlindRelayStats {
  /** Connections relayed (pairs matched) since start. */
  relayed: number
  /** Pairs relaying right now. */
  active: number
  /** Bytes the relay forwarded (both directions), as counted by its UDX streams. */
  bytes: number
  errors: number
}

export class BlindRelay {
  readonly #server: BlindRelayServer
  readonly #live = new Set<UdxStream>()
  #closedBytes = 0
  #errors = 0

  constructor (dht: RawStreamFactory) {
    this.#server = new BlindRelayServer({
      createStream: (opts) => this.#track(dht.createRawStream({ ...opts, framed: true }) as UdxStream)
    })
  }

  /** Serves relay requests on a connection to the relay's key (alongside the mailbox channel). */
  accept (stream: PeerStream): void {
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
