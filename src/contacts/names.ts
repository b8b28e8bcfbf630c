/**
 * How people are named and found: the one rule the daemon (so the CLI) and the TUI both use to
 * turn what a user typed into one friend, and the one look-alike check (docs/design.md, Names).
 * Pure: no daemon, no I/O, so the TUI can run it on its own copy of the friend list.
 */
import { PsstError } from '../errors.js'

/** An entry a name can point at: a friend, a request, a blocked key. */
export interface NameEntry {
  /** 64 lower-case hex. */
  hex: string
  /** The name the peer chose (may be empty before we heard it). */
  name: string
  /** The name I chose for them; shown and matched before theirs. */
  alias?: string
}

/** What to show for an entry: my alias, else their name, else '?' (the key column says who). */
export function shownName (e: { name: string, alias?: string }): string {
  const alias = e.alias?.trim() ?? ''
  if (alias !== '') return alias
  return e.name.trim() === '' ? '?' : e.name
}

/**
 * The one entry `query` means, tried in this order, each step only when the previous matched
 * nothing: the full key, an alias, a name (both whole, case-insensitive), a key prefix of at
 * least 8 hex characters, a unique prefix of an alias or name. Two matches at one step are an
 * AMBIGUOUS error that lists each with its key prefix; none is NOT_FOUND.
 */
export function resolveName<T extends NameEntry> (query: string, items: readonly T[], what = 'friend'): T {
  const q = query.trim()
  if (q === '') throw PsstError.usage(`which ${what}? give a name or at least 8 characters of the key`)
  const lower = q.toLowerCase()
  const steps: Array<(e: T) => boolean> = [
    (e) => e.hex === lower,
    (e) => fold(e.alias ?? '') === lower,
    (e) => fold(e.name) === lower,
    (e) => /^[0-9a-f]{8,64}$/.test(lower) && e.hex.startsWith(lower),
    (e) => fold(e.alias ?? '').startsWith(lower) || fold(e.name).startsWith(lower)
  ]
  for (const test of steps) {
    const found = items.filter(test)
    if (found.length === 1) return found[0]
    if (found.length > 1) throw ambiguous(q, found, what)
  }
  const hint = /^[0-9a-f]{1,7}$/.test(lower) ? ' (a key prefix needs at least 8 hex characters)' : ''
  throw PsstError.notFound(`no ${what} matches "${q}"${hint}`)
}

const fold = (s: string): string => s.trim().toLowerCase()

function ambiguous (q: string, items: readonly NameEntry[], what: string): PsstError {
  const list = items.slice(0, 5).map((e) => `${shownName(e)} (${e.hex.slice(0, 8)})`).join(', ')
  const more = items.length > 5 ? `, …${items.length - 5} more` : ''
  return new PsstError('AMBIGUOUS', `"${q}" matches ${items.length} ${what}s: ${list}${more}; use the key prefix`)
}

/**
 * Letters that look alike in common fonts, folded to one: Cyrillic and Greek twins of Latin
 * letters, digits that pass for letters. An impostor picks these, so the comparison must too.
 */
const CONFUSABLE: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ӏ: 'l',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  '0': 'o', '1': 'l', i: 'l', '|': 'l', '5': 's'
}
const INVISIBLE = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]/gu

/** A name reduced to how it looks: compatibility form, lower case, no invisibles or spaces, twins folded. */
export function nameSkeleton (name: string): string {
  let s = name.normalize('NFKD').replace(/\p{M}/gu, '').replace(INVISIBLE, '').toLowerCase().replace(/[\s._-]+/g, '')
  s = s.replace(/rn/g, 'm').replace(/vv/g, 'w')
  return [...s].map((ch) => CONFUSABLE[ch] ?? ch).join('')
}

/**
 * Why `candidate` could be mistaken for one of `friends`, or undefined: a name (or alias) that
 * looks the same, or the same first 8 key characters people compare by eye (docs/design.md, Names).
 */
export function lookalikeReason (candidate: { hex: string, name: string }, friends: Iterable<NameEntry>): string | undefined {
  const wanted = nameSkeleton(candidate.name)
  for (const f of friends) {
    if (f.hex === candidate.hex) continue
    const who = `${shownName(f)} (${f.hex.slice(0, 8)})`
    const names = [f.name, f.alias ?? ''].map(nameSkeleton).filter((n) => n !== '')
    if (wanted !== '' && names.includes(wanted)) return `looks like your friend ${who}: same name, different key`
    if (f.hex.slice(0, 8) === candidate.hex.slice(0, 8)) return `its key starts like your friend ${who}'s but is a different key`
  }
  return undefined
}

/** Entries that share their shown name with another entry: these are always shown with their key. */
export function sharedNames (items: Iterable<NameEntry>): Set<string> {
  const count = new Map<string, number>()
  const list = [...items]
  for (const e of list) count.set(nameSkeleton(shownName(e)), (count.get(nameSkeleton(shownName(e))) ?? 0) + 1)
  return new Set(list.filter((e) => (count.get(nameSkeleton(shownName(e))) ?? 0) > 1).map((e) => e.hex))
}
