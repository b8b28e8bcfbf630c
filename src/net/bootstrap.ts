/**
 * Bootstrap lists and the bind address (docs/design.md, Network basics). Pure: no I/O.
 *
 * The bind rule exists because hyperdht bound to 0.0.0.0 advertises this machine's LAN addresses to
 * peers, and a loopback test network must never send a packet outside 127.0.0.0/8.
 */
import { PsstError } from '../errors.js'

export interface HostPort { host: string, port: number }

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i
const UNSPECIFIED = new Set(['0.0.0.0', '::', '[::]'])

export function isIPv4 (host: string): boolean {
  const m = IPV4.exec(host)
  if (m === null) return false
  return m.slice(1).every(octet => Number(octet) <= 255 && (octet.length === 1 || octet[0] !== '0'))
}

/** 127.0.0.0/8, `localhost`, `::1` (and its IPv4-mapped/bracketed spellings). */
export function isLoopback (host: string): boolean {
  const h = host.trim().toLowerCase()
  if (h === 'localhost' || h === '::1' || h === '[::1]') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return isIPv4(v4) && v4.startsWith('127.')
}

/** The bootstrap list that is no list: no DHT at all, friends found on the LAN only. */
export const NO_BOOTSTRAP = 'none'

/** "host:port[,host:port…]" → list, or `none` → [] (no DHT). Blank entries (a trailing comma) are skipped. */
export function parseBootstrap (list: string): HostPort[] {
  if (list.trim().toLowerCase() === NO_BOOTSTRAP) return []
  const entries = list.split(',').map(e => e.trim()).filter(e => e !== '')
  if (entries.length === 0) {
    throw PsstError.usage('bootstrap list is empty: expected host:port[,host:port…]')
  }
  return entries.map(parseEntry)
}

export function formatBootstrap (list: HostPort[]): string {
  if (list.length === 0) return NO_BOOTSTRAP
  return list.map(({ host, port }) => `${host}:${port}`).join(',')
}

function parseEntry (entry: string): HostPort {
  const bad = (why: string): PsstError => PsstError.usage(`bad bootstrap entry "${entry}": ${why}`)
  if (entry.startsWith('[')) throw bad('IPv6 addresses are not supported (hyperdht is IPv4)')
  const colon = entry.lastIndexOf(':')
  if (colon === -1) throw bad('expected host:port')
  const host = entry.slice(0, colon)
  const portText = entry.slice(colon + 1)
  if (host.includes(':')) throw bad('IPv6 addresses are not supported (hyperdht is IPv4)')
  if (!/^\d{1,5}$/.test(portText)) throw bad('port must be a number 1–65535')
  const port = Number(portText)
  if (port < 1 || port > 65535) throw bad('port must be a number 1–65535')
  const why = hostProblem(host)
  if (why !== null) throw bad(why)
  return { host, port }
}

/** hyperdht also takes "suggestedIP@hostname" (tries the IP first, then DNS). */
function hostProblem (host: string): string | null {
  if (host === '') return 'missing host'
  const at = host.indexOf('@')
  if (at !== -1) {
    const ip = host.slice(0, at)
    const name = host.slice(at + 1)
    if (!isIPv4(ip)) return `"${ip}" before @ is not an IPv4 address`
    return hostProblem(name)
  }
  if (UNSPECIFIED.has(host)) return `${host} is not an address one can reach`
  if (/^[\d.]+$/.test(host)) return isIPv4(host) ? null : `"${host}" is not a valid IPv4 address`
  return HOSTNAME.test(host) ? null : `"${host}" is not a valid host name`
}

/**
 * The address to bind the DHT socket to: `explicit` if given; else, when every bootstrap host is
 * loopback, the first bootstrap's address; else undefined (hyperdht's default, 0.0.0.0).
 * An empty bootstrap list (a node starting a network of its own) also gives undefined.
 */
export function chooseBindHost (bootstrap: HostPort[] | null, explicit?: string): string | undefined {
  const allLoopback = bootstrap !== null && bootstrap.length > 0 && bootstrap.every(b => isLoopback(b.host))
  const given = explicit?.trim()
  if (given !== undefined && given !== '') return checkExplicit(given, allLoopback)
  if (!allLoopback || bootstrap === null) return undefined
  const first = bootstrap[0].host.trim()
  return first.toLowerCase() === 'localhost' ? '127.0.0.1' : first
}

function checkExplicit (host: string, allLoopback: boolean): string {
  if (host.toLowerCase() === 'localhost') return '127.0.0.1'
  if (UNSPECIFIED.has(host) && allLoopback) {
    throw PsstError.usage(`cannot bind the DHT to ${host} with a loopback bootstrap: a loopback network must stay on loopback`)
  }
  if (!isIPv4(host)) throw PsstError.usage(`bad DHT bind address "${host}": expected an IPv4 address`)
  return host
}

/** hyperdht's first port; it tries this and the next four, then any port. */
export const DEFAULT_DHT_PORT = 49737
const PORT_TRIES = 5

/**
 * The ports a node without --port tries, as hyperdht's [from, to) range: its usual five, moved
 * up past any bootstrap node's port. A relay listens on such a port (often 49737 itself), and a
 * profile daemon that took it while the relay was down would keep the relay from coming back.
 */
export function portRangeAvoiding (bootstrap: HostPort[] | null): [number, number] {
  const taken = new Set((bootstrap ?? []).map(b => b.port))
  let from = DEFAULT_DHT_PORT
  for (let p = from; p < from + PORT_TRIES; p++) {
    if (taken.has(p)) from = p + 1
  }
  return [from, from + PORT_TRIES]
}
