/**
 * History a page at a time for the control socket. A reply is one JSON line, and a client takes
 * lines of at most 32 MiB (src/rpc/ndjson.ts): 5 000 messages of 60 KB are 300 MB, so a page is
 * bounded by bytes as well as by count, and carries the cursor to the next one.
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { HistoryPage } from '../wire/api.js'
import { historyEntry } from './delivery.js'

/**
 * Record bytes per page. JSON writes a character as at most 6 bytes (a control character as
 * \u00XX), and each entry adds ~250 bytes of fields: 4 MiB × 6 + 10 000 × 250 B stays under 32 MiB.
 */
export const HISTORY_PAGE_BYTES = 4 * 1024 * 1024
export const HISTORY_PAGE_MAX = 10_000

export interface PageQuery { limit: number, before?: number, after?: number }

/** The page asked for, oldest first; `next` is the `before` (or, going forwards, the `after`) of the following page. */
export async function historyPage (m: Messenger, rt: Peer, q: PageQuery): Promise<HistoryPage> {
  const limit = Math.min(HISTORY_PAGE_MAX, Math.max(1, q.limit))
  const { rows, more } = await m.store.historyPage(rt.publicKey, { limit, maxBytes: HISTORY_PAGE_BYTES, before: q.before, after: q.after })
  const entries = rows.map((r) => historyEntry(rt, r, r.index))
  const edge = q.after !== undefined ? entries[entries.length - 1] : entries[0]
  return { entries, next: more && edge !== undefined ? edge.index : null }
}
