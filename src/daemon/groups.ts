/**
 * Group chat in the daemon: the Groups of src/groups wired to the messenger — friends' links
 * carry `psst-group/1`, entries are stored through the profile's write queue, events go to
 * clients. Thin on purpose: the groups module knows nothing of contacts.
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Params, SendResult, GroupHistoryEntry } from './api.js'
import { Groups } from '../groups/service.js'
import { cryptoReady } from '../crypto/sodium.js'
import { findFriend, nameEntry } from '../contacts/friends-service.js'
import { shownName } from '../contacts/names.js'
import { PsstError } from '../errors.js'

const loaded = new WeakMap<Messenger, Promise<Groups>>()

export function installGroups (m: Messenger): void {
  const attached = new WeakSet<object>()
  const ready = cryptoReady().then(async () => await Groups.load({
    keyPair: m.keyPair,
    now: () => m.now(),
    myName: () => m.profile.name,
    friendName: (hex) => {
      const rt = m.friends.get(hex)
      return rt === undefined || rt.rec.state !== 'friends' ? null : shownName(nameEntry(rt))
    },
    groupOp: (groupId, suffix, value) => m.store.groupOp(groupId, suffix, value),
    loadGroupValues: async () => await m.store.loadGroupValues(),
    write: async (ops) => await m.write(ops),
    emit: (event) => m.emitEvent(event),
    wantsEvents: () => m.wantsEvents,
    count: (name, n) => m.count(name, n),
    log: (line) => m.log(line)
  }))
  ready.catch((err: Error) => m.log(`groups unavailable: ${err.message}`))
  loaded.set(m, ready)
  const attach = (g: Groups, hex: string): void => {
    const link = m.friends.get(hex)?.link
    if (link === null || link === undefined || link.closed || !link.ready || attached.has(link.stream)) return
    attached.add(link.stream)
    g.attach(hex, link)
  }
  void ready.then((g) => {
    for (const hex of m.friends.keys()) attach(g, hex)
  }, () => {})
  m.on('presence', (e: { publicKey: string, online: boolean }) => {
    if (!e.online) return
    void ready.then((g) => attach(g, e.publicKey), () => {})
  })
}

/** Groups loaded (installed first if this messenger has none: the offline profile of src/daemon/offline.ts). */
export async function groupsReady (m: Messenger): Promise<void> {
  if (!loaded.has(m)) installGroups(m)
  await loaded.get(m)!.catch(() => {})
}

export async function closeGroups (m: Messenger): Promise<void> {
  const g = await loaded.get(m)?.catch(() => null)
  g?.close()
}

async function groups (m: Messenger): Promise<Groups> {
  const g = loaded.get(m)
  if (g === undefined) throw PsstError.internal('groups are not installed in this daemon')
  return await g
}

function need (v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw PsstError.usage(`${what} is required`)
  return v
}

function notBlank (text: string): string {
  if (text.trim() === '') throw new PsstError('EMPTY', 'the message is empty (only spaces); nothing was sent')
  return text
}

/**
 * `send`, `history` and `markRead` take a group where they take a friend: `friend` runs first (it
 * must look the friend up before anything else), and only when no friend matches is the query
 * tried as a group (waiting for the groups to load: a call may come right after the daemon
 * started). A friend's messages pay nothing for it.
 */
export function friendOrGroup<T> (m: Messenger, query: unknown, friend: () => T | Promise<T>, group: (g: Groups, query: string) => T | Promise<T>): T | Promise<T> {
  try {
    return friend()
  } catch (err) {
    if (!(err instanceof PsstError) || err.code !== 'NOT_FOUND' || typeof query !== 'string') throw err
    const ready = loaded.get(m)
    if (ready === undefined) throw err
    return ready.then(async (g) => {
      if (!g.has(query)) throw err
      return await group(g, query)
    }, () => { throw err })
  }
}

const HISTORY_MAX = 10_000

export function groupHistory (g: Groups, p: { group: string, limit?: number, before?: number }): GroupHistoryEntry[] {
  const limit = Math.min(HISTORY_MAX, Math.max(1, Number(p.limit ?? 50) || 50))
  const before = p.before === undefined || p.before === null ? undefined : Number(p.before)
  return g.history(need(p.group, 'a group'), limit, before)
}

export const groupHandlers = {
  groupCreate: async (m: Messenger, p: Params<'groupCreate'>) => (await groups(m)).create(need(p.name, 'a group name')),
  groupInvite: async (m: Messenger, p: Params<'groupInvite'>) => {
    const g = await groups(m)
    const rt = findFriend(m, need(p.friend, 'a friend'))
    return g.invite(need(p.group, 'a group'), rt.hex, shownName(nameEntry(rt)))
  },
  groupInvites: async (m: Messenger) => (await groups(m)).invites(),
  groupJoin: async (m: Messenger, p: Params<'groupJoin'>) => (await groups(m)).join(need(p.group, 'a group')),
  groupDecline: async (m: Messenger, p: Params<'groupDecline'>) => (await groups(m)).decline(need(p.group, 'a group')),
  groupLeave: async (m: Messenger, p: Params<'groupLeave'>) => (await groups(m)).leave(need(p.group, 'a group')),
  groupRemove: async (m: Messenger, p: Params<'groupRemove'>) => (await groups(m)).remove(need(p.group, 'a group'), need(p.member, 'a member')),
  groupRole: async (m: Messenger, p: Params<'groupRole'>) => (await groups(m)).role(need(p.group, 'a group'), need(p.member, 'a member'), p.role),
  groupTopic: async (m: Messenger, p: Params<'groupTopic'>) => (await groups(m)).topic(need(p.group, 'a group'), typeof p.text === 'string' ? p.text.trim() : ''),
  groupMembers: async (m: Messenger, p: Params<'groupMembers'>) => (await groups(m)).members(need(p.group, 'a group')),
  groupList: async (m: Messenger) => (await groups(m)).list(),
  groupSend: async (m: Messenger, p: Params<'groupSend'>): Promise<SendResult> =>
    (await groups(m)).send(need(p.group, 'a group'), notBlank(need(p.text, 'message text')), p.action === true),
  groupHistory: async (m: Messenger, p: Params<'groupHistory'>) => groupHistory(await groups(m), p),
  groupMarkRead: async (m: Messenger, p: Params<'groupMarkRead'>) => (await groups(m)).markRead(need(p.group, 'a group')),
  groupForge: async (m: Messenger, p: Params<'groupForge'>) => {
    if (process.env.PSST_TEST_HOOKS !== '1') throw PsstError.usage('unknown method "groupForge"')
    return (await groups(m)).forge(need(p.group, 'a group'), p.forgery)
  }
}
