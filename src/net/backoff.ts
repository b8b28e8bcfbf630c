/**
 * The one backoff of the daemon: redialling a friend, reconnecting to a relay, retrying a
 * mailbox deposit. Doubles from `baseMs` up to `capMs`, jittered to 50–100 % so that peers that
 * lost each other at the same moment do not retry in step.
 */
export function backoff (attempt: number, random: number, baseMs = 1000, capMs = 60_000): number {
  const base = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(base * (0.5 + random / 2))
}

/** Jittered exponential backoff for redialing an offline friend: 1 s, 2 s, 4 s … capped at 60 s. */
export function redialDelay (attempt: number, random: number): number {
  return backoff(attempt, random)
}
