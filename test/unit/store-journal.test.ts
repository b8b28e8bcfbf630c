import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import { readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { encodeJournalRecord, decodeJournal, JOURNAL_MAGIC, type JournalOp } from '../../src/wire/journal.js'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { paths } from '../../src/storage/home.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import type { MessageRecord } from '../../src/wire/records.js'

afterEach(removeTempStores)
beforeAll(async () => { process.env.PSST_KDF = 'interactive'; await cryptoReady() })

const op = (i: number): JournalOp => i % 3 === 2
  ? { type: 'del', sub: i % 7, key: Buffer.from(`key${i}`) }
  : { type: 'put', sub: i % 7, key: Buffer.from(`key${i}`), value: Buffer.alloc(i * 37 % 300, i) }

describe('journal records', () => {
  it('round trip, several records, empty values and big lengths', () => {
    const records = [[op(0), op(1), op(2)], [op(3)], Array.from({ length: 500 }, (_, i) => op(i + 4)), [{ type: 'put' as const, sub: 3, key: Buffer.from('k'), value: Buffer.alloc(0) }]]
    const file = Buffer.concat([JOURNAL_MAGIC, ...records.map((r, i) => encodeJournalRecord(i + 1000, r))])
    const back = decodeJournal(file)
    expect(back.damaged).toBe(false)
    expect(back.validBytes).toBe(file.byteLength)
    expect(back.records).toEqual(records.map((ops, i) => ({ seq: i + 1000, ops })))
  })

  it('a record cut short at the end (a crash mid-write) is dropped, not called damage', () => {
    const a = encodeJournalRecord(1, [op(1)])
    const b = encodeJournalRecord(2, [op(4), op(5)])
    for (let cut = 1; cut < b.byteLength; cut++) {
      const back = decodeJournal(Buffer.concat([JOURNAL_MAGIC, a, b.subarray(0, cut)]))
      expect(back.records).toHaveLength(1)
      expect(back.validBytes).toBe(JOURNAL_MAGIC.byteLength + a.byteLength)
      expect(back.damaged).toBe(false)
      expect(back.cutShort).toBe(cut)
    }
  })

  it('a flipped byte anywhere in a record stops the replay there and reports damage', () => {
    const a = encodeJournalRecord(1, [op(1)])
    const b = encodeJournalRecord(2, [op(4), op(5)])
    for (let at = 4; at < b.byteLength; at++) {
      const bad = Buffer.concat([JOURNAL_MAGIC, a, b])
      bad[JOURNAL_MAGIC.byteLength + a.byteLength + at] ^= 0x40
      const back = decodeJournal(bad)
      expect(back.records).toHaveLength(1)
      expect(back.damaged).toBe(true)
    }
  })

  it('a batch seq that does not grow is damage (a record from elsewhere), not data', () => {
    const back = decodeJournal(Buffer.concat([JOURNAL_MAGIC, encodeJournalRecord(5, [op(1)]), encodeJournalRecord(5, [op(2)])]))
    expect(back.records.map((r) => r.seq)).toEqual([5])
    expect(back.damaged).toBe(true)
  })

  it('a journal of the first version (no header, no batch seq) is still read', () => {
    const legacy = Buffer.from(encodeJournalRecord(0, [op(1)]))
    // The first version's payload is the op list alone: drop the seq byte (uint 0 is one byte).
    const payload = legacy.subarray(9)
    const v1 = Buffer.alloc(8 + payload.byteLength)
    v1.writeUInt32LE(payload.byteLength, 0)
    v1.writeUInt32LE(crc32(payload), 4)
    payload.copy(v1, 8)
    const back = decodeJournal(v1)
    expect(back.records).toEqual([{ seq: null, ops: [op(1)] }])
    expect(back.damaged).toBe(false)
  })
})

const msg = (seq: number): MessageRecord => ({ outgoing: false, id: Buffer.alloc(16, seq), seq, sentAt: seq, kind: 'text', body: `m${seq}` })

const newStore = tempStore

describe.each([['plain', null], ['encrypted', 'pw']])('store with a journal (%s)', (_l, passphrase) => {
  const friend = Buffer.alloc(32, 9)

  it('a read right after a write sees it, and the journal empties once LevelDB has it all', async () => {
    const s = await newStore(passphrase)
    for (let i = 1; i <= 50; i++) void s.apply([s.messageOp(friend, i, msg(i))])
    expect((await s.history(friend, 100)).map((h) => h.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    await s.close()
    expect(statSync(paths.journal(s.home)).size).toBe(0)
  })

  it('batches left in the journal by a killed run are replayed at the next open', async () => {
    const s = await newStore(passphrase)
    await s.apply([s.messageOp(friend, 1, msg(1))])
    await s.close()
    // What a kill -9 leaves: records journaled that LevelDB never got (here written by hand).
    const ops = [s.messageOp(friend, 2, msg(2)), s.messageOp(friend, 3, msg(3))].map((m) => s.pack([m])[0])
    const j = (o: typeof ops[number]): JournalOp => ({ type: 'put', sub: 3, key: o.key, value: (o as { value: Buffer }).value })
    writeFileSync(paths.journal(s.home), Buffer.concat([JOURNAL_MAGIC, encodeJournalRecord(1000, [j(ops[0])]), encodeJournalRecord(1001, [j(ops[1])]).subarray(0, 9)]))
    const again = await ProfileStore.open(s.home, passphrase)
    expect((await again.history(friend, 10)).map((h) => h.seq)).toEqual([1, 2])
    expect(again.journalDamaged).toBe(false)
    expect(statSync(paths.journal(s.home)).size).toBe(0)
    await again.close()
  })

  it('a damaged journal is kept aside and reported; the good records before it are applied', async () => {
    const s = await newStore(passphrase)
    await s.close()
    const o = s.pack([s.messageOp(friend, 7, msg(7))])[0]
    const good = encodeJournalRecord(1000, [{ type: 'put', sub: 3, key: o.key, value: (o as { value: Buffer }).value }])
    const bad = encodeJournalRecord(1001, [{ type: 'put', sub: 3, key: Buffer.from('x'), value: Buffer.from('y') }])
    bad[bad.byteLength - 1] ^= 1
    writeFileSync(paths.journal(s.home), Buffer.concat([JOURNAL_MAGIC, good, bad]))
    const again = await ProfileStore.open(s.home, passphrase)
    expect(again.journalDamaged).toBe(true)
    expect((await again.history(friend, 10)).map((h) => h.seq)).toEqual([7])
    expect(readdirSync(s.home).some((f) => f.startsWith('db.journal.damaged-'))).toBe(true)
    expect(readFileSync(paths.journal(s.home)).byteLength).toBe(0)
    await again.close()
  })

  /** 60 renames, and the journal as a kill -9 could leave it when LevelDB already holds them all. */
  async function sixtyNamesAndTheirJournal (): Promise<{ home: string, journal: Buffer }> {
    const s = await newStore(passphrase)
    const profile = await s.loadProfile()
    for (let i = 1; i <= 60; i++) void s.saveProfile({ ...profile, name: `n${i}` })
    // Synchronously after the appends, the journal holds all 60; LevelDB gets them just after.
    const journal = readFileSync(paths.journal(s.home))
    expect((await s.loadProfile()).name).toBe('n60')
    await s.close()
    return { home: s.home, journal }
  }

  it('a damaged journal older than the database does not roll it back (one flipped byte)', async () => {
    const { home, journal } = await sixtyNamesAndTheirJournal()
    journal[Math.floor(journal.byteLength * 3 / 4)] ^= 0x40
    writeFileSync(paths.journal(home), journal)
    const again = await ProfileStore.open(home, passphrase)
    expect(again.journalDamaged).toBe(true)
    expect((await again.loadProfile()).name).toBe('n60')
    await again.close()
  })

  it('a journal truncated to half does not roll the database back', async () => {
    const { home, journal } = await sixtyNamesAndTheirJournal()
    writeFileSync(paths.journal(home), journal.subarray(0, journal.byteLength >> 1))
    const again = await ProfileStore.open(home, passphrase)
    expect((await again.loadProfile()).name).toBe('n60')
    expect(again.replay.applied).toBe(0)
    await again.close()
    // Batch seqs go on from the last one: a later kill -9 replays the new batches, not the old.
    const third = await ProfileStore.open(home, passphrase)
    void third.saveProfile({ ...(await third.loadProfile()), name: 'n61' })
    const left = readFileSync(paths.journal(home))
    await third.close()
    writeFileSync(paths.journal(home), left)
    const fourth = await ProfileStore.open(home, passphrase)
    expect((await fourth.loadProfile()).name).toBe('n61')
    await fourth.close()
  })

  it('the journal is empty once LevelDB holds everything, not only past 1 MiB', async () => {
    const s = await newStore(passphrase)
    await s.apply([s.messageOp(friend, 1, msg(1))])
    expect(statSync(paths.journal(s.home)).size).toBeGreaterThan(0)
    await s.history(friend, 1)
    expect(statSync(paths.journal(s.home)).size).toBe(0)
    await s.close()
  })
})
