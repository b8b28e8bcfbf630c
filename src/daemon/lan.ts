/**
 * The daemon's side of LAN discovery (src/lan, docs/design.md, LAN discovery): what the beacons
 * name (friends not connected, requests I sent), what a match does (dial the friend at the
 * address its beacon gave), and how a link reached its friend (`via` in `psst friends`).
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { DhtNode } from '../net/dht-node.js'
import { isIPv4, isLoopback } from '../net/bootstrap.js'
import { LanDiscovery, type LanPeer } from '../lan/discovery.js'
import { DEFAULT_LAN_PORT, type LanConfig } from '../lan/sockets.js'
import { cryptoReady } from '../crypto/sodium.js'
import { deviceKeyOf, requestsOpenOf } from '../presence/presence.js'
import { PsstError } from '../errors.js'

const lans = new WeakMap<Messenger, LanDiscovery>()

export type Via = 'direct' | 'relay' | 'lan'

/**
 * Where beacons go and are heard. PSST_LAN_PORT moves the port (tests: one per file);
 * PSST_LAN_TARGETS lists hosts to send to instead of broadcasting. A DHT bound to loopback keeps
 * its beacons there too: bound to that address, sent only to targets on loopback.
 */
export function lanConfig (dhtHost: string | null, env: NodeJS.ProcessEnv = process.env): LanConfig {
  const portText = env.PSST_LAN_PORT?.trim() ?? ''
  const port = portText === '' ? DEFAULT_LAN_PORT : Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw PsstError.usage(`bad PSST_LAN_PORT "${portText}": expected a port 1–65535`)
  const loopback = dhtHost !== null && isLoopback(dhtHost)
  const list = env.PSST_LAN_TARGETS?.split(',').map((t) => t.trim()).filter((t) => t !== '')
  const targets = list === undefined || list.length === 0 ? (loopback ? [] : null) : list
  for (const t of targets ?? []) {
    if (!isIPv4(t) && !t.includes(':')) throw PsstError.usage(`bad PSST_LAN_TARGETS entry "${t}": expected an IP address`)
    if (loopback && !isLoopback(t)) throw PsstError.usage(`PSST_LAN_TARGETS entry "${t}" is not on loopback, but the DHT is: a loopback profile stays on loopback`)
  }
  return { port, bind: loopback ? dhtHost : null, targets }
}

/** Starts beaconing and hearing beacons; dials friends whose beacon it hears. Logs what it could not bind. */
export async function startLan (m: Messenger, dht: DhtNode, config: LanConfig): Promise<void> {
  const lan = new LanDiscovery({
    keyPair: () => m.keyPair,
    dialKey: () => deviceKeyOf(m),
    nospam: () => m.profile.nospam,
    requestsOpen: () => requestsOpenOf(m),
    // No beacon before presence has a device key: a friend would dial a key nobody listens on.
    dht: () => {
      const a = dht.boundAddress()
      return a === null || deviceKeyOf(m) === null ? null : { ...a, online: dht.state === 'online' }
    },
    peers: () => peers(m),
    found: (hex) => { routeThroughLan(m, lan); found(m, hex) },
    count: (c) => m.count(c),
    now: () => m.now(),
    random: () => m.random()
  }, config)
  lans.set(m, lan)
  routeThroughLan(m, lan)
  const base = m.connections.dialOptions
  m.connections.dialOptions = (rt) => {
    const opts = base(rt)
    const a = lan.addressOf(rt.hex)
    return a === null ? opts : { ...opts, direct: [{ host: a.host, port: a.port }] }
  }
  // A friend just lost, or a new request: say so at once rather than at the next slow beacon.
  m.on('presence', (e: { online: boolean }) => { if (!e.online) lan.nudge() })
  m.on('friends-changed', () => lan.nudge())
  // Tags need libsodium (~0.4 s to load under load); registered first, so a stop meanwhile closes it.
  await cryptoReady()
  const problems = await lan.start()
  for (const p of problems) m.log(`LAN discovery: cannot listen on ${p}`)
  m.log(`LAN discovery on port ${config.port}${config.targets !== null ? ` (beacons to ${config.targets.join(',') || 'nobody'})` : ''}`)
}

