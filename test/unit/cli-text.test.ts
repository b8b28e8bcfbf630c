import { describe, it, expect } from 'vitest'
import { displayWidth, jsonLine, padEnd, sanitize, table, truncate, wantColour } from '../../src/apps/cli/text.js'

describe('cli text: sanitize', () => {
  it('neutralises escape sequences, C1 controls and bidi overrides', () => {
    expect(sanitize('a\u001b[2Jb')).toBe('a\ufffd[2Jb')
    expect(sanitize('x\u009by')).toBe('x\ufffdy')
    expect(sanitize('evil\u202eexe.txt')).toBe('evil\ufffdexe.txt')
    expect(sanitize('bell\u0007')).toBe('bell\ufffd')
  })
  it('keeps the text readable on one line', () => {
    expect(sanitize('one\ntwo\tthree')).toBe('one↵two three')
    expect(sanitize('héllo 世界 👋')).toBe('héllo 世界 👋')
  })
})

describe('cli text: jsonLine', () => {
  it('is one line and escapes what JSON.stringify leaves raw', () => {
    const line = jsonLine({ t: 'a\nb\u0085c\u2028d\u001b' })
    expect(line).not.toMatch(/[\n\u0085\u2028\u001b]/)
    expect(JSON.parse(line)).toEqual({ t: 'a\nb\u0085c\u2028d\u001b' })
  })
})

describe('cli text: widths and tables', () => {
  it('counts wide characters twice and combining marks zero times', () => {
    expect(displayWidth('abc')).toBe(3)
    expect(displayWidth('世界')).toBe(4)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(displayWidth('👋')).toBe(2)
    expect(displayWidth('🇫🇷')).toBe(2)
  })
  it('truncates by columns with an ellipsis', () => {
    expect(truncate('hello', 10)).toBe('hello')
    expect(truncate('hello world', 6)).toBe('hello…')
    expect(displayWidth(truncate('世界世界世界', 5))).toBeLessThanOrEqual(5)
  })
  it('pads by columns', () => {
    expect(padEnd('世', 4)).toBe('世  ')
  })
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
