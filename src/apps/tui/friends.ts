/**
 * What the TUI knows about friends and pending requests, kept current from events, and how a
 * name or key prefix typed in a command is resolved (the daemon's rule: docs/design.md, Names).
 */
import { resolveName, lookalikeReason, sharedNames, type NameEntry } from '../../daemon/api.js'
import type { FriendInfo, RequestInfo } from './client.js'
import { displayName, shortKey } from './format.js'
import { sanitize } from '../text/sanitize.js'

export interface Named { publicKey: string, name: string }

/** A book entry as the shared naming rules see it (src/contacts/names.ts, through the API). */
function entry<T extends Named> (f: T): T & NameEntry {
  return { ...f, hex: f.publicKey, alias: (f as { alias?: string }).alias }
}

/** Finds the one entry meant by `query` with the daemon's own rule, so /query and psst send agree. */
export function resolveKey<T extends Named> (query: string, list: readonly T[], what = 'friend'): T {
  const found = resolveName(query, list.map(entry), what)
  return list.find(f => f.publicKey === found.hex)!
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

  /**
   * Name to show for a key: my alias, else the friend's or requester's name, else the key prefix.
   * A friend whose shown name another friend shares carries its key prefix, so two "bob"s never
   * look alike (the key is what tells an impostor apart).
   */
  nameOf (key: string): string {
    const f = this.friends.get(key)
    if (f === undefined) return displayName(this.requests.get(key)?.name, key)
    const name = displayName((f.alias ?? '') !== '' ? f.alias : f.name, key)
    return sharedNames([...this.friends.values()].map(entry)).has(key) ? `${name}#${shortKey(key)}` : name
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
      const n = sanitize((f as { alias?: string }).alias || f.name, true).trim()
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
    const who = { hex: r.publicKey, name: r.name }
    return [...this.friends.values()].filter(f => lookalikeReason(who, [entry(f)]) !== undefined)
  }
}
