import { describe, it, expect } from 'vitest'
import { resolveAdmission } from '../../src/relay/admission.js'
import { StrangerLimiter } from '../../src/net/stranger-limiter.js'

const KEY = 'ab'.repeat(32)

describe('relay admission flags', () => {
  it('invite by default (with or without listed keys); open only on request', () => {
    expect(resolveAdmission(undefined)).toEqual({ policy: 'invite', allow: new Set() })
    expect(resolveAdmission('open')).toEqual({ policy: 'open', allow: new Set() })
    expect(resolveAdmission(undefined, [KEY.toUpperCase()])).toEqual({ policy: 'invite', allow: new Set([KEY]) })
    expect(resolveAdmission('invite').policy).toBe('invite')
    expect(resolveAdmission(' Open ', [KEY]).policy).toBe('open')
  })

  it('bad values are usage errors naming the flag', () => {
    expect(() => resolveAdmission('closed')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/--owners/) }))
    expect(() => resolveAdmission(undefined, ['abc'])).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/--allow-owner/) }))
  })
})

describe('stranger admission', () => {
  it('admits every fresh key (no shared budget), one per key per window, and notices a flood', () => {
    const lim = new StrangerLimiter({ perKeyMs: 2000, floodPerWindow: 30, windowMs: 10_000 })
    for (let i = 0; i < 30; i++) expect(lim.admit(`k${i}`, 1000 + i)).toBe(true)
    expect(lim.flooding(1030)).toBe(false)
    for (let i = 30; i < 1000; i++) expect(lim.admit(`k${i}`, 1000 + i)).toBe(true)
    expect(lim.flooding(2000)).toBe(true)
    expect(lim.admit('k999', 2500)).toBe(false)
    expect(lim.admit('k999', 4000)).toBe(true)
    // quiet for a window: no longer a flood
    expect(lim.flooding(15_000)).toBe(false)
  })
})
