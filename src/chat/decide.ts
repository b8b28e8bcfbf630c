/**
 * Delivery decisions (DESIGN.md §4), sans I/O. The receiver keeps `recvUpTo`, the highest
 * contiguous seq it has stored; the sender keeps `ackedUpTo` and `lastSentSeq`.
 */

/** How far ahead of what we have stored a seq may be before it is refused (docs/reliability.md, case 7). */
export const SEQ_WINDOW = 100_000

export type IncomingVerdict =
  /** The next seq: store it, then acknowledge. */
  | 'store'
  /** Already stored: acknowledge again, store nothing. */
  | 'duplicate'
  /** A gap (an earlier one is missing) or far ahead: drop; the sender resends in order. */
  | 'out-of-order'

/** `expected` is recvUpTo plus any messages accepted but not yet written. */
export function judgeIncoming (seq: number, expected: number): IncomingVerdict {
  if (!Number.isSafeInteger(seq) || seq < 1) return 'out-of-order'
  if (seq <= expected) return 'duplicate'
  if (seq === expected + 1) return 'store'
  return 'out-of-order'
}

export type ReceiptVerdict = 'advance' | 'stale' | 'protocol-error'

/** A receipt for more than was ever sent is a protocol error: nothing is marked delivered. */
export function judgeReceipt (upTo: number, ackedUpTo: number, lastSentSeq: number): ReceiptVerdict {
  if (!Number.isSafeInteger(upTo) || upTo > lastSentSeq) return 'protocol-error'
  if (upTo <= ackedUpTo) return 'stale'
  return 'advance'
}

/** The state a message of mine shows: delivered once acknowledged, sent once written this connection. */
export function deliveryState (seq: number, ackedUpTo: number, sentUpTo: number): 'queued' | 'sent' | 'delivered' {
  if (seq <= ackedUpTo) return 'delivered'
  if (seq <= sentUpTo) return 'sent'
  return 'queued'
}

/** Jittered exponential backoff for redialing an offline friend: 1 s, 2 s, 4 s … capped at 60 s. */
export function redialDelay (attempt: number, random: number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6))
  return Math.round(base * (0.5 + random / 2))
}
