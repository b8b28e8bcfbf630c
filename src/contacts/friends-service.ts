import type { Messenger } from './messenger.js'
import type { Link } from '../net/link.js'
import type { FriendRecord, RequestRecord, Rename } from '../wire/records.js'
import { noStream, STREAM_ID_BYTES, type FriendRequest } from '../wire/frames.js'
import type { StoreOp as Op } from '../storage/profile-store.js'
import type { Peer } from './peer.js'
import { resolveName, lookalikeReason, shownName, type NameEntry } from './names.js'
import { step, type FriendshipState, type FriendshipInput, type Step } from './friendship.js'
import { parseId } from '../crypto/id.js'
import { cryptoReady } from '../crypto/sodium.js'
import { fromHex, toHex, randomBytes } from '../crypto/identity.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_NAME_BYTES, MAX_REQUEST_MESSAGE_BYTES } from '../wire/limits.js'
import { PsstError } from '../errors.js'
import { MAX_PENDING_REQUESTS } from './messenger.js'
import type { FriendInfo, RequestInfo } from '../wire/api.js'

/** The friendship state of a key, derived from what the daemon holds. */
export function stateOf (m: Messenger, hex: string): FriendshipState {
  const block = m.blocks.get(hex)
  if (block !== undefined) return block.declinedOnly ? 'declined' : 'blocked'
  const rt = m.friends.get(hex)
  if (rt !== undefined) return rt.state
  return m.requests.has(hex) ? 'request-received' : 'none'
}

function newFriendRecord (publicKey: Buffer, name: string, now: number): FriendRecord {
  return {
    publicKey, state: 'friends', name, status: 'online', statusMessage: '', lastSeen: 0, addedAt: now,
    requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: 0, unread: 0, mailbox: null, txnSession: '', txnUpTo: 0, txnSeq: 0
  }
}

/** A friendship made again starts a stream of its own, so nothing of the last one is taken for it. */
function newPeer (m: Messenger, rec: FriendRecord): Peer {
  return m.newPeer(rec, { out: { id: randomBytes(STREAM_ID_BYTES), lastSeq: 0, ackedUpTo: 0 }, in: { id: noStream(), upTo: 0 } })
}

/** A bare public key (64 hex, `psst:` and white space allowed), or null for anything else. */
export function publicKeyOnly (text: string): Buffer | null {
  const t = text.replace(/^\s*psst:/i, '').replace(/[\s\u200b-\u200d\ufeff]+/g, '')
  return /^[0-9a-f]{64}$/i.test(t) ? fromHex(t.toLowerCase()) : null
}

/**
 * `add <public key>`: Tox's add without a request. Nothing is sent that the other side would
 * show: we dial and say hello, and their daemon drops a hello from a key it did not add. Once
 * both added each other, the hellos meet and both become friends.
 */
async function addByKey (m: Messenger, publicKey: Buffer, message: string): Promise<{ publicKey: string, state: 'request-sent' | 'friends' | 'key-added' }> {
  if (publicKey.equals(m.profile.publicKey)) throw new PsstError('OWN_ID', 'that is your own public key; ask your friend for theirs')
  if (message !== '') throw PsstError.usage('a message goes with a request (psst add <ID> …); adding a public key sends nothing to them')
  const hex = toHex(publicKey)
  const before = stateOf(m, hex)
  const next = transition(m, hex, { type: 'add-key' })
  if (before === 'request-received') {
    await acceptRequest(m, m.requests.get(hex)!)
    return { publicKey: hex, state: 'friends' }
  }
  if (next.state === before) return { publicKey: hex, state: m.friends.get(hex)!.state }
  m.blocks.delete(hex)
  const rt = newPeer(m, { ...newFriendRecord(publicKey, '', m.now()), state: 'key-added' })
  m.friends.set(hex, rt)
  rt.save()
  await m.write([m.store.delOp('blocked', publicKey)])
  m.dial(rt)
  return { publicKey: hex, state: 'key-added' }
}

