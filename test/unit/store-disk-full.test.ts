/**
 * A LevelDB write cut short by a full disk leaves a partial record in the middle of its log;
 * LevelDB writes on after it, and at the next open skips the rest of that block, with every
 * batch written there since. The store closes and opens LevelDB again after a refused write,
 * so what it acknowledged survives a kill -9 (here: a copy of the files taken while open).
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { generateKeyPair, randomBytes } from '../../src/crypto/identity.js'
import { mountTmpfs, tmpfsUnavailable, type Tmpfs } from '../helpers/tmpfs.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import type { MessageRecord } from '../../src/wire/records.js'

const why = tmpfsUnavailable()
if (why !== null) console.log(`skipping the store disk-full test: ${why}`)
const maybe = why === null || process.env.CI === 'true' ? describe : describe.skip

const msg = (seq: number): MessageRecord => ({ outgoing: false, id: Buffer.alloc(16, seq & 0xff), seq, sentAt: seq, kind: 'text', body: `message ${seq} `.padEnd(300, '.') })
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

maybe('store on a disk that fills and frees', () => {
  let disk: Tmpfs
  const copies: string[] = []
  beforeAll(async () => { await cryptoReady(); disk = mountTmpfs(3) })
  afterAll(() => {
    disk?.unmount()
    for (const c of copies) rmSync(c, { recursive: true, force: true })
  })

  it('batches written after LevelDB refused one are still there after a kill -9', async () => {
    const home = join(disk.dir, 'p')
    const friend = Buffer.alloc(32, 7)
    const store = await ProfileStore.create(home, { ...generateKeyPair(), name: 't', nospam: randomBytes(4), status: 'online', statusMessage: '', mailbox: null, createdAt: 1 }, null)
    let seq = 0
    const write = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) { seq++; await store.apply([store.messageOp(friend, seq, msg(seq))]) } }
    await write(20)
    await store.history(friend, 1)
    // Journaled; LevelDB gets it 25 ms later, on a disk filled in between.
    await write(5)
    disk.fill('filler')
    await sleep(200)
    disk.free('filler')
    await write(30)
    expect((await store.history(friend, 1000)).map((m) => m.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1))
    // What a kill -9 leaves: the files as they are now, with the store still open.
    const copy = mkdtempSync(join(tmpdir(), 'psst-killed-'))
    copies.push(copy)
    for (const f of ['db', 'db.journal', 'profile.header']) cpSync(join(home, f), join(copy, f), { recursive: true })
    const again = await ProfileStore.open(copy, null)
    expect((await again.history(friend, 1000)).map((m) => m.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1))
    await again.close()
    await store.close()
  })
})