export function stopLan (m: Messenger): void {
  lans.get(m)?.close()
  lans.delete(m)
}

/** A match or a new request: beacon soon (the request is delivered once their beacon is heard). */
export function nudgeLan (m: Messenger): void {
  lans.get(m)?.nudge()
}

/** How this friend's link runs: over the LAN (to where its beacon said), through a relay, or direct. */
export function viaOf (m: Messenger, rt: Peer): Via | undefined {
  const link = rt.link
  if (!rt.online || link === null || link.closed) return undefined
  const raw = link.stream.rawStream as { remoteHost?: unknown, remotePort?: unknown } | undefined
  const host = raw?.remoteHost
  const port = raw?.remotePort
  if (typeof host !== 'string' || typeof port !== 'number') return 'direct'
  if (lans.get(m)?.heardFrom(host) === true) return 'lan'
  if (m.dht?.isNodeAddress(host, port) === true) return 'relay'
  return 'direct'
}

const LAN_ROUTE = Symbol('lan route')

/**
 * A friend heard on the LAN is dialled on the key its beacon named (its device key), found with no
 * DHT lookup; a request still goes to the request key presence computes from the ID. Presence
 * installs its route when it starts, which may be after LAN discovery did: so this wraps whatever
 * route is there, again whenever a beacon matches, and never twice.
 */
function routeThroughLan (m: Messenger, lan: LanDiscovery): void {
  const current = m.connections.route as typeof m.connections.route & { [LAN_ROUTE]?: true }
  if (current[LAN_ROUTE] === true) return
  const wrapped = Object.assign(async (rt: Peer): Promise<Buffer | null> => {
    const a = rt.state === 'request-sent' ? null : lan.addressOf(rt.hex)
    return a?.key ?? await current(rt)
  }, { [LAN_ROUTE]: true as const })
  m.connections.route = wrapped
}

/**
 * Heard where a friend is: dial it there, even while a dial through the DHT still waits for an
 * answer; but not again while the last LAN dial waits (beacons come every 2 s).
 */
function found (m: Messenger, hex: string): void {
  const rt = m.friends.get(hex)
  if (rt === undefined || linked(rt) || m.closing) return
  // A request goes to the request key whatever the LAN says, and the recipient admits my key
  // there once per 2 s: dialling it again on a beacon (cutting the backoff short) gets refused.
  if (rt.state === 'request-sent') return
  if (!rt.dialing) { m.dial(rt); return }
  const last = lanDialAt.get(rt) ?? 0
  if (m.now() - last < LAN_DIAL_WAIT_MS) return
  lanDialAt.set(rt, m.now())
  m.connections.dialAgain(rt)
}

/** A LAN dial's handshake takes milliseconds; a dial this old is not going to answer. */
const LAN_DIAL_WAIT_MS = 5000
const lanDialAt = new WeakMap<Peer, number>()

function * peers (m: Messenger): Iterable<LanPeer> {
  for (const rt of m.friends.values()) yield lanPeer(rt)
}

function lanPeer (rt: Peer): LanPeer {
  return {
    hex: rt.hex,
    publicKey: rt.publicKey,
    linked: linked(rt),
    requestNospam: rt.state === 'request-sent' ? rt.rec.requestNospam : null
  }
}

/** Connected: a link whose handshake is done (a dial still waiting does not count). */
function linked (rt: Peer): boolean {
  return rt.link !== null && !rt.link.closed && rt.link.stream.handshakeHash !== null
}

/** A friend's view with how its link runs, when it is online. */
export function withVia<T extends object> (info: T, via: Via | undefined): T & { via?: Via } {
  return via === undefined ? info : { ...info, via }
}