/** `add <ID> [message]`: a request queued in the DB and retried until answered; `add <key>`: see addByKey. */
export async function addFriend (m: Messenger, idText: string, message: string): Promise<{ publicKey: string, state: 'request-sent' | 'friends' | 'key-added' }> {
  const keyOnly = publicKeyOnly(idText)
  if (keyOnly !== null) return await addByKey(m, keyOnly, message)
  const { publicKey, nospam } = parseId(idText)
  if (publicKey.equals(m.profile.publicKey)) throw new PsstError('OWN_ID', 'that is your own psst ID; ask your friend for theirs')
  if (utf8Length(message) > MAX_REQUEST_MESSAGE_BYTES) throw new PsstError('TOO_LONG', `request message is too long (at most ${MAX_REQUEST_MESSAGE_BYTES} bytes)`)
  const hex = toHex(publicKey)
  const before = stateOf(m, hex)
  const next = step(before, { type: 'add' })
  if (next.error === 'ALREADY_FRIENDS') throw new PsstError('ALREADY_FRIENDS', `${hex.slice(0, 12)}… is already your friend`)
  if (next.error === 'BLOCKED') throw new PsstError('BLOCKED', `${hex.slice(0, 12)}… is blocked; unblock it first (psst unblock ${hex.slice(0, 12)})`)
  if (before === 'request-received') {
    const req = m.requests.get(hex)!
    await acceptRequest(m, req)
    return { publicKey: hex, state: 'friends' }
  }
  m.blocks.delete(hex)
  const rt = m.friends.get(hex) ?? newPeer(m, newFriendRecord(publicKey, '', m.now()))
  m.friends.set(hex, rt)
  // A key added alone becomes a request once we have their ID: they will see it now.
  rt.askAgain(nospam, message)
  await m.write([m.store.delOp('blocked', publicKey)])
  if (rt.link !== null) rt.link.destroy()
  m.dial(rt)
  return { publicKey: hex, state: 'request-sent' }
}

async function acceptRequest (m: Messenger, req: RequestRecord): Promise<Peer> {
  const hex = toHex(req.publicKey)
  const rt = newPeer(m, newFriendRecord(req.publicKey, req.name, m.now()))
  m.friends.set(hex, rt)
  m.requests.delete(hex)
  rt.save()
  await m.write([m.store.delOp('requests', req.publicKey)])
  m.emitEvent({ type: 'friend-added', publicKey: hex, name: rt.rec.name })
  m.dial(rt)
  return rt
}

/**
 * What the friendship state machine (friendship.ts) says to a command on `hex`: the daemon does
 * what it allows, and a refusal is the user's error.
 */
function transition (m: Messenger, hex: string, input: FriendshipInput): Step {
  const next = step(stateOf(m, hex), input)
  if (next.error === undefined) return next
  const who = `${hex.slice(0, 12)}…`
  if (next.error === 'ALREADY_FRIENDS') throw new PsstError('ALREADY_FRIENDS', `${who} is already your friend`)
  if (next.error === 'BLOCKED') throw new PsstError('BLOCKED', `${who} is blocked; unblock it first (psst unblock ${hex.slice(0, 12)})`)
  throw new PsstError('NOT_FOUND', `nothing to ${input.type} for ${who}`)
}

export async function accept (m: Messenger, query: string, force = false): Promise<FriendInfo> {
  const req = findRequest(m, query)
  const hex = toHex(req.publicKey)
  transition(m, hex, { type: 'accept' })
  const lookalike = lookalikeOf(m, hex, req.name)
  if (lookalike !== undefined && !force) {
    throw new PsstError('LOOKALIKE', `${req.name || hex.slice(0, 8)} (${hex.slice(0, 8)}) ${lookalike}; compare the keys, then accept with --force`)
  }
  return (await acceptRequest(m, req)).info()
}

/** `alias <friend> [name]`: the name I chose for a friend, matched and shown before theirs. */
export async function setAlias (m: Messenger, query: string, alias: string | null | undefined): Promise<FriendInfo> {
  const rt = findFriend(m, query, true)
  if (alias === undefined) return friendView(m, rt)
  const next = alias === null ? '' : checkAlias(alias)
  const clash = next === '' ? undefined : m.visibleFriends().find((o) => o !== rt && (o.rec.alias ?? '').toLowerCase() === next.toLowerCase())
  if (clash !== undefined) throw new PsstError('ALIAS_TAKEN', `"${next}" is already your name for ${clash.rec.name || clash.hex.slice(0, 8)} (${clash.hex.slice(0, 8)})`)
  rt.setAlias(next)
  await m.write([])
  return friendView(m, rt)
}

function checkAlias (alias: string): string {
  const trimmed = alias.trim()
  if (utf8Length(trimmed) > MAX_NAME_BYTES) throw new PsstError('TOO_LONG', `an alias is at most ${MAX_NAME_BYTES} bytes`)
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw PsstError.usage('an alias must not contain control characters')
  if (/^[0-9a-f]{8,64}$/i.test(trimmed)) throw PsstError.usage('an alias must not look like a key prefix (it would hide one)')
  return trimmed
}

