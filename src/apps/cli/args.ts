/** Argument checks done locally, before any daemon is asked, so a typo costs nothing. Pure. */
import type { Presence } from '../../daemon/api.js'
import { PsstError } from '../../errors.js'
import { isPublicKeyHex } from '../../crypto/id.js'

const PRESENCES: readonly Presence[] = ['online', 'away', 'busy']

export function parsePresence (value: string): Presence {
  const v = value.trim().toLowerCase()
  if ((PRESENCES as readonly string[]).includes(v)) return v as Presence
  throw PsstError.usage(`status must be one of ${PRESENCES.join(', ')}, got '${value}'`)
}

/** `--wait S`: seconds, decimals allowed, more than 0 and at most a day. */
export function parseSeconds (value: string, flag = '--wait'): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw PsstError.usage(`${flag} takes a number of seconds between 0 and 86400, got '${value}'`)
  }
  return n
}

/** A positive whole number, e.g. `--limit 50`. */
export function parseCount (value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 1_000_000) {
    throw PsstError.usage(`${flag} takes a whole number from 1 to 1000000, got '${value}'`)
  }
  return Number(value)
}

export function parsePort (value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65_535) {
    throw PsstError.usage(`--port takes a number from 0 to 65535, got '${value}'`)
  }
  return Number(value)
}

/** Words of a variadic argument joined back into one text, as the shell split them. */
export function joinWords (words: string[] | undefined): string {
  return (words ?? []).join(' ')
}

/** A bare public key (64 hex, any case) → lower case; anything else is a usage error naming `what`. */
export function parsePublicKey (value: string, what: string): string {
  const v = value.trim()
  if (!isPublicKeyHex(v)) throw PsstError.usage(`${what} must be a public key of 64 hex characters, got '${value}'`)
  return v.toLowerCase()
}

/** A friend reference must not be empty; the daemon resolves name or key prefix. */
export function parseFriendRef (value: string): string {
  const v = value.trim()
  if (v === '') throw PsstError.usage('name this friend by name or by at least 8 characters of their key')
  return v
}

/**
 * Whether `--json` is among the arguments before a `--`, looked at directly so that even errors
 * commander raises before it parsed options come out as JSON.
 */
export function argvWantsJson (argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false
    if (a === '--json') return true
  }
  return false
}
