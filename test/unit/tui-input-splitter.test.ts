import { describe, expect, it } from 'vitest'
import { InputSplitter, PASTE_END, PASTE_START, cleanPaste } from '../../src/apps/tui/input-splitter.js'

describe('tui input splitter', () => {
  it('single keys and escape sequences go to blessed; runs of text come as one piece', () => {
    const s = new InputSplitter()
    expect(s.feed('a')).toEqual([{ kind: 'keys', data: 'a' }])
    expect(s.feed('\x1b[A')).toEqual([{ kind: 'keys', data: '\x1b[A' }])
    expect(s.feed('\x1b1')).toEqual([{ kind: 'keys', data: '\x1b1' }])
    expect(s.feed('hello wörld 👋\r')).toEqual([{ kind: 'text', text: 'hello wörld 👋' }, { kind: 'keys', data: '\r' }])
    expect(s.feed('\x1bOAab\x7f')).toEqual([{ kind: 'keys', data: '\x1bOA' }, { kind: 'text', text: 'ab' }, { kind: 'keys', data: '\x7f' }])
  })

  it('Alt+Enter in its usual encodings is a newline', () => {
    const s = new InputSplitter()
    for (const seq of ['\x1b\r', '\x1b\n', '\x1b[13;3u', '\x1b[27;3;13~']) {
      expect(s.feed(`ab${seq}cd`)).toEqual([{ kind: 'text', text: 'ab' }, { kind: 'newline' }, { kind: 'text', text: 'cd' }])
    }
  })

  it('a bracketed paste is one piece with its line breaks, even when reads cut its markers', () => {
    const s = new InputSplitter()
    const body = 'line one\r\nline two\rline three\n'
    const all = `x${PASTE_START}${body}${PASTE_END}\r`
    const out = []
    for (let i = 0; i < all.length; i += 3) out.push(...s.feed(all.slice(i, i + 3)))
    expect(out).toEqual([
      { kind: 'keys', data: 'x' },
      { kind: 'paste', text: 'line one\nline two\nline three' },
      { kind: 'keys', data: '\r' }
    ])
    expect(s.pasting).toBe(false)
  })

  it('a paste whose end marker never comes ends at flush; a lone Escape is not held back', () => {
    const s = new InputSplitter()
    expect(s.feed(`${PASTE_START}half a paste`)).toEqual([])
    expect(s.pasting).toBe(true)
    expect(s.flush()).toEqual([{ kind: 'paste', text: 'half a paste' }])
    expect(s.feed('\x1b')).toEqual([{ kind: 'keys', data: '\x1b' }])
  })

  it('pasted control characters and colour codes are dropped, tabs and line breaks kept', () => {
    expect(cleanPaste('a\x1b[31mred\x1b[0m\tb\x07\x00c\r\n\n')).toBe('ared\tbc')
  })
})
