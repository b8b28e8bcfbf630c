/**
 * Admission for keys that are not friends (docs/reliability.md, policy 3): a friend request may
 * come in from any key, at most once per `perKeyMs` per key. There is no shared budget any more: a
 * global one let 1 000 fresh keys keep every real request out until the nospam was rotated. What
 * bounds a flood instead is the daemon's cap on open stranger links, with random early drop
 * (messenger.ts), and the pending-request cap with eviction (friends-service.ts). This class also
 * notices a flood (more than `floodPerWindow` strangers admitted within `windowMs`), so the user
 * can be told once.
 */
export interface RateLimits { perKeyMs: number, floodPerWindow: number, windowMs: number }

export const DEFAULT_LIMITS: RateLimits = { perKeyMs: 2000, floodPerWindow: 30, windowMs: 10_000 }

export class StrangerLimiter {
  readonly #limits: RateLimits
  readonly #lastByKey = new Map<string, number>()
  /** Times of the last floodPerWindow + 1 admissions, oldest first. */
  readonly #recent: number[] = []
  refused = 0

  constructor (limits: RateLimits = DEFAULT_LIMITS) {
    this.#limits = limits
  }

  admit (key: string, now: number): boolean {
    const last = this.#lastByKey.get(key)
    if (last !== undefined && now - last < this.#limits.perKeyMs) {
      this.refused++
      return false
    }
    this.#recent.push(now)
    if (this.#recent.length > this.#limits.floodPerWindow + 1) this.#recent.shift()
    this.#lastByKey.set(key, now)
    if (this.#lastByKey.size > 10_000) this.#forgetOld(now)
    return true
  }

  /** More strangers came within the window than a person's contacts plausibly send. */
  flooding (now: number): boolean {
    return this.#recent.length > this.#limits.floodPerWindow && now - this.#recent[0] < this.#limits.windowMs
  }

  #forgetOld (now: number): void {
    for (const [k, t] of this.#lastByKey) if (now - t >= this.#limits.perKeyMs) this.#lastByKey.delete(k)
  }
}
