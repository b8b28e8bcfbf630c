import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RelayStore } from '../../src/relay/store.js'

const A = Buffer.alloc(32, 0xa)
const B = Buffer.alloc(32, 0xb)
const env = (n: number, size = 10): Buffer => Buffer.alloc(size, n)
const fakeKey = () => ({ publicKey: Buffer.alloc(32, 7), secretKey: Buffer.concat([Buffer.alloc(32, 1), Buffer.alloc(32, 7)]) })

describe('relay store', () => {
  let home: string
  let store: RelayStore

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'psst-relay-store-'))
    store = await RelayStore.open(home)
  })
  afterEach(async () => {
    await store.close().catch(() => {})
    rmSync(home, { recursive: true, force: true })
  })

  it('keeps its key pair across opens and refuses a second opener', async () => {
    const kp = await store.keyPair(fakeKey)
    expect(kp.publicKey.equals(Buffer.alloc(32, 7))).toBe(true)
    await expect(RelayStore.open(home)).rejects.toMatchObject({ code: 'PROFILE_IN_USE' })
    await store.close()
    store = await RelayStore.open(home)
    const again = await store.keyPair(() => { throw new Error('must not generate again') })
    expect(again.secretKey.equals(kp.secretKey)).toBe(true)
  })

  it('holds per owner in deposit order, pages, deletes only the owner\'s own, and accounts bytes', async () => {
    await store.register(A, 1)
    await store.register(B, 1)
    const ids: number[] = []
    for (let i = 0; i < 10; i++) ids.push(await store.put(i % 2 === 0 ? A : B, env(i, 100), 1000 + i))
    expect(store.usage(A)).toEqual({ count: 5, bytes: 500 })
    expect([store.held, store.bytes]).toEqual([10, 1000])
    const p1 = await store.page(A, 0, 3, 1 << 20)
    expect(p1.items.map((x) => x.envelope[0])).toEqual([0, 2, 4])
    expect(p1.more).toBe(true)
    const p2 = await store.page(A, p1.items[2].id, 3, 1 << 20)
    expect(p2.items.map((x) => x.envelope[0])).toEqual([6, 8])
    expect(p2.more).toBe(false)
    // maxBytes stops a page early, but never below one item.
    expect((await store.page(A, 0, 10, 150)).items.length).toBe(1)
    expect((await store.page(A, 0, 10, 1)).items.length).toBe(1)
    expect(await store.delete(B, p1.items.map((x) => x.id))).toBe(0)
    expect(await store.delete(A, [...p1.items.map((x) => x.id), p1.items[0].id, -1, 2 ** 60])).toBe(3)
    expect(store.usage(A)).toEqual({ count: 2, bytes: 200 })
    expect([store.held, store.bytes]).toEqual([7, 700])
  })

  it('rebuilds its accounting on reopen, and new ids continue after the old ones', async () => {
    await store.register(A, 1)
    const first = await store.put(A, env(1, 50), 5)
    await store.put(A, env(2, 70), 6)
    await store.close()
    store = await RelayStore.open(home)
    expect(store.isOwner(A)).toBe(true)
    expect(store.usage(A)).toEqual({ count: 2, bytes: 120 })
    expect(await store.put(A, env(3), 7)).toBeGreaterThan(first + 1)
  })

  it('expires in deposit order up to the cutoff', async () => {
    await store.register(A, 1)
    for (let i = 0; i < 5; i++) await store.put(A, env(i), 100 * (i + 1))
    expect(await store.expire(250)).toBe(2)
    expect((await store.page(A, 0, 10, 1 << 20)).items.map((x) => x.at)).toEqual([300, 400, 500])
    expect(store.usage(A).count).toBe(3)
  })

  it('unregister drops the owner and its mail', async () => {
    await store.register(A, 1)
    await store.put(A, env(1), 1)
    await store.unregister(A)
    expect(store.isOwner(A)).toBe(false)
    expect([store.held, store.bytes, store.owners.size]).toEqual([0, 0, 0])
    await store.close()
    store = await RelayStore.open(home)
    expect([store.held, store.owners.size]).toEqual([0, 0])
  })
})
