import { describe, it, expect, beforeAll } from 'vitest'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, keyPairFromSeed } from '../../src/crypto/identity.js'
import { friendshipSecret, meetingRecordKeyPair, meetingRecordBoxKey, requestKeySeed } from '../../src/crypto/meet.js'
import { dhtKeyPair } from '../../src/net/dht-node.js'
import { MeetRecords } from '../../src/wire/meet.js'

/** The keys of docs/design.md, Presence privacy: who can derive what. */
describe('presence keys', () => {
  beforeAll(async () => { await cryptoReady() })

  it('a friendship secret is the same on both ends and differs for any other pair', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    const c = generateKeyPair()
    expect(friendshipSecret(a.secretKey, b.publicKey)).toEqual(friendshipSecret(b.secretKey, a.publicKey))
    expect(friendshipSecret(a.secretKey, c.publicKey)).not.toEqual(friendshipSecret(a.secretKey, b.publicKey))
  })

  it('each direction has its own record key and box key, none of them an identity key', () => {
    const a = generateKeyPair()
    const b = generateKeyPair()
    const s = friendshipSecret(a.secretKey, b.publicKey)
    const aForB = meetingRecordKeyPair(s, a.publicKey)
    const bForA = meetingRecordKeyPair(s, b.publicKey)
    expect(aForB.publicKey).not.toEqual(bForA.publicKey)
    expect([a.publicKey, b.publicKey]).not.toContainEqual(aForB.publicKey)
    expect(meetingRecordBoxKey(s, a.publicKey)).not.toEqual(meetingRecordBoxKey(s, b.publicKey))
    // what b derives to find a's pointer is what a publishes under
    expect(meetingRecordKeyPair(friendshipSecret(b.secretKey, a.publicKey), a.publicKey)).toEqual(aForB)
  })

  it('the request key follows the nospam and is hyperdht\'s key pair of its seed', () => {
    const a = generateKeyPair()
    const one = requestKeySeed(a.publicKey, Buffer.from('00000001', 'hex'))
    const two = requestKeySeed(a.publicKey, Buffer.from('00000002', 'hex'))
    expect(one).not.toEqual(two)
    expect(dhtKeyPair(one)).toEqual(keyPairFromSeed(one))
    expect(dhtKeyPair(one).publicKey).not.toEqual(a.publicKey)
    expect(() => requestKeySeed(a.publicKey, Buffer.alloc(3))).toThrow(/4-byte nospam/)
  })

  it('pointer and presence records decode what they encode and nothing else', () => {
    const pointer = { deviceKey: Buffer.alloc(32, 7), issuedAt: 1_700_000_000_000 }
    expect(MeetRecords.pointer.decode(MeetRecords.pointer.encode(pointer))).toEqual(pointer)
    expect(MeetRecords.pointer.decode(Buffer.from([1, 2, 3]))).toBeNull()
    expect(MeetRecords.pointer.decode(Buffer.alloc(0))).toBeNull()
    const rec = { requestsOpen: false, legacyUntil: 5, legacy: [Buffer.alloc(32, 1)], deviceSeed: Buffer.alloc(32, 2), deviceSince: 9 }
    expect(MeetRecords.presence.decode(MeetRecords.presence.encode(rec))).toEqual(rec)
    expect(MeetRecords.presence.decode(Buffer.from([2, ...MeetRecords.presence.encode(rec).subarray(1)]))).toBeNull()
  })
})
