/**
 * A private hyperdht network on ONE loopback address, for tests, `psst demo` and the bench
 * (docs/design.md, Network basics): a bootstrapper plus `size` (>= 2) persistent nodes, every socket bound to `host`.
 * Never hyperdht's testnet.js: it binds 0.0.0.0 for any host but 127.0.0.1.
 */
import HyperDHT from 'hyperdht'
import { PsstError } from '../errors.js'
import { formatBootstrap, isIPv4, isLoopback, type HostPort } from './bootstrap.js'

export interface LoopbackNetwork {
  host: string
  bootstrap: HostPort[]
  bootstrapString: string
  destroy (): Promise<void>
}

/** Below hyperdht's default 49737 so that the network's own nodes (which scan upwards) never take it. */
export const DEFAULT_BOOTSTRAP_PORT = 49736
const PORT_TRIES = 10

export async function createLoopbackNetwork (opts: { host: string, size?: number, port?: number }): Promise<LoopbackNetwork> {
  const { host } = opts
  if (!isIPv4(host) || !isLoopback(host)) throw PsstError.usage(`loopback network host must be an IPv4 address in 127.0.0.0/8, not "${host}"`)
  const size = opts.size ?? 3
  // hyperdht classifies a firewalled node's NAT from >= 3 DHT nodes' replies; with fewer the
  // holepunch reports 'open' and then times out (measured: bootstrapper + 0 or 1 nodes fail).
  if (!Number.isInteger(size) || size < 2) throw PsstError.usage(`a loopback network needs size >= 2 (got ${size}): firewalled peers need 3 DHT nodes`)
  const nodes: HyperDHT[] = []
  const destroy = async (): Promise<void> => {
    const all = nodes.splice(0).reverse()
    await Promise.allSettled(all.map(n => n.destroy({ force: true })))
  }
  try {
    const { node: boot, port } = await startBootstrapper(host, opts.port)
    nodes.push(boot)
    const bootstrap = [{ host, port }]
    for (let i = 0; i < size; i++) {
      const node = new HyperDHT({ bootstrap, host, ephemeral: false, firewalled: false })
      nodes.push(node)
      await node.fullyBootstrapped()
    }
    return { host, bootstrap, bootstrapString: formatBootstrap(bootstrap), destroy }
  } catch (err) {
    await destroy()
    throw err instanceof PsstError ? err : PsstError.internal(`cannot start a loopback DHT on ${host}: ${String(err)}`)
  }
}

/** With no explicit port, steps past ports taken by another network sharing this host. */
async function startBootstrapper (host: string, port?: number): Promise<{ node: HyperDHT, port: number }> {
  const first = port ?? DEFAULT_BOOTSTRAP_PORT
  const tries = port === undefined ? PORT_TRIES : 1
  let lastError: unknown = null
  for (let p = first; p < first + tries; p++) {
    const node = HyperDHT.bootstrapper(p, host, { host })
    try {
      await node.fullyBootstrapped()
      return { node, port: p }
    } catch (err) {
      lastError = err
      await node.destroy({ force: true }).catch(() => {})
    }
  }
  throw PsstError.internal(`cannot bind a DHT bootstrapper on ${host}:${first}: ${String(lastError)}`)
}

/**
 * A deterministic 127.0.0.N (N in 2..254) for a seed: a test file passes its file name, the bench
 * or demo a random number. Integers map to consecutive addresses; strings are hashed (FNV-1a), so two
 * names collide with probability 1/253.
 */
export function loopbackHostFor (seed: string | number): string {
  const h = typeof seed === 'number' && Number.isSafeInteger(seed) ? Math.abs(seed) : fnv1a(String(seed))
  return `127.0.0.${2 + (h % 253)}`
}

function fnv1a (text: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
