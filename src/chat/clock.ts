/**
 * A sender's clock is only a claim: `sentAt: 0` would show as 1970 and a time far ahead would
 * sort a message above everything said after it. A claimed time outside what is plausible is
 * replaced by the time the message arrived (what the user saw happen).
 */

/** Earliest plausible send time: before psst existed nobody sent with it. */
export const EARLIEST_SENT_AT = Date.UTC(2024, 0, 1)
/** How far ahead of my clock a sender's may be (clock skew), before it counts as wrong. */
export const MAX_CLOCK_AHEAD_MS = 10 * 60 * 1000

export function saneSentAt (claimed: number, receivedAt: number): number {
  return Number.isSafeInteger(claimed) && claimed >= EARLIEST_SENT_AT && claimed <= receivedAt + MAX_CLOCK_AHEAD_MS ? claimed : receivedAt
}
