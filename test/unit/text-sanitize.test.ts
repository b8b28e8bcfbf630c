import { describe, it, expect } from 'vitest'
import { sanitize, sanitizeLine, stripControls } from '../../src/apps/text/sanitize.js'

/** One set of unsafe characters for both apps; the TUI drops them, the CLI's lines mark them. */
const HOSTILE = [
  '\u001b[2J', // clear screen
  '\u009b31m', // C1 CSI
  '\u0007', // bell
  '\u007f', // DEL
  '\u202e', // right-to-left override
  '\u2066', // left-to-right isolate
  '\u200f', // right-to-left mark
  '\u061c' // Arabic letter mark
]

describe('sanitize (TUI: drop)', () => {
  it('strips control and bidi characters from untrusted text', () => {
    expect(sanitize('a\x1b[31mred\x07')).toBe('a[31mred')
    expect(sanitize('evil\u202Eexe.txt')).toBe('evilexe.txt')
    expect(sanitize('\u0085c1')).toBe('c1')
    for (const h of HOSTILE) expect(sanitize(`x${h}y`)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/)
  })

  it('keeps lines and text readable', () => {
    expect(sanitize('two\nlines', true)).toBe('two lines')
    expect(sanitize('two\r\nlines')).toBe('two\nlines')
    expect(sanitize('old\rmac')).toBe('old\nmac')
    expect(sanitize('tab\there')).toBe('tab    here')
    expect(sanitize('para\u2028sep')).toBe('parasep')
    expect(sanitize('héllo 世界 👋 e\u0301 👨‍👩‍👧')).toBe('héllo 世界 👋 e\u0301 👨‍👩‍👧')
  })
})

describe('sanitizeLine (CLI: one line that shows what was there)', () => {
  it('neutralises escape sequences, C1 controls and bidi overrides', () => {
    expect(sanitizeLine('a\u001b[2Jb')).toBe('a\ufffd[2Jb')
    expect(sanitizeLine('x\u009by')).toBe('x\ufffdy')
    expect(sanitizeLine('evil\u202eexe.txt')).toBe('evil\ufffdexe.txt')
    expect(sanitizeLine('bell\u0007')).toBe('bell\ufffd')
    for (const h of HOSTILE) expect(sanitizeLine(`x${h}y`)).toMatch(/^x\ufffd/)
  })

  it('keeps the text readable on one line', () => {
    expect(sanitizeLine('one\ntwo\tthree')).toBe('one↵two three')
    expect(sanitizeLine('a\r\nb\rc\u2028d')).toBe('a↵b↵c↵d')
    expect(sanitizeLine('héllo 世界 👋')).toBe('héllo 世界 👋')
  })
})

describe('stripControls (the screen painter\'s last guard)', () => {
  it('drops C0 and C1 controls and keeps the rest', () => {
    expect(stripControls('a\u001b[0mb\u0085c\u202ed')).toBe('a[0mbc\u202ed')
  })
})
