/**
 * Several devices per identity in a running daemon (docs/devices.md). Every device of a friend,
 * and every other device of mine, is a peer the existing machinery runs like a friend (its own
 * link, streams, outbox, resumption, mailbox) but hidden from people: what it carries is shown
 * under the identity it speaks for. Lists travel on psst-devices/1 (channel.ts).
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer as FriendRuntime } from '../contacts/peer.js'
import type { PsstEvent, HistoryEntry, MessageKind } from '../wire/api.js'
import type { MessageRecord } from '../wire/records.js'
import { removeFriend } from '../contacts/friends-service.js'
import { send, historyEntry } from '../chat/delivery.js'
import { toHex, fromHex, randomBytes } from '../crypto/identity.js'
import { STREAM_ID_BYTES, noStream } from '../wire/frames.js'
import { DeviceRecords, type DeviceBook, type DeviceList, type SentCopy } from './records.js'
import { judgeList, deviceIn } from './attestation.js'
import { loadBook, bookOp, friendList, setFriendList } from './book.js'
import { openDeviceChannel, type DeviceChannel } from './channel.js'
import { seedFriend } from './link-wait.js'
import { MAX_MESSAGE_BYTES } from '../wire/limits.js'

/** Ids of copies applied, remembered so a copy that comes twice is shown once. */
const APPLIED_MEMORY = 10_000

interface Peer { identity: string, name: string }

export class Devices {
  readonly m: Messenger
  book: DeviceBook
  /** Every device peer: device key hex → the identity (hex) it speaks for. */
  readonly peers = new Map<string, Peer>()
  readonly #channels = new Map<string, DeviceChannel>()
  readonly #applied = new Set<string>()
  /** Set when my identity's newest list no longer names this device. */
  revoked = false

  constructor (m: Messenger, book: DeviceBook) {
    this.m = m
    this.book = book
    this.revoked = book.mine !== null && deviceIn(book.mine, m.profile.publicKey) === undefined
  }

  get identity (): Buffer { return this.book.identity }
  get identityHex (): string { return toHex(this.book.identity) }
  /** This device holds the identity's secret key (it is the identity's first device). */
  get holdsIdentity (): boolean { return this.book.identity.equals(this.m.profile.publicKey) }

  /** The identity a peer speaks for: itself for a friend, the friend's for their other devices. */
  identityOf (hex: string): string { return this.peers.get(hex)?.identity ?? hex }
  isMine (hex: string): boolean { return this.peers.get(hex)?.identity === this.identityHex }

