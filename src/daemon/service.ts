import type { Messenger } from '../contacts/messenger.js'
import type { Method, Params, Result, Presence, HistoryEntry, HistoryPage, SendResult } from './api.js'
import { idInfo, checkName } from './profile.js'
import {
  addFriend, accept, decline, findFriend, removeFriend, block, unblock, rotateNospam, requestView, setAlias, friendView
} from '../contacts/friends-service.js'
import { send, waitDelivered, type Txn } from '../chat/delivery.js'
import { historyPage, type PageQuery } from '../chat/history-page.js'
import type { MessageKind } from '../wire/api.js'
import type { Peer } from '../contacts/peer.js'
import { presenceEvent } from './protocol.js'
import { shownName } from '../contacts/names.js'
import { toHex, fromHex } from '../crypto/identity.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_STATUS_MESSAGE_BYTES } from '../wire/limits.js'
import { PsstError } from '../errors.js'
import { mailboxRegistration } from '../mailbox/mailbox.js'
import { avatarOf, fileHandlers } from './files.js'
import { groupHandlers, friendOrGroup, groupHistory } from './groups.js'
import { fromRecord, normalize, normalizeCaps, toRecord } from './settings.js'
import { setHistoryCaps, historyPruned } from '../chat/history-cap.js'
import { deviceHandlers } from '../devices/handlers.js'
import { needIdentity } from '../devices/link-grant.js'
import { devicesOf, shownProfile } from '../devices/runtime.js'
import { viaOf, withVia } from './lan.js'
import { setRequestsOpen, nospamChanged } from '../presence/presence.js'

type Handler<M extends Method> = (m: Messenger, p: Params<M>) => Promise<Result<M>> | Result<M>
type Handlers = { [M in Method]: Handler<M> }

const PRESENCES: Presence[] = ['online', 'away', 'busy']

/** A cursor is a history index: a whole number, or absent. */
function cursor (v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < -1) throw PsstError.usage(`${what} must be a history index`)
  return n
}

/** A group's history a page back at a time (its pages are bounded by count only; forwards is for friends). */
function groupPage (g: Parameters<typeof groupHistory>[0], group: string, p: Params<'historyPage'>): HistoryPage {
  if (p.after !== undefined && p.after !== null) throw PsstError.usage('a group\'s history pages backwards only (psst history <group> --limit N)')
  const limit = Number(p.limit ?? 50) || 50
  const entries = groupHistory(g, { group, limit, before: p.before }) as unknown as HistoryEntry[]
  return { entries, next: entries.length > 0 && entries.length >= limit ? entries[0].index : null }
}

function pageQuery (p: { limit?: number, before?: number, after?: number }): PageQuery {
  return { limit: Number(p.limit ?? 50) || 50, before: cursor(p.before, 'before'), after: cursor(p.after, 'after') }
}

function str (v: unknown, what: string): string {
  if (typeof v !== 'string') throw PsstError.usage(`${what} is required`)
  return v
}

async function broadcastPresence (m: Messenger): Promise<void> {
  await m.saveProfile()
  const p = m.profile
  for (const rt of m.friends.values()) {
    if (rt.link?.ready === true) rt.link.send({ type: 'presence', name: p.name, status: p.status, statusMessage: p.statusMessage })
  }
}

/** A message of only white space shows as nothing at the other end: refused, as IRC clients do. */
function notBlank (text: string): string {
  if (text.trim() === '') throw new PsstError('EMPTY', 'the message is empty (only spaces); nothing was sent')
  return text
}

/** History is deleted with the friend (psst remove): say so instead of a bare "no friend matches". */
function friendForHistory (m: Messenger, query: string): ReturnType<typeof findFriend> {
  try {
    return findFriend(m, query)
  } catch (err) {
    if (err instanceof PsstError && err.code === 'NOT_FOUND') {
      throw new PsstError('NOT_FOUND', `${err.message}; a removed friend's history is deleted with them (psst friends lists who is left)`)
    }
    throw err
  }
}

/** Tells every client (the TUI shows it in its bars) that my name or status changed. */
function profileChanged (m: Messenger): void {
  const p = m.profile
  m.emitEvent({ type: 'profile', name: p.name, status: p.status, statusMessage: p.statusMessage })
}

