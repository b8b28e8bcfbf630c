import { describe, it, expect } from 'vitest'
import { parseSize, parseDuration, resolveLimits, DepositLimiter, DEFAULT_LIMITS } from '../../src/relay/limits.js'

describe('relay limits', () => {
  it('sizes and durations', () => {
    expect(parseSize('64M', '--owner-quota')).toBe(64 * 1024 * 1024)
    expect(parseSize('512k', '--owner-quota')).toBe(512 * 1024)
    expect(parseSize('1.5G', '--disk-cap')).toBe(1.5 * 1024 ** 3)
    expect(parseSize('1000', '--disk-cap')).toBe(1000)
    expect(() => parseSize('lots', '--disk-cap')).toThrow(/--disk-cap takes a size/)
    expect(() => parseSize('0', '--disk-cap')).toThrow(/at least 1 byte/)
    expect(parseDuration('30d', '--retention')).toBe(30 * 86_400_000)
    expect(parseDuration('12h', '--retention')).toBe(12 * 3_600_000)
    expect(parseDuration('7', '--retention')).toBe(7 * 86_400_000)
    expect(() => parseDuration('soon', '--retention')).toThrow(/--retention takes a time/)
    expect(() => parseDuration('10ms', '--retention')).toThrow(/at least 1s/)
  })

  it('resolves flags over the defaults; errors name the flag and are usage errors', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
    const l = resolveLimits({ ownerBytes: '1M', depositsPerMinute: '30', retentionMs: '2d', diskBytes: 5000, maxOwners: undefined })
    expect(l).toEqual({ ...DEFAULT_LIMITS, ownerBytes: 1024 ** 2, depositsPerMinute: 30, retentionMs: 2 * 86_400_000, diskBytes: 5000 })
    try {
      resolveLimits({ depositsPerMinute: 'many' })
      expect.unreachable()
    } catch (err) {
      expect((err as { code: string }).code).toBe('USAGE')
      expect((err as Error).message).toMatch(/--deposit-rate/)
    }
    expect(() => resolveLimits({ maxOwners: -1 })).toThrow(/--max-owners/)
  })

  it('token bucket per key: a minute\'s burst passes, then the steady rate', () => {
    const lim = new DepositLimiter(60)
    let t = 1_000_000
    let ok = 0
    for (let i = 0; i < 100; i++) if (lim.take('flood', t) === 0) ok++
    expect(ok).toBe(60)
    const wait = lim.take('flood', t)
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(1000)
    expect(lim.take('other', t)).toBe(0)
    t += 1000
    expect(lim.take('flood', t)).toBe(0)
    expect(lim.take('flood', t)).toBeGreaterThan(0)
  })

  it('forgets keys idle for a minute (memory follows active keys)', () => {
    const lim = new DepositLimiter(10)
    for (let i = 0; i < 1000; i++) lim.take(`k${i}`, 0)
    expect(lim.size).toBe(1000)
    lim.take('late', 120_000)
    expect(lim.size).toBe(1)
  })
})