/** A friend as clients see it, with the look-alike warning when another friend looks the same. */
export function friendView (m: Messenger, rt: Peer): FriendInfo {
  const info = rt.info()
  const others = m.visibleFriends().filter((o) => o !== rt).map(nameEntry)
  const lookalike = lookalikeReason({ hex: rt.hex, name: shownName(nameEntry(rt)) }, others) ??
    lookalikeReason({ hex: rt.hex, name: rt.rec.name }, others)
  return lookalike === undefined ? info : { ...info, lookalike }
}

/** The peer chose another name (kept by the peer, Peer.applyPresence): history can say "bob is now known as bobby". */
export function noteRename (m: Messenger, rt: Peer, rename: Rename | null): void {
  if (rename === null) return
  m.emitEvent({ type: 'rename', publicKey: rt.hex, from: rename.from, to: rename.to, alias: rt.rec.alias ?? '' })
}

export async function decline (m: Messenger, query: string): Promise<{ publicKey: string }> {
  const req = findRequest(m, query)
  const hex = toHex(req.publicKey)
  transition(m, hex, { type: 'decline' })
  m.requests.delete(hex)
  const block = { publicKey: req.publicKey, declinedOnly: true, at: m.now(), name: req.name }
  m.blocks.set(hex, block)
  await m.write([m.store.delOp('requests', req.publicKey), m.store.blockOp(block)])
  for (const link of m.strangers) if (link.hex === hex) { link.send({ type: 'friendDecline' }); link.destroy() }
  return { publicKey: hex }
}

function findRequest (m: Messenger, query: string): RequestRecord {
  const items = [...m.requests.values()].map((r) => ({ hex: toHex(r.publicKey), name: r.name, r }))
  if (items.length === 0) throw new PsstError('NOT_FOUND', 'there are no pending friend requests')
  return resolveName(query, items, 'pending request').r
}

export function findFriend (m: Messenger, query: string, includePending = false): Peer {
  const items = m.visibleFriends()
    .filter((rt) => includePending || rt.rec.state === 'friends')
    .map((rt) => ({ ...nameEntry(rt), rt }))
  return resolveName(query, items, 'friend').rt
}

/** A friend as the naming rules see it. */
export function nameEntry (rt: Peer): NameEntry {
  return { hex: rt.hex, name: rt.rec.name, alias: rt.rec.alias ?? '' }
}

/** The other side accepted (or asked too): the pending entry becomes a friend. */
export async function becomeFriends (m: Messenger, rt: Peer, name: string): Promise<void> {
  if (!step(stateOf(m, rt.hex), { type: 'remote-accept' }).effects.includes('store-friend')) return
  rt.becomeFriend(name)
  m.requests.delete(rt.hex)
  await m.write([m.store.delOp('requests', rt.publicKey)])
  m.emitEvent({ type: 'friend-added', publicKey: rt.hex, name })
}

/** `remove`: a friend, or a request of mine still waiting. */
export async function removeFriend (m: Messenger, rt: Peer): Promise<{ publicKey: string }> {
  transition(m, rt.hex, { type: 'remove' })
  return await forget(m, rt)
}

/** They declined my request: the pending entry goes (friendship.ts: remote-decline). */
export async function onRemoteDecline (m: Messenger, rt: Peer): Promise<void> {
  if (step(stateOf(m, rt.hex), { type: 'remote-decline' }).effects.includes('delete-friend')) await forget(m, rt)
}

/** Forgets a friend or pending request of mine: record, history, outbox, link. */
async function forget (m: Messenger, rt: Peer): Promise<{ publicKey: string }> {
  m.friends.delete(rt.hex)
  rt.forget()
  await m.writes.flushed()
  await m.store.deleteFriendData(rt.publicKey)
  m.emitEvent({ type: 'friend-removed', publicKey: rt.hex })
  return { publicKey: rt.hex }
}

/** `block <key>`: accepts a full key, or a prefix/name of a friend or requester. */
export async function block (m: Messenger, query: string): Promise<{ publicKey: string }> {
  const publicKey = keyFromQuery(m, query)
  const hex = toHex(publicKey)
  const next = transition(m, hex, { type: 'block' })
  if (next.effects.length === 0) return { publicKey: hex }
  const rt = m.friends.get(hex)
  const known = rt !== undefined ? shownName(nameEntry(rt)) : m.requests.get(hex)?.name ?? m.blocks.get(hex)?.name ?? ''
  if (rt !== undefined) await forget(m, rt)
  const ops: Op[] = []
  if (m.requests.delete(hex)) ops.push(m.store.delOp('requests', publicKey))
  const rec = { publicKey, declinedOnly: false, at: m.now(), name: known === '?' ? '' : known }
  m.blocks.set(hex, rec)
  ops.push(m.store.blockOp(rec))
  await m.write(ops)
  for (const link of m.strangers) if (link.hex === hex) link.destroy()
  return { publicKey: hex }
}

