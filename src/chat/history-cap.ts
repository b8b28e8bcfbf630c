/**
 * How much history one friend's conversation keeps (docs/reliability.md, History caps). A friend
 * who sends without pause must not fill the disk, and refusing their messages would block the
 * conversation for good; so, as Signal's conversation length limit does, the oldest stored
 * messages are pruned once a cap is passed. Only history that was stored (and acknowledged) long
 * ago goes: never a message just stored, never a message of mine still waiting for its receipt
 * (the outbox reads its body from history). The user is told once per friend and run (log, a
 * warning event, `psst daemon status`).
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { HistoryCaps, HistoryPruned } from '../wire/api.js'
import { personal } from '../wire/log-line.js'
import { PsstError } from '../errors.js'

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024
/** No count cap by default: the bytes cap bounds the disk, and a long text conversation is kept whole. */
export const DEFAULT_MAX_MESSAGES = Infinity
/** Below these a cap could prune the message just stored (one message is at most 64 KB). */
export const MIN_MAX_BYTES = 1024 * 1024
export const MIN_MAX_MESSAGES = 10

export interface Caps { bytes: number, messages: number }

interface Usage {
  state: 'unknown' | 'scanning' | 'ready'
  /** Bytes of the stored history values, and the index of the oldest record. */
  bytes: number
  first: number
  pruning: boolean
  /** Bytes noted while a scan runs. */
  during: number
  /** The last prune found nothing it may delete (all waiting for receipts): wait for the next store. */
  stuck: boolean
}

interface CapState { caps: Caps, pruned: Map<string, HistoryPruned> }

const usages = new WeakMap<Peer, Usage>()
const states = new WeakMap<Messenger, CapState>()

function state (m: Messenger): CapState {
  let st = states.get(m)
  if (st === undefined) {
    st = { caps: { bytes: DEFAULT_MAX_BYTES, messages: DEFAULT_MAX_MESSAGES }, pruned: new Map() }
    states.set(m, st)
  }
  return st
}

/** The caps in force for the settings (null: the default, 0: none). */
export function capsOf (s: HistoryCaps): Caps {
  const pick = (v: number | null, def: number): number => v === null ? def : v === 0 ? Infinity : v
  return { bytes: pick(s.historyMaxBytes, DEFAULT_MAX_BYTES), messages: pick(s.historyMaxMessages, DEFAULT_MAX_MESSAGES) }
}

/** A usage error for a cap too small to be safe (0 = no cap is always fine). */
export function checkCaps (s: Partial<HistoryCaps>): void {
  if (s.historyMaxBytes != null && s.historyMaxBytes !== 0 && s.historyMaxBytes < MIN_MAX_BYTES) {
    throw PsstError.usage(`history-max-bytes must be at least ${MIN_MAX_BYTES / 1048576} MiB (or 0 for no cap)`)
  }
  if (s.historyMaxMessages != null && s.historyMaxMessages !== 0 && s.historyMaxMessages < MIN_MAX_MESSAGES) {
    throw PsstError.usage(`history-max-messages must be at least ${MIN_MAX_MESSAGES} (or 0 for no cap)`)
  }
}

/** Sets the caps (at start, and at once on `psst config set`): friends already past them are pruned. */
export function setHistoryCaps (m: Messenger, s: HistoryCaps): void {
  state(m).caps = capsOf(s)
  for (const rt of m.friends.values()) {
    const u = usages.get(rt)
    if (u?.state !== 'ready') continue
    u.stuck = false
    check(m, rt, u)
  }
}

/**
 * Called once history records of `bytes` are on disk (a message received, a send call).
 * The first call for a friend in a run measures their history (once, in the background).
 */
export function noteStored (m: Messenger, rt: Peer, bytes: number): void {
  let u = usages.get(rt)
  if (u === undefined) {
    u = { state: 'unknown', bytes: 0, first: 0, pruning: false, stuck: false, during: 0 }
    usages.set(rt, u)
  }
  if (u.state === 'ready') {
    u.bytes += bytes
    u.stuck = false
    check(m, rt, u)
    return
  }
  if (u.state === 'scanning') { u.during += bytes; return }
  u.state = 'scanning'
  void measure(m, rt, u)
}

