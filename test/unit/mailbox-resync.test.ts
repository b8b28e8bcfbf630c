/**
 * Issue 15 (restore gap from issue 14): a friend restored from an older copy goes on in a new
 * stream and resends what the copy had not seen acknowledged; I hold some of those already. When
 * the resend comes by mailbox (our link dropped after their hello), it must be checked against
 * the ids I hold exactly as over the link, or it is stored twice. A real profile store and core,
 * the mailbox's own entry point; the hello's stream switch as delivery.ts applies it. The window
 * is kept on disk: a receiver restarted inside it still recognises the resend.
 */
import { describe, it, expect, afterEach, beforeAll } from 'vitest'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import { Messenger } from '../../src/contacts/messenger.js'
import { installProtocol } from '../../src/daemon/protocol.js'
import { acceptFromMailbox } from '../../src/mailbox/owner.js'
import { beginResync, restoreResyncs } from '../../src/chat/resync.js'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { generateKeyPair, randomBytes } from '../../src/crypto/identity.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import type { FriendRecord } from '../../src/wire/records.js'
import type { ChatMessage } from '../../src/wire/frames.js'

beforeAll(async () => { await cryptoReady() })
afterEach(removeTempStores)

const OLD = Buffer.alloc(16, 1)
const NEW = Buffer.alloc(16, 2)

function friendRecord (publicKey: Buffer): FriendRecord {
  return {
    publicKey, state: 'friends', name: 'frank', status: 'online', statusMessage: '', lastSeen: 0, addedAt: 1,
    requestNospam: Buffer.alloc(4), requestMessage: '', nextIndex: 5, unread: 0,
    mailbox: null, txnSession: '', txnUpTo: 0, txnSeq: 0, alias: '', renames: []
  }
}

/** A profile holding messages 1..5 of frank's old stream (their stream to me, counted up to 5). */
async function holdingFive (): Promise<{ store: ProfileStore, frank: Buffer, ids: Buffer[] }> {
  const store = await tempStore(null)
  const frank = generateKeyPair().publicKey
  const ids = Array.from({ length: 5 }, () => randomBytes(16))
  await store.apply([
    store.friendOp(friendRecord(frank)),
    store.streamOp({ conversation: frank, author: frank, id: OLD, upTo: 5, ackedUpTo: 0 }),
    ...ids.map((id, i) => store.messageOp(frank, i, { outgoing: false, id, seq: i + 1, sentAt: 1_700_000_000_000 + i, kind: 'text', body: `old ${i + 1}` }))
  ])
  return { store, frank, ids }
}

const message = (id: Buffer, seq: number, body: string): ChatMessage => ({ id, seq, sentAt: 1_700_000_000_000 + seq, kind: 'text', body })

describe('a resend by mailbox while their replaced stream is deduplicated', () => {
  for (const when of ['while the ids are read', 'once the ids are read']) {
    it(`is recognised by id and stored once; what is new is stored (${when})`, async () => { await resend(when === 'once the ids are read') })
  }
})

async function resend (idsFirst: boolean): Promise<void> {
  {
    const { store, frank, ids } = await holdingFive()
    const m = new Messenger({ store, profile: await store.loadProfile(), dht: null, bootstrap: [] })
    installProtocol(m)
    await m.load()
    const rt = [...m.friends.values()][0]

    // His copy knew 1..3 acknowledged: his new stream starts at base 3 and resends 4 and 5, then goes on.
    beginResync(m, rt, rt.in.upTo, 3, NEW, () => {})
    rt.in.adopt(NEW, 3)
    if (idsFirst) await new Promise((resolve) => setTimeout(resolve, 200))
    const verdicts = await Promise.all([
      acceptFromMailbox(m, rt, message(ids[3], 4, 'old 4')),
      acceptFromMailbox(m, rt, message(ids[4], 5, 'old 5')),
      acceptFromMailbox(m, rt, message(randomBytes(16), 6, 'new 6'))
    ])
    expect(verdicts).toEqual(['duplicate', 'duplicate', 'store'])

    const texts = (await store.history(frank, 100)).map((r) => r.body)
    expect(texts).toEqual(['old 1', 'old 2', 'old 3', 'old 4', 'old 5', 'new 6'])
    expect(m.counters['duplicates-across-streams']).toBe(2)
    expect(rt.in.stored).toBe(6)
    await m.close()
    await store.close()
  }
}

describe('a receiver restarted inside the dedupe window', () => {
  it('still recognises the resend (the window is kept on disk), and forgets it once passed', async () => {
    const { store, frank, ids } = await holdingFive()
    const home = store.home
    const open = async (s: ProfileStore): Promise<Messenger> => {
      const m = new Messenger({ store: s, profile: await s.loadProfile(), dht: null, bootstrap: [] })
      installProtocol(m)
      await m.load()
      await restoreResyncs(m, () => {})
      return m
    }
    let m = await open(store)
    let rt = [...m.friends.values()][0]
    beginResync(m, rt, rt.in.upTo, 3, NEW, () => {})
    rt.in.adopt(NEW, 3)
    await m.write([])
    await m.close()
    await store.close()

    const again = await ProfileStore.open(home, null)
    m = await open(again)
    rt = [...m.friends.values()][0]
    expect(rt.in.dedupe?.upTo).toBe(5)
    expect(await acceptFromMailbox(m, rt, message(ids[3], 4, 'old 4'))).toBe('duplicate')
    expect(await acceptFromMailbox(m, rt, message(ids[4], 5, 'old 5'))).toBe('duplicate')
    expect(await acceptFromMailbox(m, rt, message(randomBytes(16), 6, 'new 6'))).toBe('store')
    expect((await again.history(frank, 100)).map((r) => r.body)).toEqual(['old 1', 'old 2', 'old 3', 'old 4', 'old 5', 'new 6'])
    // Past the old count: the window is over, and not brought back by the next start.
    expect(rt.in.dedupe).toBe(null)
    await m.write([])
    expect(await again.loadDedupes()).toEqual([])
    await m.close()
    await again.close()
  })
})
