/**
 * The beacon sockets and where beacons go (docs/design.md, LAN discovery). IPv4 beacons go to
 * each interface's broadcast address, IPv6 ones to ff02::1 (all nodes) on each interface; both
 * sockets listen on the one psst LAN port with SO_REUSEADDR, so two profiles on one machine
 * each hear every broadcast. A daemon bound to loopback binds its beacon socket there too and
 * sends only to targets it was given (tests): broadcast on `lo` reaches nobody, and a loopback
 * profile never sends outside 127.0.0.0/8.
 */
import dgram from 'node:dgram'
import { networkInterfaces } from 'node:os'

/** Tox's LAN discovery port is 33445; psst's sits below hyperdht's 49737 (and the demo's bootstrap, 49736). */
export const DEFAULT_LAN_PORT = 49733

export interface LanConfig {
  port: number
  /** The IPv4 address to bind; null = every address (and an IPv6 socket beside it). */
  bind: string | null
  /** Unicast or broadcast hosts to send to; null = every interface's broadcast and ff02::1. */
  targets: string[] | null
}

/** Where one beacon goes, and the IPv4 address a peer hearing it there should dial (null = the datagram's source). */
export interface Target { host: string, dialHost: string | null }

export type OnDatagram = (data: Buffer, from: string, family: 'IPv4' | 'IPv6') => void

export class BeaconSockets {
  #v4: dgram.Socket | null = null
  #v6: dgram.Socket | null = null
  readonly #config: LanConfig
  readonly #onError: (counter: string) => void

  private constructor (config: LanConfig, onError: (counter: string) => void) {
    this.#config = config
    this.#onError = onError
  }

  /** Binds what it can; a port in use or a missing IPv6 stack leaves that socket out (logged by the caller). */
  static async open (config: LanConfig, onData: OnDatagram, onError: (counter: string) => void): Promise<{ sockets: BeaconSockets, problems: string[] }> {
    const s = new BeaconSockets(config, onError)
    const problems: string[] = []
    try {
      s.#v4 = await bind('udp4', config.bind ?? '0.0.0.0', config.port, onData)
      if (config.bind === null) s.#v4.setBroadcast(true)
    } catch (err) { problems.push(`IPv4 ${config.bind ?? '0.0.0.0'}:${config.port}: ${(err as Error).message}`) }
    if (config.bind === null) {
      try {
        s.#v6 = await bind('udp6', '::', config.port, onData)
      } catch (err) { problems.push(`IPv6 [::]:${config.port}: ${(err as Error).message}`) }
    }
    return { sockets: s, problems }
  }

  get open (): boolean { return this.#v4 !== null || this.#v6 !== null }

  /** The targets for this moment: interfaces come and go (a laptop changes networks). */
  targets (): Target[] {
    if (this.#config.targets !== null) return this.#config.targets.map((host) => ({ host, dialHost: null }))
    if (this.#config.bind !== null) return []
    return interfaceTargets()
  }

  send (data: Buffer, host: string): void {
    const socket = host.includes(':') ? this.#v6 : this.#v4
    if (socket === null) return
    try {
      socket.send(data, this.#config.port, host, (err) => { if (err != null) this.#onError('lan-send-errors') })
    } catch {
      this.#onError('lan-send-errors')
    }
  }

  close (): void {
    for (const s of [this.#v4, this.#v6]) {
      try { s?.close() } catch {}
    }
    this.#v4 = null
    this.#v6 = null
  }
}

function bind (type: 'udp4' | 'udp6', host: string, port: number, onData: OnDatagram): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, reuseAddr: true, ...(type === 'udp6' ? { ipv6Only: true } : {}) })
    const family = type === 'udp4' ? 'IPv4' : 'IPv6'
    socket.once('error', reject)
    socket.bind(port, host, () => {
      socket.off('error', reject)
      // A send error arrives on the send's callback; anything else must not take the daemon down.
      socket.on('error', () => {})
      socket.on('message', (data, rinfo) => onData(data, rinfo.address, family))
      // The control socket keeps a daemon alive; beacons alone must not keep a stopping one.
      socket.unref()
      resolve(socket)
    })
  })
}

/**
 * Each non-loopback interface's IPv4 broadcast address, and ff02::1 scoped to each interface
 * with IPv6. hyperdht speaks IPv4 only, so an IPv6 beacon names that interface's IPv4 address.
 */
export function interfaceTargets (ifaces = networkInterfaces()): Target[] {
  const out: Target[] = []
  for (const [name, addrs] of Object.entries(ifaces)) {
    const v4 = (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal)
    for (const a of v4) out.push({ host: broadcastOf(a.address, a.netmask), dialHost: a.address })
    const v6 = (addrs ?? []).some((a) => a.family === 'IPv6' && !a.internal)
    if (v6 && v4.length > 0) out.push({ host: `ff02::1%${name}`, dialHost: v4[0].address })
  }
  return out
}

export function broadcastOf (address: string, netmask: string): string {
  const a = address.split('.').map(Number)
  const m = netmask.split('.').map(Number)
  return a.map((octet, i) => (octet | (~m[i] & 255)) & 255).join('.')
}
