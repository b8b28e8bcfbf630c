/**
 * Stream decisions (docs/design.md, Delivery), sans I/O. The receiver keeps `recvUpTo`, the highest
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


/*
 * Streams (docs/design.md, Delivery): each side numbers its messages in a stream whose random id
 * it picked when the friendship was (re)established. A hello names the sender's stream and its
 * base (everything up to it is acknowledged and will not come again), and the mark: how far the
 * sender has stored of which of my streams. Nothing about one stream is ever applied to another.
 */

export type TheirStreamVerdict =
  /** The stream I already count: nothing to do. */
  | 'same'
  /** A stream I do not know (they re-added me, or I re-added them): count it from its base. */
  | 'adopt'
  /** My count is below what they know I stored (my state was rolled back): what lies between is gone. */
  | 'skip-gap'

export function judgeTheirStream (stream: Uint8Array, base: number, recvStream: Uint8Array, recvUpTo: number): TheirStreamVerdict {
  if (!sameStream(stream, recvStream)) return 'adopt'
  return base > recvUpTo ? 'skip-gap' : 'same'
}

export type MarkVerdict =
  /** A mark for a stream of mine that is not the current one: ignored. */
  | 'other-stream'
  /** They stored more of my stream than I ever sent: my state was rolled back; start a new stream. */
  | 'rolled-back'
  /** Acknowledges more of my stream. */
  | 'advance'
  | 'stale'

export function judgeMark (recvStream: Uint8Array, upTo: number, sendStream: Uint8Array, ackedUpTo: number, lastSentSeq: number): MarkVerdict {
  if (!sameStream(recvStream, sendStream)) return 'other-stream'
  if (!Number.isSafeInteger(upTo) || upTo > lastSentSeq) return 'rolled-back'
  return upTo > ackedUpTo ? 'advance' : 'stale'
}

export function sameStream (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0
}
