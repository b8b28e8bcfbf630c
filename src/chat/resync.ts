/**
 * After a profile was restored from an older copy, the sender goes on in a new stream and sends
 * its unacknowledged outbox again (docs/design.md, Delivery). Those that reached me after the copy
 * was made I already hold, from the stream the new one replaces. While
 * the new stream's seqs are within what I had counted of the old one, a message whose id I
 * already hold is taken as stored (counted, acknowledged, not stored twice). The dedupe state is
 * the receiving stream's (src/streams/receive-stream.ts); the decision is judgeResync, sans I/O.
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { Link } from '../net/link.js'
import type { ChatMessage } from '../wire/frames.js'
import type { Dedupe } from '../streams/receive-stream.js'
import { toHex } from '../crypto/identity.js'
import { sameStream } from '../streams/decide.js'

/** History entries read back to find the ids a replaced stream brought. */
const LOOK_BACK = 20_000

/**
 * Their stream was replaced by `stream` while I had counted up to `upTo` of the old one (the new
 * one starts at `base`). The window is kept on disk (`persist`), so a restart inside it keeps it.
 */
export function beginResync (m: Messenger, rt: Peer, upTo: number, base: number, stream: Uint8Array, replay: (link: Link, msg: ChatMessage) => void, persist = true): void {
  endResync(m, rt)
  if (upTo <= base) return
  const d: Dedupe<{ link: Link, msg: ChatMessage }> = { upTo, ids: null, held: [] }
  rt.in.setDedupe(d)
  const id = Buffer.from(stream)
  kept.set(d, id)
  // Failing writes are the disk guard's to report; a window not kept only loses the restart case.
  if (persist) m.writes.push([m.store.dedupeOp(id, { friend: rt.publicKey, stream: id, upTo })], undefined, () => {})
  const read = m.store.history(rt.publicKey, Math.min(LOOK_BACK, 2 * (upTo - base) + 64)).then((rows) => {
    d.ids = new Set(rows.filter((row) => !row.outgoing).map((row) => toHex(row.id)))
  }, () => {
    d.ids = new Set()
  }).finally(() => {
    const held = d.held
    d.held = []
    for (const { link, msg } of held) if (!link.closed) replay(link, msg)
  })
  idsRead.set(d, read)
}

/** Per dedupe, the read of the ids (the mailbox waits for it; links hold their messages instead). */
const idsRead = new WeakMap<object, Promise<void>>()
/** Per dedupe, the stream id its record on disk is kept under. */
const kept = new WeakMap<object, Buffer>()

/** Ends a friend's dedupe (past the old count, or replaced): its record goes too. */
function endResync (m: Messenger, rt: Peer): void {
  const d = rt.in.dedupe
  if (d === null) return
  rt.in.setDedupe(null)
  const id = kept.get(d)
  if (id !== undefined) m.writes.push([m.store.dedupeOp(id, null)], undefined, () => {})
}

/**
 * At start: the dedupe windows a previous run left open, for the streams they still count (a
 * window for a stream that was replaced again, or a removed friend's, is dropped).
 */
export async function restoreResyncs (m: Messenger, replay: (rt: Peer, link: Link, msg: ChatMessage) => void): Promise<void> {
  for (const rec of await m.store.loadDedupes()) {
    const rt = m.friends.get(toHex(rec.friend))
    if (rt !== undefined && sameStream(rec.stream, rt.in.id) && rec.upTo > rt.in.upTo) {
      beginResync(m, rt, rec.upTo, rt.in.upTo, rec.stream, (link, msg) => replay(rt, link, msg), false)
    } else {
      m.writes.push([m.store.dedupeOp(rec.stream, null)], undefined, () => {})
    }
  }
}

/** While the ids a dedupe needs are read: the promise of that read (null when there is nothing to wait for). */
export function dedupeIdsPending (rt: Peer): Promise<void> | null {
  const d = rt.in.dedupe
  return d === null || d.ids !== null ? null : idsRead.get(d) ?? null
}

/**
 * A message of their new stream that came by mailbox (their resend went there when our link
 * dropped): checked against the ids I hold exactly as one that came over the link, or it would
 * be stored twice. Synchronous, like storeIncoming, so calls in seq order chain. When it is one I
 * hold it is counted and skipped, and the promise of its mark reaching the disk is returned.
 */
export function skipKnownFromMailbox (m: Messenger, rt: Peer, msg: ChatMessage): Promise<void> | null {
  const d = rt.in.dedupe
  if (d === null || d.ids === null) return null
  const verdict = judgeResync(d, rt.in.upTo, msg.seq, toHex(msg.id))
  if (verdict === 'done') endResync(m, rt)
  if (verdict !== 'known') return null
  m.count('duplicates-across-streams')
  rt.in.take(msg.seq)
  const stream = rt.in.id
  return m.write([], () => rt.in.onStored(msg.seq, stream))
}
export type ResyncVerdict = 'none' | 'hold' | 'known' | 'done'

/**
 * Whether a message must wait for the ids, is one I already hold, ends the dedupe (it is past
 * what the old stream brought), or goes the usual way. `expected` is the receiving stream's count.
 */
export function judgeResync (d: Pick<Dedupe<unknown>, 'upTo' | 'ids'>, expected: number, seq: number, idHex: string): ResyncVerdict {
  if (d.ids === null) return 'hold'
  if (seq > d.upTo) return 'done'
  return seq === expected + 1 && d.ids.has(idHex) ? 'known' : 'none'
}

/** Applies judgeResync to a message of `rt`'s stream (holding it, or ending the dedupe). */
export function checkResync (m: Messenger, rt: Peer, link: Link, msg: ChatMessage): 'none' | 'hold' | 'known' {
  const d = rt.in.dedupe
  if (d === null) return 'none'
  const verdict = judgeResync(d, rt.in.upTo, msg.seq, d.ids === null ? '' : toHex(msg.id))
  if (verdict === 'hold') { d.held.push({ link, msg }); return 'hold' }
  if (verdict === 'done') { endResync(m, rt); return 'none' }
  return verdict
}
