import { describe, expect, it } from 'vitest'
import { guardFirewall } from '../../src/net/guard-firewall.js'
import { keepOnDuplicate } from '../../src/net/peer-stream.js'
import { loopbackHostFor } from '../../src/net/testnet.js'

const key = (b: number): Buffer => Buffer.alloc(32, b)

describe('guardFirewall (true = reject)', () => {
  it.each([
    ['false admits', () => false, false],
    ['true rejects', () => true, true],
    ['a TypeError rejects', (pk: Buffer) => (pk as unknown as { a: { b: number } }).a.b === 1, true],
    ['a non-boolean rejects', () => undefined as unknown as boolean, true]
  ])('%s', (_name, fn, expected) => {
    expect(guardFirewall(fn)(key(1))).toBe(expected)
  })

  it('rejects a key that is not 32 bytes without calling the function', () => {
    let called = false
    const fw = guardFirewall(() => { called = true; return false })
    expect(fw(Buffer.alloc(31))).toBe(true)
    expect(fw('x'.repeat(32))).toBe(true)
    expect(fw(null)).toBe(true)
    expect(called).toBe(false)
  })

  it('handles async verdicts, a rejected promise rejects', async () => {
    await expect(guardFirewall(async () => false)(key(1))).resolves.toBe(false)
    await expect(guardFirewall(async () => true)(key(1))).resolves.toBe(true)
    await expect(guardFirewall(async () => { throw new TypeError('x') })(key(1))).resolves.toBe(true)
  })
})

describe('keepOnDuplicate: keep the stream initiated by the smaller key', () => {
  const small = key(1)
  const big = key(2)
  it.each([
    ['small side, own outgoing', small, { isInitiator: true, remotePublicKey: big }, true],
    ['small side, incoming from big', small, { isInitiator: false, remotePublicKey: big }, false],
    ['big side, own outgoing', big, { isInitiator: true, remotePublicKey: small }, false],
    ['big side, incoming from small', big, { isInitiator: false, remotePublicKey: small }, true]
  ])('%s', (_name, local, stream, expected) => {
    expect(keepOnDuplicate(local, stream)).toBe(expected)
  })
})

describe('loopbackHostFor', () => {
  it('is deterministic, in 127.0.0.2–254', () => {
    for (const seed of ['a.test.ts', 'b.test.ts', 0, 1, 252, 253, 1e6, -5, 0.5, '']) {
      const host = loopbackHostFor(seed)
      expect(host).toBe(loopbackHostFor(seed))
      const n = Number(host.split('.')[3])
      expect(host.startsWith('127.0.0.')).toBe(true)
      expect(n).toBeGreaterThanOrEqual(2)
      expect(n).toBeLessThanOrEqual(254)
    }
  })

  it('gives consecutive integers distinct hosts', () => {
    const hosts = new Set(Array.from({ length: 253 }, (_, i) => loopbackHostFor(i)))
    expect(hosts.size).toBe(253)
  })

  it('spreads names', () => {
    const hosts = new Set(Array.from({ length: 50 }, (_, i) => loopbackHostFor(`test/integration/f${i}.test.ts`)))
    expect(hosts.size).toBeGreaterThan(40)
  })
})
