import { describe, it, expect } from 'vitest'
import { WriteQueue } from '../../src/storage/write-queue.js'
import type { Op } from '../../src/storage/level-store.js'
import type { StoreOp } from '../../src/storage/profile-store.js'

const put = (k: string): Op => ({ type: 'put', sub: 'messages', key: Buffer.from(k), value: Buffer.from('v') })
const keys = (ops: StoreOp[]): string[] => ops.map((o) => o.type === 'message' ? `message ${o.index}` : o.key.toString())
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

function recorder (delayMs = 0): { batches: string[][], q: WriteQueue } {
  const batches: string[][] = []
  const q = new WriteQueue(async (ops) => {
    batches.push(keys(ops))
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
  })
  return { batches, q }
}

describe('write queue (group commit)', () => {
  it('gathers everything pushed in one turn into one batch, in order, then runs the callbacks', async () => {
    const { batches, q } = recorder()
    const done: string[] = []
    q.push([put('a')], () => done.push('a'))
    q.push([put('b'), put('c')], () => done.push('bc'))
    await q.flushed()
    expect(batches).toEqual([['a', 'b', 'c']])
    expect(done).toEqual(['a', 'bc'])
  })

  it('ops queued while a batch is on its way go together in the next one', async () => {
    const { batches, q } = recorder(20)
    q.push([put('1')])
    await tick()
    q.push([put('2')])
    q.push([put('3')])
    await q.flushed()
    expect(batches).toEqual([['1'], ['2', '3']])
  })

  it('a deferred op rides with the next batch, ahead of its ops', async () => {
    const { batches, q } = recorder()
    q.defer([put('receipt')])
    await tick()
    expect(batches).toEqual([])
    q.push([put('message')])
    await q.flushed()
    expect(batches).toEqual([['receipt', 'message']])
  })

  it('a deferred op with no company is written alone within a short while', async () => {
    const { batches, q } = recorder()
    q.defer([put('receipt')])
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(batches).toEqual([['receipt']])
  })

  it('flushed() writes deferred ops at once (shutdown loses nothing)', async () => {
    const { batches, q } = recorder()
    q.defer([put('x')])
    await q.flushed()
    expect(batches).toEqual([['x']])
  })

  it('a failed batch calls the failure callbacks, not the success ones', async () => {
    const q = new WriteQueue(async () => { throw new Error('disk full') })
    const seen: string[] = []
    q.push([put('a')], () => seen.push('ok'), (err) => seen.push(err.message))
    await q.flushed()
    expect(seen).toEqual(['disk full'])
  })
})

describe('write queue after a failed batch', () => {
  it('fails what queued behind it, refuses new writes until resume(), keeps deferred bookkeeping', async () => {
    let fail = true
    const batches: string[][] = []
    const seen: string[] = []
    let failures = 0
    const q = new WriteQueue(async (ops) => {
      if (fail) throw new Error('disk full')
      batches.push(keys(ops))
    }, { failed: () => failures++ })
    q.defer([put('receipt')])
    q.push([put('a')], () => seen.push('a ok'), () => seen.push('a failed'))
    // Queued while the first batch is on its way: it was decided assuming 'a' is stored.
    await Promise.resolve()
    q.push([put('b')], () => seen.push('b ok'), () => seen.push('b failed'))
    await q.flushed()
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['a failed', 'b failed'])
    expect(failures).toBe(1)
    expect(q.refusing?.message).toBe('disk full')
    q.push([put('c')], () => seen.push('c ok'), () => seen.push('c failed'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toEqual(['a failed', 'b failed', 'c failed'])
    expect(batches).toEqual([])
    fail = false
    q.resume()
    q.push([put('d')], () => seen.push('d ok'))
    await q.flushed()
    expect(seen.at(-1)).toBe('d ok')
    expect(batches.flat()).toEqual(['receipt', 'd'])
  })
})
