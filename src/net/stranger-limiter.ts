/**
 * Admission for keys that are not friends (RELIABILITY policy 3): a friend request may come
 * in, rate-limited per key and in total. Friends and keys we asked are admitted elsewhere;
 * blocked keys never are.
 */
export interface RateLimits { perKeyMs: number, globalPerWindow: number, windowMs: number }

export const DEFAULT_LIMITS: RateLimits = { perKeyMs: 2000, globalPerWindow: 30, windowMs: 10_000 }

export class StrangerLimiter {
  readonly #limits: RateLimits
  readonly #lastByKey = new Map<string, number>()
  #window: number[] = []
  refused = 0

  constructor (limits: RateLimits = DEFAULT_LIMITS) {
    this.#limits = limits
  }

  admit (key: string, now: number): boolean {
    const last = this.#lastByKey.get(key)
    if (last !== undefined && now - last < this.#limits.perKeyMs) return this.#refuse()
    this.#window = this.#window.filter((t) => now - t < this.#limits.windowMs)
    if (this.#window.length >= this.#limits.globalPerWindow) return this.#refuse()
    this.#window.push(now)
    this.#lastByKey.set(key, now)
    if (this.#lastByKey.size > 10_000) this.#forgetOld(now)
    return true
  }

  #refuse (): false {
    this.refused++
    return false
  }

  #forgetOld (now: number): void {
    for (const [k, t] of this.#lastByKey) if (now - t >= this.#limits.perKeyMs) this.#lastByKey.delete(k)
  }
}
