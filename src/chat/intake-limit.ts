import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { Link } from '../net/link.js'
import { personal } from '../wire/log-line.js'

/**
 * How fast one friend may fill my disk: a token bucket of message bytes. A friend past it is
 * not refused (nothing is lost): their link is simply not read for a moment, so their daemon's
 * sends wait on back-pressure and the messages stay queued on their side. A flood of
 * 5 000 × 60 KB then takes minutes, not 18 s, and the user is told once who is doing it.
 */
export const INTAKE_BYTES_PER_S = 2 * 1024 * 1024
export const INTAKE_BURST_BYTES = 16 * 1024 * 1024
/** A pause is kept shorter than the link's idle timeout (3 s), or the link would drop. */
const MAX_PAUSE_MS = 1500
/** One notice per friend per this long. */
const NOTICE_EVERY_MS = 10 * 60 * 1000

interface Bucket { tokens: number, at: number, paused: boolean, noticed: number }
const buckets = new WeakMap<Peer, Bucket>()

/** Accounts one received message; past the budget, stops reading the link for a while. */
export function throttleIntake (m: Messenger, rt: Peer, link: Link, bytes: number): void {
  const now = m.now()
  let b = buckets.get(rt)
  if (b === undefined) { b = { tokens: INTAKE_BURST_BYTES, at: now, paused: false, noticed: -Infinity }; buckets.set(rt, b) }
  b.tokens = Math.min(INTAKE_BURST_BYTES, b.tokens + (now - b.at) * INTAKE_BYTES_PER_S / 1000) - bytes
  b.at = now
  if (b.tokens >= 0 || b.paused) return
  const raw = link.stream as unknown as { pause?: () => void, resume?: () => void }
  if (typeof raw.pause !== 'function' || typeof raw.resume !== 'function') return
  const stream = raw as { pause: () => void, resume: () => void }
  m.count('intake-throttled')
  if (now - b.noticed >= NOTICE_EVERY_MS) {
    b.noticed = now
    const who = rt.rec.name || rt.hex.slice(0, 12)
    m.log(`${personal(who)} sends faster than ${INTAKE_BYTES_PER_S / 1048576} MiB/s: slowed down (nothing is lost)`)
    m.emitEvent({ type: 'warning', message: `${who} sends messages faster than ${INTAKE_BYTES_PER_S / 1048576} MiB/s: they are slowed down (nothing is lost)` })
  }
  b.paused = true
  stream.pause()
  const wait = Math.min(MAX_PAUSE_MS, Math.ceil(-b.tokens * 1000 / INTAKE_BYTES_PER_S))
  setTimeout(() => { b.paused = false; if (!link.closed) stream.resume() }, wait).unref()
}