  async start (): Promise<void> {
    this.m.hiddenPeer = (hex) => this.peers.has(hex)
    this.m.on('presence', (e: { publicKey: string, online: boolean }) => { if (e.online) this.#linkUp(e.publicKey) })
    this.m.on('friends-changed', () => { void this.#friendsChanged() })
    await this.ensurePeers()
  }

  /** Makes the device peers match the lists held: new devices are dialled, revoked ones forgotten. */
  async ensurePeers (): Promise<void> {
    const want = this.#wantedPeers()
    for (const [hex, peer] of want) {
      this.peers.set(hex, peer)
      if (this.m.friends.has(hex)) continue
      const rt = this.m.newPeer(seedFriend(fromHex(hex)!, peer.name, this.m.now()), {
        out: { id: randomBytes(STREAM_ID_BYTES), lastSeq: 0, ackedUpTo: 0 }, in: { id: noStream(), upTo: 0 }
      })
      this.m.friends.set(hex, rt)
      rt.save()
      this.m.dial(rt)
    }
    for (const [hex] of [...this.peers]) {
      if (want.has(hex)) continue
      const rt = this.m.friends.get(hex)
      if (rt !== undefined) await removeFriend(this.m, rt).catch(() => this.m.count('device-peers-not-removed'))
      this.peers.delete(hex)
      this.#channels.delete(hex)
    }
    this.m.eventTap = this.peers.size > 0 ? (e) => this.#tap(e) : null
    await this.m.write([])
  }

  #wantedPeers (): Map<string, Peer> {
    const me = this.m.profile.publicKey
    const want = new Map<string, Peer>()
    if (!this.revoked) {
      for (const a of this.book.mine?.devices ?? []) {
        if (!a.deviceKey.equals(me)) want.set(toHex(a.deviceKey), { identity: this.identityHex, name: a.name })
      }
    }
    for (const list of this.book.friends) {
      const friend = this.m.friends.get(toHex(list.identity))
      if (friend === undefined || friend.rec.state !== 'friends') continue
      for (const a of list.devices) {
        if (a.deviceKey.equals(list.identity) || a.deviceKey.equals(me)) continue
        want.set(toHex(a.deviceKey), { identity: toHex(list.identity), name: friend.rec.name })
      }
    }
    return want
  }

  async saveBook (): Promise<void> {
    await this.m.write([bookOp(this.m.store, this.book)])
  }

  /** My identity's list changed here: stored, told to every peer, and the peers follow it. */
  async setMine (list: DeviceList): Promise<void> {
    this.book.mine = list
    this.revoked = deviceIn(list, this.m.profile.publicKey) === undefined
    await this.saveBook()
    for (const ch of this.#channels.values()) ch.send(list)
    // A revoked device must get the list that revokes it before its link goes.
    setTimeout(() => { void this.ensurePeers() }, 1000).unref()
  }

  #linkUp (hex: string): void {
    const rt = this.m.friends.get(hex)
    const link = rt?.link
    if (link === null || link === undefined || link.closed) return
    const ch = openDeviceChannel(link, {
      onOpen: (opened) => { if (this.book.mine !== null && !this.revoked) opened.send(this.book.mine) },
      onList: (list) => { if (!link.closed) void this.#onList(hex, list) },
      onDrop: (reason) => this.m.count(reason)
    })
    this.#channels.set(hex, ch)
  }

  /** A list from a peer: it may only speak for the identity that peer belongs to. */
  async #onList (fromHex: string, list: DeviceList): Promise<void> {
    const identity = this.identityOf(fromHex)
    const mine = identity === this.identityHex
    const held = mine ? this.book.mine : friendList(this.book, fromHexKey(identity))
    const verdict = judgeList(list, held, fromHexKey(identity))
    if (verdict === 'forged') {
      this.m.count('device-lists-forged')
      this.m.log(`refused a device list not signed by ${identity.slice(0, 12)}'s identity key`)
      return
    }
    if (verdict !== 'newer') { if (verdict === 'stale') this.m.count('device-lists-stale'); return }
    if (mine) {
      this.book.mine = list
      this.revoked = deviceIn(list, this.m.profile.publicKey) === undefined
      if (this.revoked) this.m.emitEvent({ type: 'warning', message: 'this device was revoked by your identity\'s first device: it no longer receives your messages (psst device list)' })
    } else {
      setFriendList(this.book, list)
    }
    this.m.count('device-lists-taken')
    await this.saveBook()
    await this.ensurePeers()
  }

  /** A friend removed: their devices go with them. */
  async #friendsChanged (): Promise<void> {
    const before = this.book.friends.length
    this.book.friends = this.book.friends.filter((l) => {
      const rt = this.m.friends.get(toHex(l.identity))
      return rt !== undefined && !this.peers.has(rt.hex)
    })
    if (this.book.friends.length !== before) {
      await this.saveBook()
      await this.ensurePeers()
    }
  }

  /**
   * What a device peer's link produced, as people should see it: a friend's other device speaks
   * as the friend; my other device's copies of what it sent show in the friend's window.
   */
  #tap (e: PsstEvent): PsstEvent | null {
    switch (e.type) {
      case 'message': {
        const peer = this.peers.get(e.friend)
        if (peer === undefined) return e
        if (e.from === 'me') return null // the copy fanned out to that device; shown once, under the friend
        if (peer.identity === this.identityHex) this.#applySentCopy(e.text)
        else this.#copyInto(peer.identity, { outgoing: false, id: fromHexKey(e.id), seq: 0, sentAt: e.sentAt, kind: e.kind, body: e.text })
        return null
      }
      case 'presence':
        if (!this.peers.has(e.publicKey)) return e
        if (e.online) this.#linkUp(e.publicKey)
        return null
      case 'typing':
        return this.peers.has(e.friend) ? { ...e, friend: this.identityOf(e.friend) } : e
      case 'sent':
      case 'receipt':
        return this.peers.has(e.friend) ? null : e
      case 'friend-added':
      case 'friend-removed':
      case 'rename':
        return this.peers.has(e.publicKey) ? null : e
      default:
        return e
    }
  }

  #applySentCopy (text: string): void {
    const copy = DeviceRecords.sentCopy.decode(Buffer.from(text, 'base64'))
    if (copy === null) { this.m.count('sent-copies-malformed'); return }
    this.#copyInto(toHex(copy.friend), { outgoing: true, id: copy.id, seq: 0, sentAt: copy.sentAt, kind: copy.kind, body: copy.body })
  }