/** Every control-protocol method, as one table (the CLI, TUI and tests all come through here). */
export const handlers: Handlers = {
  id: (m) => idInfo(shownProfile(m, m.profile)),
  nospam: async (m, p) => {
    if (p?.new === true) {
      // The ID is the identity's: a linked device changing only its own copy would print an ID nobody can use.
      const d = devicesOf(m)
      if (d !== undefined) needIdentity(d, 'change the nospam of your ID')
      await rotateNospam(m)
      nospamChanged(m)
    }
    return idInfo(shownProfile(m, m.profile))
  },
  status: (m) => {
    const pruned = historyPruned(m)
    return pruned === undefined ? m.status() : { ...m.status(), historyPruned: pruned }
  },
  stop: (m) => { setImmediate(() => m.emit('stop-requested')); return { stopping: true } },
  add: (m, p) => addFriend(m, str(p.id, 'a psst ID'), typeof p.message === 'string' ? p.message : ''),
  requestsOpen: async (m, p) => await setRequestsOpen(m, typeof p?.open === 'boolean' ? p.open : undefined),
  requests: (m) => [...m.requests.values()].map((r) => requestView(m, r)).sort((a, b) => a.receivedAt - b.receivedAt),
  accept: (m, p) => accept(m, str(p.friend, 'a request (key prefix or name)'), p.force === true),
  alias: (m, p) => setAlias(m, str(p.friend, 'a friend'), typeof p.alias === 'string' || p.alias === null ? p.alias : undefined),
  decline: (m, p) => decline(m, str(p.friend, 'a request (key prefix or name)')),
  friends: (m) => m.visibleFriends().map((rt) => withVia({ ...friendView(m, rt), avatar: avatarOf(m, rt.hex) }, viaOf(m, rt)))
    .sort((a, b) => shownName(a).localeCompare(shownName(b)) || a.publicKey.localeCompare(b.publicKey)),
  remove: (m, p) => removeFriend(m, findFriend(m, str(p.friend, 'a friend'), true)),
  block: (m, p) => block(m, str(p.key, 'a key')),
  unblock: (m, p) => unblock(m, str(p.key, 'a key')),
  blocked: (m) => [...m.blocks.values()]
    .map((b) => ({ publicKey: toHex(b.publicKey), name: b.name ?? '', declined: b.declinedOnly, at: b.at }))
    .sort((a, b) => a.at - b.at),
  nick: async (m, p) => {
    m.profile = { ...m.profile, name: checkName(str(p.name, 'a name')) }
    await broadcastPresence(m)
    profileChanged(m)
    return idInfo(m.profile)
  },
  setStatus: async (m, p) => {
    if (!PRESENCES.includes(p.status)) throw PsstError.usage(`status must be one of ${PRESENCES.join(', ')}`)
    const message = typeof p.message === 'string' ? p.message.trim() : m.profile.statusMessage
    if (utf8Length(message) > MAX_STATUS_MESSAGE_BYTES) throw new PsstError('TOO_LONG', `status message is too long (at most ${MAX_STATUS_MESSAGE_BYTES} bytes)`)
    m.profile = { ...m.profile, status: p.status, statusMessage: message }
    await broadcastPresence(m)
    profileChanged(m)
    return { status: m.profile.status, statusMessage: m.profile.statusMessage }
  },
  // A group is tried only when no friend matches (src/daemon/groups.ts): findFriend throws first, synchronously.
  send: (m, p) => friendOrGroup(m, p.friend,
    () => {
      const rt = findFriend(m, str(p.friend, 'a friend'))
      return sendToEveryDevice(m, rt, [notBlank(str(p.text, 'message text'))], p.action === true ? 'action' : 'text').then((r) => r[0])
    },
    async (g, group) => await g.send(group, notBlank(str(p.text, 'message text')), p.action === true)),
  sendMany: (m, p) => {
    if (!Array.isArray(p.texts)) throw PsstError.usage('texts must be a list')
    p.texts.forEach((t) => notBlank(str(t, 'message text')))
    const txn = p.txn !== undefined && typeof p.txn?.session === 'string' && Number.isSafeInteger(p.txn.first)
      ? { session: p.txn.session.slice(0, 64), first: p.txn.first }
      : undefined
    return friendOrGroup(m, p.friend,
      () => sendToEveryDevice(m, findFriend(m, str(p.friend, 'a friend')), p.texts, p.action === true ? 'action' : 'text', txn),
      async (g, group) => {
        const out: SendResult[] = []
        for (const t of p.texts) out.push(await g.send(group, t, p.action === true))
        return out
      })
  },
  reconnect: (m, p) => {
    const targets = typeof p.friend === 'string' ? [findFriend(m, p.friend, true)] : [...m.friends.values()]
    let dropped = 0
    for (const rt of targets) if (rt.link !== null) { rt.link.destroy(); dropped++ }
    return { dropped }
  },
  waitDelivered: async (m, p) => {
    const rt = findFriend(m, str(p.friend, 'a friend'))
    return { delivered: await waitDelivered(rt, Number(p.seq), Number(p.timeoutMs)) }
  },
  history: (m, p) => friendOrGroup(m, p.friend,
    async () => (await historyPage(m, friendForHistory(m, str(p.friend, 'a friend')), pageQuery(p))).entries,
    (g, group) => groupHistory(g, { group, limit: p.limit, before: p.before }) as unknown as HistoryEntry[]),
  historyPage: (m, p) => friendOrGroup(m, p.friend,
    () => historyPage(m, friendForHistory(m, str(p.friend, 'a friend')), pageQuery(p)),
    (g, group) => groupPage(g, group, p)),
  markRead: (m, p) => friendOrGroup(m, p.friend,
    () => {
      const rt = findFriend(m, str(p.friend, 'a friend'))
      return rt.markRead() ? m.write([]).then(() => ({ unread: 0 as const })) : { unread: 0 as const }
    },
    (g, group) => g.markRead(group)),
  typing: (m, p) => {
    const rt = findFriend(m, str(p.friend, 'a friend'))
    if (rt.link?.ready === true) rt.link.send({ type: 'typing', typing: p.typing === true })
    return { ok: true }
  },
  subscribe: () => ({ subscribed: true }),
  mailbox: (m) => {
    const registration = mailboxRegistration(m)
    return { relay: m.profile.mailbox === null ? null : toHex(m.profile.mailbox), ...(registration === undefined ? {} : { registration }) }
  },
  mailboxSet: async (m, p) => {
    const key = fromHex(str(p.relay, 'a relay public key').trim().toLowerCase())
    if (key === null || key.byteLength !== 32) throw PsstError.usage('a relay key is 64 hex characters (psst relay status shows it)')
    m.profile = { ...m.profile, mailbox: key }
    await m.saveProfile()
    const invite = p.invite === undefined ? undefined : str(p.invite, 'an invite code').trim()
    for (const rt of m.friends.values()) if (rt.link?.ready === true) rt.link.send(m.hello(rt))
    m.emit('mailbox-changed', invite)
    return { relay: toHex(key) }
  },
  mailboxClear: async (m) => {
    m.profile = { ...m.profile, mailbox: null }
    await m.saveProfile()
    m.emit('mailbox-changed')
    return { relay: null }
  },
  config: async (m) => fromRecord(await m.store.loadSettings()),
  configSet: async (m, p) => {
    const change = normalize({
      ...(p.bootstrap !== undefined ? { bootstrap: p.bootstrap === null ? null : str(p.bootstrap, 'a bootstrap list') } : {}),
      ...(p.dhtHost !== undefined ? { dhtHost: p.dhtHost === null ? null : str(p.dhtHost, 'a DHT address') } : {}),
      ...(p.lan !== undefined ? { lan: p.lan } : {})
    })
    const next = { ...fromRecord(await m.store.loadSettings()), ...change, ...normalizeCaps(p) }
    // Through the daemon's write queue, like every other write of a running daemon.
    await m.write([m.store.settingsOp(toRecord(next))])
    // Caps apply at once (the network settings wait for the next start).
    setHistoryCaps(m, next)
    return next
  },
  ...fileHandlers,
  ...groupHandlers,
  ...deviceHandlers
}

/** Sends to a friend, then to their other devices and, as copies, to mine (src/devices). */
async function sendToEveryDevice (m: Messenger, rt: Peer, texts: string[], kind: MessageKind, txn?: Txn): Promise<SendResult[]> {
  const results = await send(m, rt, texts, kind, txn)
  await devicesOf(m)?.afterSend(rt, texts.filter((_, i) => results[i].duplicate !== true), kind, results.filter((r) => r.duplicate !== true).map((r) => r.id))
  return results
}

/** Runs one method; unknown methods and bad params become usage errors, never crashes. */
export async function handle (m: Messenger, method: string, params: unknown): Promise<unknown> {
  if (!Object.prototype.hasOwnProperty.call(handlers, method)) throw PsstError.usage(`unknown method "${method}"`)
  const handler = handlers[method as Method] as Handler<Method>
  return await handler(m, (params ?? {}) as Params<Method>)
}

export { presenceEvent }
