/**
 * The relay's limits (docs/relay.md): bytes per owner, deposits per sender key per minute,
 * retention, total disk, registered owners. Defaults suit a small private relay; every one is a
 * `psst relay` flag. Pure: no I/O.
 */
import { PsstError } from '../errors.js'

export interface RelayLimits {
  /** Bytes of sealed mail held per owner (--owner-quota). */
  ownerBytes: number
  /** Deposits one sender key may make per minute, as a token bucket of that size (--deposit-rate). */
  depositsPerMinute: number
  /** How long mail is kept when its owner does not fetch it (--retention). */
  retentionMs: number
  /** Bytes of sealed mail held in total (--disk-cap). */
  diskBytes: number
  /** Keys that may register a mailbox (--max-owners). */
  maxOwners: number
}

const DAY = 24 * 60 * 60 * 1000

export const DEFAULT_LIMITS: RelayLimits = {
  ownerBytes: 64 * 1024 * 1024,
  depositsPerMinute: 600,
  retentionMs: 30 * DAY,
  diskBytes: 1024 * 1024 * 1024,
  maxOwners: 10_000
}

/** The flags `psst relay --help` lists, with the limit each sets. */
export const LIMIT_FLAGS: Array<{ flag: string, key: keyof RelayLimits, help: string }> = [
  { flag: '--owner-quota <size>', key: 'ownerBytes', help: 'mail held per registered profile, e.g. 64M (default 64M)' },
  { flag: '--deposit-rate <n>', key: 'depositsPerMinute', help: 'deposits per sender key per minute (default 600)' },
  { flag: '--retention <time>', key: 'retentionMs', help: 'drop mail not fetched after this long, e.g. 30d, 12h (default 30d)' },
  { flag: '--disk-cap <size>', key: 'diskBytes', help: 'mail held in total, e.g. 1G (default 1G)' },
  { flag: '--max-owners <n>', key: 'maxOwners', help: 'profiles that may register a mailbox (default 10000)' }
]

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 }
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: DAY, '': DAY }

/** "64M", "512k", "1G", "1048576" → bytes. */
export function parseSize (value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = m === null ? undefined : SIZE_UNITS[m[2].toLowerCase()]
  if (m === null || unit === undefined) throw PsstError.usage(`${flag} takes a size such as 64M, 512K or 1G, got '${value}'`)
  const n = Math.floor(Number(m[1]) * unit)
  if (n < 1 || !Number.isSafeInteger(n)) throw PsstError.usage(`${flag} must be at least 1 byte, got '${value}'`)
  return n
}

/** "30d", "12h", "90m", "45s", bare number = days → ms. */
export function parseDuration (value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = m === null ? undefined : TIME_UNITS[m[2].toLowerCase()]
  if (m === null || unit === undefined) throw PsstError.usage(`${flag} takes a time such as 30d, 12h or 90m, got '${value}'`)
  const n = Math.floor(Number(m[1]) * unit)
  if (n < 1000 || !Number.isSafeInteger(n)) throw PsstError.usage(`${flag} must be at least 1s, got '${value}'`)
  return n
}

function parseCount (value: string, flag: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000_000) {
    throw PsstError.usage(`${flag} takes a whole number of at least 1, got '${value}'`)
  }
  return Number(value)
}

/**
 * Limits from flags: each value may be a number (already in bytes/ms/count) or the flag's text.
 * Unknown keys are ignored; bad values are usage errors naming the flag.
 */
export function resolveLimits (given: Partial<Record<keyof RelayLimits, number | string | undefined>> = {}): RelayLimits {
  const out: RelayLimits = { ...DEFAULT_LIMITS }
  for (const { flag, key } of LIMIT_FLAGS) {
    const v = given[key]
    if (v === undefined) continue
    const name = flag.split(' ')[0]
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 1) throw PsstError.usage(`${name} must be a whole number of at least 1, got ${v}`)
      out[key] = v
    } else if (key === 'ownerBytes' || key === 'diskBytes') {
      out[key] = parseSize(v, name)
    } else if (key === 'retentionMs') {
      out[key] = parseDuration(v, name)
    } else {
      out[key] = parseCount(v, name)
    }
  }
  return out
}

/**
 * Deposits per sender key: a token bucket holding `perMinute` tokens, refilled evenly over a
 * minute, so a burst of a minute's worth passes and a flood is cut to the steady rate. Buckets
 * that are full again are forgotten, so memory follows the keys active in the last minute.
 */
export class DepositLimiter {
  readonly #perMinute: number
  readonly #buckets = new Map<string, { tokens: number, at: number }>()
  #lastSweep = 0

  constructor (perMinute: number) {
    this.#perMinute = perMinute
  }

  /** 0 if admitted (a token is taken), else ms until the next token. */
  take (key: string, now: number): number {
    this.#sweep(now)
    const b = this.#buckets.get(key) ?? { tokens: this.#perMinute, at: now }
    b.tokens = Math.min(this.#perMinute, b.tokens + (now - b.at) * this.#perMinute / 60_000)
    b.at = now
    this.#buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.ceil((1 - b.tokens) * 60_000 / this.#perMinute)
  }

  get size (): number { return this.#buckets.size }

  #sweep (now: number): void {
    if (now - this.#lastSweep < 60_000) return
    this.#lastSweep = now
    for (const [k, b] of this.#buckets) if (now - b.at >= 60_000) this.#buckets.delete(k)
  }
}