  /**
   * Writes a message another device carried into the friend's own history here, once per id.
   * seq 0: it is no part of this device's stream with them (docs/devices.md, One history).
   */
  #copyInto (friendHex: string, rec: MessageRecord): void {
    const rt = this.m.friends.get(friendHex)
    if (rt === undefined || this.peers.has(friendHex)) { this.m.count('device-copies-unknown-friend'); return }
    const idHex = toHex(rec.id)
    if (this.#applied.has(idHex)) { this.m.count('device-copies-duplicate'); return }
    this.#applied.add(idHex)
    if (this.#applied.size > APPLIED_MEMORY) this.#applied.delete(this.#applied.values().next().value!)
    const index = rt.takeCopy(!rec.outgoing)
    this.m.writes.push([this.m.store.messageOp(rt.rec.publicKey, index, rec)], () => {
      const entry: HistoryEntry = historyEntry(rt, rec, index)
      this.m.emitEvent({ type: 'message', friend: rt.hex, ...entry })
    }, () => this.m.count('device-copies-not-stored'))
  }

  /**
   * After a message to a friend is queued: the same text to each of their other devices, and a
   * copy to each of mine, so every device shows it (docs/devices.md, Delivery to every device).
   */
  async afterSend (friend: FriendRuntime, texts: string[], kind: MessageKind, ids: string[]): Promise<void> {
    if (this.peers.size === 0 || this.peers.has(friend.hex)) return
    const theirs: FriendRuntime[] = []
    const mine: FriendRuntime[] = []
    for (const [hex, peer] of this.peers) {
      const rt = this.m.friends.get(hex)
      if (rt === undefined) continue
      if (peer.identity === friend.hex) theirs.push(rt)
      else if (peer.identity === this.identityHex) mine.push(rt)
    }
    for (const rt of theirs) await send(this.m, rt, texts, kind)
    const copies = this.#copies(friend, texts, kind, ids)
    if (copies.length > 0) for (const rt of mine) await send(this.m, rt, copies, 'text')
  }

  #copies (friend: FriendRuntime, texts: string[], kind: MessageKind, ids: string[]): string[] {
    const now = this.m.now()
    const out: string[] = []
    texts.forEach((body, i) => {
      if (ids[i] === undefined || ids[i] === '') return
      const copy: SentCopy = { friend: friend.rec.publicKey, id: fromHexKey(ids[i]), sentAt: now, kind, body }
      const text = DeviceRecords.sentCopy.encode(copy).toString('base64')
      // A copy rides in a chat message; one near the size limit is not told to the other devices.
      if (text.length > MAX_MESSAGE_BYTES) { this.m.count('sent-copies-too-long'); return }
      out.push(text)
    })
    return out
  }
}

function fromHexKey (hex: string): Buffer {
  return fromHex(hex) ?? Buffer.alloc(0)
}

const installed = new WeakMap<Messenger, Devices>()

/** Loads the device book and follows links; every daemon (and the offline profile) runs one. */
export async function installDevices (m: Messenger): Promise<Devices> {
  const d = new Devices(m, await loadBook(m.store, m.profile.publicKey))
  installed.set(m, d)
  await d.start()
  return d
}

/** The profile as `psst id` shows it (see book.ts). */
export function shownProfile<P extends { publicKey: Buffer }> (m: Messenger, profile: P): P {
  const d = installed.get(m)
  return d === undefined ? profile : { ...profile, publicKey: d.identity }
}

export function devicesOf (m: Messenger): Devices | undefined {
  return installed.get(m)
}
