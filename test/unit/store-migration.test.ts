import { describe, it, expect, afterEach, beforeAll } from 'vitest'
import c from 'compact-encoding'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import type { ProfileStore } from '../../src/storage/profile-store.js'
import { Messenger } from '../../src/contacts/messenger.js'
import { send } from '../../src/chat/delivery.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { toHex } from '../../src/crypto/identity.js'

/**
 * A profile written by psst before streams had records of their own: friend records of version 3
 * (and 1) held the chat streams' seqs and ids. Opening it moves them into stream records (one
 * batch per friend), and the friendship goes on where it was: same stream ids, next seq, next
 * history index. The old bytes are written here by hand, field by field as the old format laid
 * them out (src/wire/records.ts before friend record version 4), not with today's codecs.
 */
beforeAll(async () => { await cryptoReady() })
afterEach(removeTempStores)

interface Old {
  publicKey: Buffer, name: string, lastSentSeq: number, ackedUpTo: number, recvUpTo: number, nextIndex: number,
  unread: number, sendStream: Buffer, recvStream: Buffer, alias: string
}

/** Friend record version 1 (no stream ids) or 3 (stream ids, alias, renames), as the old daemon wrote it. */
function oldFriendBytes (v: 1 | 3, f: Old): Buffer {
  const state = c.state()
  const fields = (enc: boolean): void => {
    const op = enc ? 'encode' : 'preencode'
    c.uint8[op](state, v)
    c.fixed32[op](state, f.publicKey)
    c.uint8[op](state, 1) // state: 'friends'
    c.string[op](state, f.name)
    c.uint8[op](state, 1) // status: 'away'
    c.string[op](state, 'afk')
    c.uint[op](state, 1234) // lastSeen
    c.uint[op](state, 1000) // addedAt
    c.fixed(4)[op](state, Buffer.alloc(4))
    c.string[op](state, '')
    c.uint[op](state, f.lastSentSeq)
    c.uint[op](state, f.ackedUpTo)
    c.uint[op](state, f.recvUpTo)
    c.uint[op](state, f.nextIndex)
    c.uint[op](state, f.unread)
    c.bool[op](state, false) // mailbox: none
    c.string[op](state, '')
    c.uint[op](state, 0)
    c.uint[op](state, 0)
    if (v === 3) {
      c.fixed(16)[op](state, f.sendStream)
      c.fixed(16)[op](state, f.recvStream)
      c.string[op](state, f.alias)
      c.uint[op](state, 0) // renames: none
    }
  }
  fields(false)
  state.buffer = Buffer.allocUnsafe(state.end)
  fields(true)
  return state.buffer as Buffer
}

async function open (store: ProfileStore): Promise<Messenger> {
  const m = new Messenger({ store, profile: await store.loadProfile(), dht: null, bootstrap: [] })
  await m.load()
  return m
}

describe('friend records of versions 1–3 migrate to stream records on open', () => {
  it('keeps the streams (ids, seqs, acks), the history index and the unread count; a second open migrates nothing', async () => {
    const store = await tempStore(null)
    const bob: Old = {
      publicKey: Buffer.alloc(32, 0xb0), name: 'bob', lastSentSeq: 5, ackedUpTo: 3, recvUpTo: 7, nextIndex: 12,
      unread: 2, sendStream: Buffer.alloc(16, 0x51), recvStream: Buffer.alloc(16, 0x52), alias: 'bobby'
    }
    const carol: Old = {
      publicKey: Buffer.alloc(32, 0xc0), name: 'carol', lastSentSeq: 40, ackedUpTo: 40, recvUpTo: 9, nextIndex: 49,
      unread: 0, sendStream: Buffer.alloc(16), recvStream: Buffer.alloc(16), alias: ''
    }
    // A plain profile stores a friend under its public key, the value as it is.
    await store.apply([
      { type: 'put', sub: 'friends', key: bob.publicKey, value: oldFriendBytes(3, bob) },
      { type: 'put', sub: 'friends', key: carol.publicKey, value: oldFriendBytes(1, carol) }
    ])

    const m = await open(store)
    const b = m.friends.get(toHex(bob.publicKey))!
    const cc = m.friends.get(toHex(carol.publicKey))!
    expect([b.out.id, b.out.lastSeq, b.out.ackedUpTo, b.in.id, b.in.upTo]).toEqual([bob.sendStream, 5, 3, bob.recvStream, 7])
    expect([b.rec.nextIndex, b.rec.unread, b.rec.alias, b.rec.name, b.rec.status]).toEqual([12, 2, 'bobby', 'bob', 'away'])
    // Version 1 had no stream ids: the all-zero stream both ways, as its peer's old record holds.
    expect([cc.out.id, cc.out.lastSeq, cc.out.ackedUpTo, cc.in.id, cc.in.upTo]).toEqual([Buffer.alloc(16), 40, 40, Buffer.alloc(16), 9])
    expect(m.status().counters['friends-migrated']).toBe(2)
    await m.writes.flushed()

    // On disk now: friend records of the current version without stream marks, and four stream records.
    const friends = await store.loadFriends()
    expect(friends.map((f) => 'lastSentSeq' in f || 'sendStream' in f)).toEqual([false, false])
    const streams = await store.loadStreams()
    const me = m.profile.publicKey
    const find = (conv: Buffer, author: Buffer): unknown => streams.find((s) => s.conversation.equals(conv) && s.author.equals(author))
    expect(find(bob.publicKey, me)).toEqual({ conversation: bob.publicKey, author: me, id: bob.sendStream, upTo: 5, ackedUpTo: 3 })
    expect(find(bob.publicKey, bob.publicKey)).toEqual({ conversation: bob.publicKey, author: bob.publicKey, id: bob.recvStream, upTo: 7, ackedUpTo: 0 })
    expect(find(carol.publicKey, me)).toMatchObject({ upTo: 40, ackedUpTo: 40 })
    expect(find(carol.publicKey, carol.publicKey)).toMatchObject({ upTo: 9 })

    // The next message to bob takes the next seq of the same stream and the next history index.
    const [sent] = await send(m, b, ['after the upgrade'], 'text')
    expect(sent.seq).toBe(6)
    expect((await store.history(bob.publicKey, 1))[0]).toMatchObject({ index: 12, seq: 6, body: 'after the upgrade' })
    await m.close()

    const again = await open(store)
    const b2 = again.friends.get(toHex(bob.publicKey))!
    expect([b2.out.id, b2.out.lastSeq, b2.out.ackedUpTo, b2.in.id, b2.in.upTo, b2.rec.nextIndex]).toEqual([bob.sendStream, 6, 3, bob.recvStream, 7, 13])
    expect(again.status().counters['friends-migrated']).toBeUndefined()
    await again.close()
    await store.close()
  })
})
