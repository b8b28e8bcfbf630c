import { describe, it, expect } from 'vitest'
import { jsonLine, table, wantColour } from '../../src/apps/cli/text.js'

describe('cli text: jsonLine', () => {
  it('is one line and escapes what JSON.stringify leaves raw', () => {
    const line = jsonLine({ t: 'a\nb\u0085c\u2028d\u001b' })
    expect(line).not.toMatch(/[\n\u0085\u2028\u001b]/)
    expect(JSON.parse(line)).toEqual({ t: 'a\nb\u0085c\u2028d\u001b' })
  })
})

describe('cli text: tables and colours', () => {
  it('aligns columns, leaves no trailing blanks, and paints after padding', () => {
    const lines = table(['NAME', 'KEY'], [['世界', 'aa'], ['bob', { text: 'bb', paint: (s) => `<${s}>` }]])
    expect(lines).toEqual(['NAME  KEY', '世界  aa', 'bob   <bb>'])
    expect(table(['A', 'B'], [['x', '']])[1]).toBe('x')
  })
  it('colours only a terminal that wants it', () => {
    expect(wantColour(true, {})).toBe(true)
    expect(wantColour(false, {})).toBe(false)
    expect(wantColour(undefined, {})).toBe(false)
    expect(wantColour(true, { NO_COLOR: '' })).toBe(false)
    expect(wantColour(true, { TERM: 'dumb' })).toBe(false)
  })
})