export async function unblock (m: Messenger, query: string): Promise<{ publicKey: string }> {
  const items = [...m.blocks.values()].map((b) => ({ hex: toHex(b.publicKey), name: b.name ?? '', b }))
  if (items.length === 0) throw new PsstError('NOT_FOUND', 'no key is blocked or declined')
  const found = resolveName(query, items, 'blocked key')
  transition(m, found.hex, { type: 'unblock' })
  m.blocks.delete(found.hex)
  await m.write([m.store.delOp('blocked', found.b.publicKey)])
  return { publicKey: found.hex }
}

function keyFromQuery (m: Messenger, query: string): Buffer {
  const q = query.trim().toLowerCase()
  const full = /^[0-9a-f]{64}$/.test(q) ? fromHex(q) : null
  if (full !== null) return full
  if (/^[0-9a-f]{76}$/.test(q)) return parseId(q).publicKey
  const items = [
    ...m.visibleFriends().map((rt) => ({ ...nameEntry(rt), pk: rt.rec.publicKey })),
    ...[...m.requests.values()].map((r) => ({ hex: toHex(r.publicKey), name: r.name, pk: r.publicKey }))
  ]
  return resolveName(query, items, 'friend or request').pk
}

/** A friend request from a stranger's link (firewall already rate-limited it). */
export async function onRemoteRequest (m: Messenger, link: Link, req: FriendRequest): Promise<void> {
  const hex = link.hex
  const before = stateOf(m, hex)
  const nospamOk = req.nospam.equals(m.profile.nospam)
  const next = step(before, { type: 'remote-request', nospamOk })
  if (!nospamOk && before === 'none') m.count('bad-nospam')
  if (next.effects.includes('store-request')) {
    const known = m.requests.has(hex)
    const ops: Op[] = []
    if (!known && m.requests.size >= MAX_PENDING_REQUESTS) ops.push(evictPending(m))
    const rec: RequestRecord = { publicKey: link.remote, name: req.name, message: req.message, receivedAt: known ? m.requests.get(hex)!.receivedAt : m.now() }
    m.requests.set(hex, rec)
    await m.write([...ops, m.store.requestOp(rec)])
    if (next.effects.includes('emit-request')) m.emitEvent({ type: 'friend-request', ...requestView(m, rec) })
  }
  link.destroy()
}

/**
 * The pending set is full and a new request came (issue 15): the newest request always gets in, so
 * a flood cannot keep a real one out. Evicted is the oldest request that came during this flood;
 * requests from before it stay while there are flood ones to evict.
 */
function evictPending (m: Messenger): Op {
  m.noteRequestFlood('pending requests')
  const since = m.requestFlood?.since ?? 0
  let victim: RequestRecord | null = null
  let oldest: RequestRecord | null = null
  for (const r of m.requests.values()) {
    if (oldest === null || r.receivedAt < oldest.receivedAt) oldest = r
    if (r.receivedAt >= since && (victim === null || r.receivedAt < victim.receivedAt)) victim = r
  }
  const gone = (victim ?? oldest)!
  m.requests.delete(toHex(gone.publicKey))
  m.count('requests-evicted')
  return m.store.delOp('requests', gone.publicKey)
}

/** Why a request's sender could pass for one of my friends (docs/design.md, Names), or undefined. */
export function lookalikeOf (m: Messenger, hex: string, name: string): string | undefined {
  return lookalikeReason({ hex, name }, m.visibleFriends().map(nameEntry))
}

function requestInfo (r: RequestRecord): RequestInfo {
  return { publicKey: toHex(r.publicKey), name: r.name, message: r.message, receivedAt: r.receivedAt }
}

export function requestView (m: Messenger, rec: RequestRecord): RequestInfo {
  const info = requestInfo(rec)
  const lookalike = lookalikeOf(m, info.publicKey, rec.name)
  return lookalike === undefined ? info : { ...info, lookalike }
}

export async function rotateNospam (m: Messenger): Promise<void> {
  await cryptoReady()
  m.profile = { ...m.profile, nospam: randomBytes(4) }
  await m.saveProfile()
}
