/**
 * File transfer in the daemon: the Transfers of src/files wired to the messenger. An offer travels
 * as a chat message of kind 'file' (exactly once, in order, through the mailbox when the friend is
 * offline); the bytes travel on psst-file/1, a channel opened on each friend's link once it is up.
 */
import { join } from 'node:path'
import type { Messenger } from '../contacts/messenger.js'
import type { AvatarInfo, FileInfo, Params } from './api.js'
import { randomBytes } from 'node:crypto'
import { Transfers } from '../files/transfers.js'
import { makeSealer, type Sealer } from '../files/sealed.js'
import { downloadDir } from '../files/naming.js'
import { cryptoReady } from '../crypto/sodium.js'
import { send } from '../chat/delivery.js'
import { findFriend } from '../contacts/friends-service.js'
import { PsstError } from '../errors.js'

const loaded = new WeakMap<Messenger, Promise<Transfers>>()
/** The same, once loaded: for answers that cannot wait (a friend's avatar in `friends`). */
const current = new WeakMap<Messenger, Transfers>()

/** The friend's avatar as received, or null (also while transfers are still loading). */
export function avatarOf (m: Messenger, friend: string): string | null {
  return current.get(m)?.avatarOf(friend) ?? null
}

/** Loads the transfers in the background (hashing needs libsodium) and follows friends' links. */
export function installFiles (m: Messenger, home: string): void {
  const attached = new WeakSet<object>()
  const ready = cryptoReady().then(async () => await Transfers.load({
    sealer: await filesSealer(m),
    dir: join(home, 'files'),
    avatarDir: join(home, 'avatars'),
    sendFileMessage: async (friend, bytes) => { await send(m, findFriend(m, friend), [bytes.toString('base64')], 'file') },
    emit: (event) => m.emitEvent(event),
    downloadDir: (to) => downloadDir(to),
    now: () => m.now(),
    count: (counter) => m.count(counter)
  }))
  ready.catch((err: Error) => m.log(`file transfers unavailable: ${err.message}`))
  ready.then((t) => { current.set(m, t) }, () => {})
  loaded.set(m, ready)
  m.on('presence', (e: { publicKey: string, online: boolean }) => {
    if (!e.online) return
    const link = m.friends.get(e.publicKey)?.link
    if (link === null || link === undefined || link.closed || attached.has(link.stream)) return
    attached.add(link.stream)
    void ready.then(async (t) => {
      if (!link.closed) t.attach(e.publicKey, link)
      // A friend made since my avatar was set (or never sent it) gets it when we first meet.
      if (m.friends.get(e.publicKey)?.state === 'friends') await t.offerAvatarTo(e.publicKey)
    }).catch(() => m.count('avatar-offers-failed'))
  })
  m.on('file-offer', (friend: string, body: string) => {
    void ready.then(async (t) => await t.onFileMessage(friend, Buffer.from(body, 'base64'))).catch(() => m.count('file-offers-failed'))
  })
}

/** Sealed records for a passphrase profile; its key is made once and kept in the DB (src/files/sealed.ts). */
async function filesSealer (m: Messenger): Promise<Sealer> {
  let key = await m.store.loadFilesKey()
  if (key === null && m.store.encrypted) {
    key = randomBytes(32)
    await m.write([m.store.filesKeyOp(key)])
  }
  return makeSealer(key, m.store.encrypted)
}

export async function closeFiles (m: Messenger): Promise<void> {
  const t = await loaded.get(m)?.catch(() => null)
  await t?.close()
}

async function transfers (m: Messenger): Promise<Transfers> {
  const t = loaded.get(m)
  if (t === undefined) throw PsstError.internal('file transfers are not installed in this daemon')
  return await t
}

function need (v: unknown, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw PsstError.usage(`${what} is required`)
  return v
}

export const fileHandlers = {
  fileSend: async (m: Messenger, p: Params<'fileSend'>): Promise<FileInfo> => {
    const rt = findFriend(m, need(p.friend, 'a friend'))
    return await (await transfers(m)).send(rt.hex, need(p.path, 'a file path'), typeof p.name === 'string' && p.name !== '' ? p.name : undefined)
  },
  fileList: async (m: Messenger): Promise<FileInfo[]> => (await transfers(m)).list(),
  fileAccept: async (m: Messenger, p: Params<'fileAccept'>): Promise<FileInfo> => {
    const t = await transfers(m)
    const to = typeof p.to === 'string' && p.to !== '' ? p.to : undefined
    if (typeof p.fileId !== 'string' && typeof p.friend === 'string') return await t.accept(t.offerFrom(findFriend(m, p.friend).hex), to)
    return await t.accept(need(p.fileId, 'a file id'), to)
  },
  fileCancel: async (m: Messenger, p: Params<'fileCancel'>): Promise<FileInfo> => await (await transfers(m)).cancel(need(p.fileId, 'a file id')),
  avatarSet: async (m: Messenger, p: Params<'avatarSet'>): Promise<AvatarInfo> => {
    const friends = [...m.friends.values()].filter((f) => f.state === 'friends').map((f) => f.hex)
    return await (await transfers(m)).setAvatar(need(p.path, 'a picture (PNG or JPEG)'), friends)
  },
  avatarGet: async (m: Messenger): Promise<AvatarInfo> => await (await transfers(m)).avatar()
}
