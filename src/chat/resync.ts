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

/** History entries read back to find the ids a replaced stream brought. */
const LOOK_BACK = 20_000

/** Their stream was replaced while I had counted up to `upTo` of the old one (the new one starts at `base`). */
export function beginResync (m: Messenger, rt: Peer, upTo: number, base: number, replay: (link: Link, msg: ChatMessage) => void): void {
  if (upTo <= base) { rt.in.setDedupe(null); return }
  const d: Dedupe<{ link: Link, msg: ChatMessage }> = { upTo, ids: null, held: [] }
  rt.in.setDedupe(d)
  m.store.history(rt.publicKey, Math.min(LOOK_BACK, 2 * (upTo - base) + 64)).then((rows) => {
    d.ids = new Set(rows.filter((row) => !row.outgoing).map((row) => toHex(row.id)))
  }, () => {
    d.ids = new Set()
  }).finally(() => {
    const held = d.held
    d.held = []
    for (const { link, msg } of held) if (!link.closed) replay(link, msg)
  })
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
export function checkResync (rt: Peer, link: Link, msg: ChatMessage): 'none' | 'hold' | 'known' {
  const d = rt.in.dedupe
  if (d === null) return 'none'
  const verdict = judgeResync(d, rt.in.upTo, msg.seq, d.ids === null ? '' : toHex(msg.id))
  if (verdict === 'hold') { d.held.push({ link, msg }); return 'hold' }
  if (verdict === 'done') { rt.in.setDedupe(null); return 'none' }
  return verdict
}
