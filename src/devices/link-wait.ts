/**
 * The waiting side of linking (docs/devices.md, Linking): the new device asks to be attested,
 * checks the grant it gets (signed by the identity, naming this device), and writes into its
 * profile the identity, the friends and the recent history it was given.
 */
import type { PeerStream } from '../net/peer-stream.js'
import type { ProfileStore, StoreOp } from '../storage/profile-store.js'
import type { FriendRecord, ProfileRecord } from '../wire/records.js'
import { toHex } from '../crypto/identity.js'
import { DeviceRecords, type LinkGrant } from './records.js'
import { listValid, deviceIn } from './attestation.js'
import { readMessages } from './messages.js'
import { bookOp } from './book.js'
import { PsstError } from '../errors.js'

const GRANT_TIMEOUT_MS = 60_000
/** What the waiting device answers once the grant is on its disk. */
export const LINK_DONE = Buffer.from([1, 0xd0])

/** Asks for the grant on a stream from the linked device; resolves with it once checked. */
export async function askForGrant (stream: PeerStream, deviceKey: Buffer, name: string): Promise<LinkGrant> {
  const reader = readMessages(stream)
  stream.write(DeviceRecords.linkAsk.encode({ deviceKey, name }))
  const grant = DeviceRecords.linkGrant.decode(await reader.next(GRANT_TIMEOUT_MS))
  if (grant === null) throw new PsstError('BAD_FRAME', 'the other device sent a grant this psst cannot read (is it a newer version?)')
  if (!listValid(grant.list, grant.list.identity) || deviceIn(grant.list, deviceKey) === undefined) {
    throw new PsstError('BAD_FRAME', 'the other device sent a device list not signed by its identity, or without this device; nothing was linked')
  }
  return grant
}

/** Writes the grant into the waiting profile in one batch: all of it or, after a crash, none. */
export async function applyGrant (store: ProfileStore, profile: ProfileRecord, grant: LinkGrant, now: number): Promise<ProfileRecord> {
  const linked: ProfileRecord = { ...profile, nospam: grant.nospam, name: grant.profileName }
  const ops: StoreOp[] = [store.profileOp(linked), bookOp(store, { identity: grant.list.identity, mine: grant.list, lastSeen: [], friends: [] })]
  const friends = new Map<string, FriendRecord>()
  for (const f of grant.friends) {
    if (f.publicKey.equals(grant.list.identity) || f.publicKey.equals(profile.publicKey)) continue
    const rec = seedFriend(f.publicKey, f.name, now)
    rec.alias = f.alias
    rec.mailbox = f.mailbox
    friends.set(toHex(f.publicKey), rec)
  }
  for (const h of grant.history) {
    const rec = friends.get(toHex(h.friend))
    if (rec === undefined) continue
    // seq 0: not part of this device's stream to them (docs/devices.md, History on a new device).
    ops.push(store.messageOp(rec.publicKey, rec.nextIndex++, { outgoing: h.outgoing, id: h.id, seq: 0, sentAt: h.sentAt, kind: h.kind, body: h.body }))
  }
  for (const rec of friends.values()) ops.push(store.friendOp(rec))
  await store.apply(ops)
  return linked
}

/** A friend as a device starts with them: friends already, nothing sent; its streams start fresh (runtime.ts). */
export function seedFriend (publicKey: Buffer, name: string, now: number): FriendRecord {
  return {
    publicKey, state: 'friends', name, status: 'online', statusMessage: '', lastSeen: 0, addedAt: now,
    requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: 0, unread: 0, mailbox: null,
    txnSession: '', txnUpTo: 0, txnSeq: 0, alias: '', renames: []
  }
}
