/**
 * Daemon events → TUI state, like toxic's on* hooks. Every handler is total: whatever the event holds,
 * it shows a line or changes nothing, and never throws into the event stream.
 */
import type { PsstEvent } from './client.js'
import type { ChatController } from './controller.js'
import { errorText } from './commands.js'
import { presenceLabel, shortKey } from './format.js'
import { sanitize } from '../text/sanitize.js'
import { endLine, progressLine } from './transfers.js'

type Of<T extends PsstEvent['type']> = Extract<PsstEvent, { type: T }>

export function applyEvent (c: ChatController, e: PsstEvent): void {
  if (c.closed) return
  try {
    dispatch(c, e)
  } catch (err) {
    c.print(c.state.windows.home, `could not show a ${String(e?.type)} event: ${errorText(err)}`, 'error')
  }
  c.ui.render()
}

function dispatch (c: ChatController, e: PsstEvent): void {
  switch (e.type) {
    case 'message': onMessage(c, e); break
    case 'sent': c.state.windows.find(e.friend)?.buffer.setState(e.ids, 'sent', e.upTo); break
    case 'receipt': c.state.windows.find(e.friend)?.buffer.setState(e.ids, 'delivered', e.upTo); break
    case 'typing':
      if (e.typing && c.state.book.get(e.friend) !== undefined) c.state.book.typing.add(e.friend)
      else c.state.book.typing.delete(e.friend)
      break
    case 'presence': onPresence(c, e); break
    case 'friend-request': onRequest(c, e); break
    case 'friend-added': onFriendAdded(c, e); break
    case 'friend-removed': onFriendRemoved(c, e); break
    case 'rename': onRename(c, e); break
    case 'dht':
      if (c.state.dht !== e.state) c.print(c.state.windows.home, `DHT: ${e.state}`, e.state === 'online' ? 'info' : 'warn')
      c.state.dht = e.state
      break
    case 'warning': c.print(c.state.windows.home, `warning: ${sanitize(String(e.message), true)}`, 'warn'); break
    case 'file-offer': onFileOffer(c, e); break
    case 'file-progress': onFileProgress(c, e); break
    case 'file-complete': onFileEnd(c, e, e.direction === 'in' ? `saved ${sanitize(e.path, true)}` : `${sanitize(e.name, true)} delivered`, 'info'); break
    case 'file-failed': onFileEnd(c, e, `${sanitize(e.name, true)} ${e.state}${e.reason !== undefined ? `: ${sanitize(e.reason, true)}` : ''}`, 'warn'); break
    case 'avatar': onAvatar(c, e); break
    case 'profile': onProfile(c, e); break
    case 'group-message': onGroupMessage(c, e); break
    case 'group-invite':
      c.print(c.state.windows.home, `${e.fromName === '' ? shortKey(e.from) : sanitize(e.fromName, true)} invites you to #${sanitize(e.name, true)} — /group join ${e.groupId.slice(0, 8)} or /group decline ${e.groupId.slice(0, 8)}`, 'hilight')
      c.state.windows.bump(c.state.windows.home, 3)
      c.bell()
      break
    case 'group-changed':
      c.state.groups.set(e)
      if (c.state.windows.find(e.groupId) !== undefined) void c.refreshMembers(e.groupId)
      break
  }
}

function onMessage (c: ChatController, e: Of<'message'>): void {
  const w = c.state.windows
  const mine = e.from === 'me'
  const win = w.find(e.friend) ?? c.openFriend(e.friend, false)
  if (!mine) c.state.book.typing.delete(e.friend)
  if (win.buffer.addMessage(e) !== 'added') return
  const entry = win.buffer.get(e.id)
  if (entry !== undefined) c.afterAppend(win, entry)
  if (mine) return
  if (win === w.active) {
    c.scheduleMarkRead(e.friend)
    return
  }
  w.bump(win, 3)
  const f = c.state.book.get(e.friend)
  if (f !== undefined) f.unread++
  c.bell()
  c.notifyMessage(e.friend, e.text)
}

function onGroupMessage (c: ChatController, e: Of<'group-message'>): void {
  const w = c.state.windows
  if (!c.state.groups.groups.has(e.groupId)) c.state.groups.set({ groupId: e.groupId, name: e.groupName, members: 0, unread: 0, topic: '', state: 'joined', role: null })
  const win = w.find(e.groupId) ?? c.openGroup(e.groupId, false)
  if (!c.groupEntry(win, e)) return
  if (e.from === 'me') return
  if (win === w.active) { c.scheduleMarkRead(e.groupId); return }
  const g = c.state.groups.groups.get(e.groupId)
  if (g !== undefined && e.kind !== 'event') g.info.unread++
  // A line that names me is a highlight, as in irssi; other lines are activity.
  const me = c.state.me?.name ?? ''
  const mentioned = me !== '' && e.kind !== 'event' && e.text.toLowerCase().includes(me.toLowerCase())
  w.bump(win, e.kind === 'event' ? 1 : mentioned ? 3 : 2)
  if (mentioned) { c.bell(); c.notifyMessage(e.author, e.text) }
}

/** Their chosen name changed (the daemon tells once, also when my alias hides it). */
function onRename (c: ChatController, e: Of<'rename'>): void {
  c.state.book.upsert(e.publicKey, { name: e.to })
  const alias = sanitize(e.alias, true).trim()
  const text = `${sanitize(e.from, true)} is now known as ${sanitize(e.to, true)}` + (alias === '' ? '' : ` (your alias for them: ${alias})`)
  const win = c.state.windows.find(e.publicKey)
  if (win !== undefined) c.print(win, text, 'dim')
  c.print(c.state.windows.home, text, 'dim')
}