/** Scans that may run before what arrives during one is taken as counted by adding it. */
const MAX_SCANS = 3

/**
 * Measures a friend's history. What is stored while a scan runs may or may not be in it: the scan
 * runs again until nothing came meanwhile (or, under a flood, counts it on top: a little early
 * pruning rather than going past the cap).
 */
async function measure (m: Messenger, rt: Peer, u: Usage): Promise<void> {
  try {
    for (let scan = 1; ; scan++) {
      u.during = 0
      const { bytes, first } = await m.store.historyUsage(rt.publicKey)
      if (u.during > 0 && scan < MAX_SCANS) continue
      u.bytes = bytes + u.during
      u.first = first ?? rt.rec.nextIndex
      u.state = 'ready'
      check(m, rt, u)
      return
    }
  } catch (err) {
    u.state = 'unknown'
    m.log(`cannot measure a history: ${(err as Error).message}`)
  }
}

/** Past a cap by a tenth (so pruning runs in steps, not at every message): down to the cap. */
function check (m: Messenger, rt: Peer, u: Usage): void {
  const caps = state(m).caps
  const count = rt.rec.nextIndex - u.first
  const over = u.bytes > caps.bytes + Math.max(caps.bytes / 10, 64 * 1024) || count > caps.messages + Math.max(1, Math.floor(caps.messages / 10))
  if (!over || u.pruning || u.stuck || m.closing) return
  u.pruning = true
  prune(m, rt, u, caps).catch((err) => {
    m.count('history-prune-failed')
    m.log(`cannot prune a history: ${(err as Error).message}`)
  }).finally(() => {
    u.pruning = false
    // What was stored while this ran may be past the cap again.
    check(m, rt, u)
  })
}

async function prune (m: Messenger, rt: Peer, u: Usage, caps: Caps): Promise<void> {
  const end = rt.rec.nextIndex
  const total = u.bytes
  const keep = Math.min(await firstUnacked(m, rt), end - 1)
  const res = await m.store.pruneOps(rt.publicKey, keep, (removed, cutoff) => total - removed <= caps.bytes && end - cutoff <= caps.messages)
  if (res === null || !rt.current || m.closing) { u.stuck = true; return }
  await m.write(res.ops)
  const messages = Math.max(0, res.cutoff - u.first)
  u.bytes -= res.bytes
  u.first = res.cutoff
  report(m, rt, messages, res.bytes, caps)
}

/** The history index of my oldest message they have not acknowledged (its body is read from history to resend it). */
async function firstUnacked (m: Messenger, rt: Peer): Promise<number> {
  if (!rt.out.unacknowledged) return Infinity
  const [rec] = await m.store.outbox(rt.publicKey, rt.out.ackedUpTo, 1)
  return rec?.index ?? Infinity
}

function report (m: Messenger, rt: Peer, messages: number, bytes: number, caps: Caps): void {
  m.count('history-pruned', messages)
  const st = state(m)
  const seen = st.pruned.get(rt.hex)
  if (seen !== undefined) {
    seen.messages += messages
    seen.bytes += bytes
    return
  }
  const who = rt.rec.alias !== undefined && rt.rec.alias !== '' ? rt.rec.alias : rt.label
  st.pruned.set(rt.hex, { friend: rt.hex, name: who, messages, bytes, since: m.now() })
  const cap = [caps.bytes < Infinity ? `${(caps.bytes / 1048576).toFixed(caps.bytes % 1048576 === 0 ? 0 : 1)} MiB` : '', caps.messages < Infinity ? `${caps.messages} messages` : ''].filter((s) => s !== '').join(' / ')
  const advice = 'psst config set history-max-bytes (or history-max-messages) keeps more'
  m.log(`history with ${personal(who)} passed its cap (${cap}): the oldest messages are being deleted; ${advice}`)
  m.emitEvent({ type: 'warning', message: `history with ${who} passed its cap (${cap}): the oldest messages are being deleted; ${advice}` })
}

/** For `psst daemon status`: the friends whose history was pruned in this run. */
export function historyPruned (m: Messenger): HistoryPruned[] | undefined {
  const list = [...state(m).pruned.values()].map((p) => ({ ...p }))
  return list.length === 0 ? undefined : list
}
