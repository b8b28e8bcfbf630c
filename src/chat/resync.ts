/**
 * After a profile was restored from an older copy, the sender goes on in a new stream and sends
 * its unacknowledged outbox again (docs/design.md, Delivery). Those that reached me after the copy
 * was made I already hold, from the stream the new one replaces. While
 * the new stream's seqs are within what I had counted of the old one, a message whose id I
 * already hold is taken as stored (counted, acknowledged, not stored twice).
 */
import type { Messenger } from '../contacts/messenger.js'
import type { FriendRuntime } from '../contacts/friend-runtime.js'
import type { Link } from '../net/link.js'
import type { ChatMessage } from '../wire/frames.js'
import { toHex } from '../crypto/identity.js'

/** History entries read back to find the ids a replaced stream brought. */
const LOOK_BACK = 20_000

export interface Resync {
  /** New-stream seqs up to here may repeat a message I hold. */
  upTo: number
  /** Ids (hex) of the messages I hold from them; null while they are read. */
  ids: Set<string> | null
  /** Messages that came while the ids were read, in order. */
  held: Array<{ link: Link, msg: ChatMessage }>
}

const resyncs = new WeakMap<FriendRuntime, Resync>()

/** Their stream was replaced while I had counted up to `upTo` of the old one (the new one starts at `base`). */
export function beginResync (m: Messenger, rt: FriendRuntime, upTo: number, base: number, replay: (link: Link, msg: ChatMessage) => void): void {
  if (upTo <= base) { resyncs.delete(rt); return }
  const r: Resync = { upTo, ids: null, held: [] }
  resyncs.set(rt, r)
  m.store.history(rt.rec.publicKey, Math.min(LOOK_BACK, 2 * (upTo - base) + 64)).then((rows) => {
    r.ids = new Set(rows.filter((row) => !row.outgoing).map((row) => toHex(row.id)))
  }, () => {
    r.ids = new Set()
  }).finally(() => {
    const held = r.held
    r.held = []
    for (const { link, msg } of held) if (!link.closed) replay(link, msg)
  })
}

export type ResyncVerdict = 'none' | 'hold' | 'known'

/** Whether a message must wait for the ids, is one I already hold, or goes the usual way. */
export function checkResync (rt: FriendRuntime, link: Link, msg: ChatMessage): ResyncVerdict {
  const r = resyncs.get(rt)
  if (r === undefined) return 'none'
  if (r.ids === null) { r.held.push({ link, msg }); return 'hold' }
  if (msg.seq > r.upTo) { resyncs.delete(rt); return 'none' }
  return msg.seq === rt.rec.recvUpTo + 1 && r.ids.has(toHex(msg.id)) ? 'known' : 'none'
}

export function hasResync (rt: FriendRuntime): boolean {
  return resyncs.has(rt)
}
