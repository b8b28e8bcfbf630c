import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DEMO_HOSTS } from '../../src/apps/demo/demo.js'

/**
 * Every integration file runs its hyperdht network on its own 127.0.0.N (docs/design.md, Network basics: networks on
 * one address cross-talk when vitest runs files in parallel). This finds each file's numbers and
 * fails on a number used by two files, or one in the demo's range (src/apps/demo/demo.ts).
 */
const DIR = resolve(import.meta.dirname, '..', 'integration')
const PATTERNS = [/TestNet\.start\((\d+)\)/g, /TestNet\.pair\((\d+)\)/g, /testHost\((\d+)\)/g, /HOST_NUMBER = (\d+)/g]

describe('test network addresses', () => {
  it('are distinct per integration file and outside the demo range', () => {
    const owner = new Map<number, string>()
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(DIR, file), 'utf8')
      expect(text, `${file} must not hash a file name into an address`).not.toMatch(/loopbackHostFor\(/)
      const numbers = new Set<number>()
      for (const re of PATTERNS) for (const m of text.matchAll(re)) numbers.add(Number(m[1]))
      for (const n of numbers) {
        expect(owner.get(n), `127.0.0.${n} is used by ${owner.get(n)} and ${file}`).toBeUndefined()
        expect(n < DEMO_HOSTS[0] || n > DEMO_HOSTS[1], `127.0.0.${n} (${file}) is in the demo's range`).toBe(true)
        owner.set(n, file)
      }
    }
    expect(owner.size).toBeGreaterThan(8)
  })
})
