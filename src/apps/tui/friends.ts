/**
 * What the TUI knows about friends and pending requests, kept current from events, and how a
 * name or key prefix typed in a command is resolved (docs/design.md, Identity and IDs: a unique name/alias, or a unique
 * public-key prefix of at least 8 hex characters).
 */
import { PsstError } from '../../errors.js'
import type { FriendInfo, RequestInfo } from './client.js'
import { displayName, shortKey } from './format.js'
import { sanitize } from '../text/sanitize.js'

export interface Named { publicKey: string, name: string }

/**
 * Finds the one entry meant by `query`: an exact name (case-insensitive), else a key prefix of at least
 * 8 hex characters, else a unique name prefix. Throws NOT_FOUND or AMBIGUOUS naming the candidates.
 */
export function resolveKey<T extends Named> (query: string, list: readonly T[], what = 'friend'): T {
  const q = query.trim()
  if (q === '') throw PsstError.usage(`which ${what}?`)
  const lower = q.toLowerCase()
  const pick = (found: T[]): T | null => {
    if (found.length === 1) return found[0]
    if (found.length > 1) {
      const names = found.map(f => `${displayName(f.name, f.publicKey)} (${shortKey(f.publicKey)})`).join(', ')
      throw new PsstError('AMBIGUOUS', `"${q}" matches ${found.length} ${what}s: ${names}`)
    }
    return null
  }
  const exact = pick(list.filter(f => f.name.toLowerCase() === lower))
  if (exact !== null) return exact
  if (/^[0-9a-f]{8,64}$/i.test(q)) {
    const byKey = pick(list.filter(f => f.publicKey.startsWith(lower)))
    if (byKey !== null) return byKey
  }
  const byPrefix = pick(list.filter(f => f.name.toLowerCase().startsWith(lower)))
  if (byPrefix !== null) return byPrefix
  throw PsstError.notFound(`no ${what} matches "${q}"`)
}

export class FriendBook {
  readonly friends = new Map<string, FriendInfo>()
  readonly requests = new Map<string, RequestInfo>()
  readonly typing = new Set<string>()

  setFriends (list: readonly FriendInfo[]): void {
    this.friends.clear()
    for (const f of list) this.friends.set(f.publicKey, { ...f })
  }

  setRequests (list: readonly RequestInfo[]): void {
    this.requests.clear()
    for (const r of list) this.requests.set(r.publicKey, { ...r })
  }

  get (key: string): FriendInfo | undefined {
    return this.friends.get(key)
  }

  /** Name to show for a key: the friend's or requester's name, else the key prefix. */
  nameOf (key: string): string {
    const f = this.friends.get(key) ?? this.requests.get(key)
    return displayName(f?.name, key)
  }

  /** Adds a friend we only know by key and name (friend-added); keeps what we knew. */
  upsert (key: string, patch: Partial<FriendInfo>): FriendInfo {
    const known = this.friends.get(key) ?? {
      publicKey: key, state: 'friends', name: '', online: false, status: 'online', statusMessage: '', lastSeen: 0, unread: 0, mailbox: null
    }
    const next: FriendInfo = { ...known, publicKey: key }
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined && k !== 'publicKey') (next as unknown as Record<string, unknown>)[k] = v
    }
    this.friends.set(key, next)
    return next
  }

  remove (key: string): void {
    this.friends.delete(key)
    this.typing.delete(key)
  }

  /** Friends sorted for display: online first, then by name. */
  sorted (): FriendInfo[] {
    return [...this.friends.values()].sort((a, b) =>
      Number(b.online) - Number(a.online) || this.nameOf(a.publicKey).localeCompare(this.nameOf(b.publicKey)))
  }

  /** Names as Tab completes them: clean and whole (not cut short), or the key prefix when empty. */
  completionNames (list: Iterable<Named>): string[] {
    return [...list].map(f => {
      const n = sanitize(f.name, true).trim()
      return n === '' ? shortKey(f.publicKey) : n
    })
  }

  resolveFriend (query: string): FriendInfo {
    return resolveKey(query, [...this.friends.values()])
  }

  resolveRequest (query: string): RequestInfo {
    return resolveKey(query, [...this.requests.values()], 'request')
  }

  /** Friends whose name or key start look like `r`'s: shown before accepting (docs/reliability.md, case 15). */
  lookAlikes (r: Named): FriendInfo[] {
    const name = r.name.trim().toLowerCase()
    return [...this.friends.values()].filter(f => f.publicKey !== r.publicKey && (
      (name !== '' && f.name.trim().toLowerCase() === name) ||
      f.publicKey.slice(0, 8) === r.publicKey.slice(0, 8)))
  }
}