function onFileOffer (c: ChatController, e: Of<'file-offer'>): void {
  const win = c.state.windows.find(e.friend) ?? c.openFriend(e.friend, false)
  const name = c.state.book.nameOf(e.friend)
  c.print(win, `${name} offers ${sanitize(e.name, true)} (${e.size} bytes) — /accept to save it, or psst file accept ${e.fileId.slice(0, 8)} --to DIR`, 'hilight')
  if (win !== c.state.windows.active) { c.state.windows.bump(win, 3); c.bell() }
}

/** The transfer's line in its conversation is redrawn in place (added on the first progress). */
function onFileProgress (c: ChatController, e: Of<'file-progress'>): void {
  const { type: _type, ...info } = e
  const v = c.state.transfers.update(info, c.now())
  if (v.entry === null) {
    const win = c.state.windows.find(e.friend) ?? c.openFriend(e.friend, false)
    v.entry = win.buffer.addSystem(progressLine(v), 'dim', c.now())
    c.afterAppend(win, v.entry)
    return
  }
  v.entry.text = progressLine(v)
  c.ui.render()
}

/** The progress line shows how it ended, and a line of its own says so (what a scrolled reader sees). */
function onFileEnd (c: ChatController, e: Of<'file-complete'> | Of<'file-failed'>, text: string, level: 'info' | 'warn'): void {
  const { type: _type, ...info } = e
  const v = c.state.transfers.end(info)
  if (v?.entry != null) v.entry.text = endLine(v, c.now())
  const win = c.state.windows.find(e.friend) ?? c.state.windows.home
  c.print(win, text, level)
}

function onAvatar (c: ChatController, e: Of<'avatar'>): void {
  const win = c.state.windows.find(e.friend)
  if (win !== undefined) c.print(win, `${c.state.book.nameOf(e.friend)} has a new avatar: ${sanitize(e.path, true)}`, 'dim')
}

function onPresence (c: ChatController, e: Of<'presence'>): void {
  const book = c.state.book
  const before = book.get(e.publicKey)
  const wentOffline = before?.online === true && !e.online
  book.upsert(e.publicKey, {
    name: e.name, online: e.online, status: e.status, statusMessage: e.statusMessage,
    ...(wentOffline ? { lastSeen: c.now() } : {})
  })
  if (!e.online) book.typing.delete(e.publicKey)
  const win = c.state.windows.find(e.publicKey)
  if (win === undefined || before === undefined) return
  const name = book.nameOf(e.publicKey)
  const lines: string[] = []
  if (before.online !== e.online || (e.online && before.status !== e.status)) lines.push(`${name} is ${presenceLabel(e)}`)
  if (before.statusMessage !== e.statusMessage && e.statusMessage.trim() !== '') {
    lines.push(`${name} changed the status message to "${sanitize(e.statusMessage, true)}"`)
  }
  for (const line of lines) c.print(win, line, 'dim')
  if (lines.length > 0) c.state.windows.bump(win, 1)
}

function onRequest (c: ChatController, e: Of<'friend-request'>): void {
  const book = c.state.book
  book.requests.set(e.publicKey, { publicKey: e.publicKey, name: e.name, message: e.message, receivedAt: e.receivedAt })
  const win = c.syncRequestsWindow()
  const name = book.nameOf(e.publicKey)
  const text = `friend request from ${name} (${shortKey(e.publicKey)}): ${sanitize(e.message, true)}`
  if (win === undefined) return
  c.print(win, text, 'hilight')
  for (const f of book.lookAlikes(e)) {
    c.print(win, `warning: ${name} looks like your friend ${book.nameOf(f.publicKey)} (${shortKey(f.publicKey)}) — compare the keys before accepting`, 'warn')
  }
  c.print(c.state.windows.home, `${text} — see window ${c.state.windows.numberOf(win)}`, 'hilight')
  c.state.windows.bump(win, 3)
  if (win !== c.state.windows.active) c.bell()
}

function onFriendAdded (c: ChatController, e: Of<'friend-added'>): void {
  const known = c.state.book.get(e.publicKey) !== undefined
  c.friendAdded({ publicKey: e.publicKey, name: e.name })
  if (known) return
  const name = c.state.book.nameOf(e.publicKey)
  c.print(c.state.windows.home, `${name} (${shortKey(e.publicKey)}) is now your friend — /query ${name} to talk`)
}

function onFriendRemoved (c: ChatController, e: Of<'friend-removed'>): void {
  const book = c.state.book
  const name = book.nameOf(e.publicKey)
  const was = book.get(e.publicKey) !== undefined
  book.remove(e.publicKey)
  const win = c.state.windows.find(e.publicKey)
  if (win !== undefined) c.print(win, `${name} is no longer your friend`, 'warn')
  if (was) c.print(c.state.windows.home, `${name} (${shortKey(e.publicKey)}) is no longer your friend`)
}

/** My name or status changed, maybe from another client (`psst status away`): the bars follow. */
function onProfile (c: ChatController, e: Of<'profile'>): void {
  const me = c.state.me
  if (me === null) return
  const changed = me.status !== e.status || me.statusMessage !== e.statusMessage
  me.name = e.name
  c.setMyStatus(e.status, e.statusMessage)
  if (changed) c.print(c.state.windows.home, `you are ${e.status}${e.statusMessage === '' ? '' : ` — "${sanitize(e.statusMessage, true)}"`}`, 'dim')
}
