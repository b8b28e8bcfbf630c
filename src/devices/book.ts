/**
 * The device book on disk (src/storage keeps its bytes, records.ts reads them): which identity
 * this profile speaks for, that identity's newest device list, and friends' lists.
 */
import type { ProfileStore } from '../storage/profile-store.js'
import { DeviceRecords, type DeviceBook, type DeviceList } from './records.js'

export async function loadBook (store: ProfileStore, ownKey: Buffer): Promise<DeviceBook> {
  const bytes = await store.loadDeviceBook()
  const book = bytes === null ? null : DeviceRecords.book.decode(bytes)
  return book ?? { identity: ownKey, mine: null, lastSeen: [], friends: [] }
}

export function bookOp (store: ProfileStore, book: DeviceBook): ReturnType<ProfileStore['deviceBookOp']> {
  return store.deviceBookOp(DeviceRecords.book.encode(book))
}

export function friendList (book: DeviceBook, identity: Buffer): DeviceList | null {
  return book.friends.find((l) => l.identity.equals(identity)) ?? null
}

export function setFriendList (book: DeviceBook, list: DeviceList): void {
  book.friends = [...book.friends.filter((l) => !l.identity.equals(list.identity)), list]
}

/** True on a device that is not the identity's own key (a linked one). */
export function isLinkedDevice (book: DeviceBook, ownKey: Buffer): boolean {
  return !book.identity.equals(ownKey)
}

/** The profile as `psst id` shows it: a linked device shows its identity's key, not its own. */
export async function profileAsIdentity<P extends { publicKey: Buffer }> (store: ProfileStore, profile: P): Promise<P> {
  const bytes = await store.loadDeviceBook()
  const book = bytes === null ? null : DeviceRecords.book.decode(bytes)
  return book === null ? profile : { ...profile, publicKey: book.identity }
}
