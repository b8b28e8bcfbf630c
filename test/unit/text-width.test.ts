import { describe, expect, it } from 'vitest'
import { codePointWidth, graphemes, padEnd, sliceToWidth, stringWidth, truncate } from '../../src/apps/text/width.js'

/** The one width measure of the CLI's tables and the TUI's screen. */
describe('text width', () => {
  it('counts ASCII and Latin as 1', () => {
    expect(stringWidth('hello')).toBe(5)
    expect(stringWidth('wörld')).toBe(5)
    expect(stringWidth('')).toBe(0)
  })

  it('counts East Asian wide and fullwidth as 2', () => {
    expect(stringWidth('你好')).toBe(4)
    expect(stringWidth('こんにちは')).toBe(10)
    expect(stringWidth('한국어')).toBe(6)
    expect(stringWidth('Ａ')).toBe(2) // fullwidth A
    expect(stringWidth('\u3000')).toBe(2) // ideographic space
    expect(stringWidth('𠀀')).toBe(2) // CJK extension B (astral)
  })

  it('counts emoji as 2, joined sequences and flags as one wide cell (as tmux)', () => {
    expect(stringWidth('😀')).toBe(2)
    expect(stringWidth('⌚')).toBe(2)
    expect(stringWidth('👨‍👩‍👧')).toBe(2)
    expect(stringWidth('❤️‍🔥')).toBe(1)
    expect(stringWidth('🇩🇪')).toBe(2)
    expect(stringWidth('\u{1F1E6}')).toBe(1)
    expect(stringWidth('👍🏽')).toBe(4)
    expect(stringWidth('❤️')).toBe(1)
    expect(stringWidth('☺')).toBe(1)
  })

  it('counts combining marks and format characters as 0', () => {
    expect(stringWidth('e\u0301')).toBe(1)
    expect(stringWidth('a\u0301\u0302b')).toBe(2)
    expect(stringWidth('a\u200bb')).toBe(2) // zero-width space
    expect(stringWidth('\u1100\u1161')).toBe(2) // Hangul jamo L+V
    expect(codePointWidth(0x0301)).toBe(0)
    expect(codePointWidth(0xfe0f)).toBe(0)
    expect(codePointWidth(0xad)).toBe(1) // soft hyphen, as wcwidth
  })

  it('counts right-to-left letters as 1 each', () => {
    expect(stringWidth('שלום')).toBe(4)
    expect(stringWidth('سلام')).toBe(4)
    expect(stringWidth('مرحبا بك')).toBe(8)
  })

  it('splits into grapheme clusters', () => {
    expect(graphemes('ae\u0301👨‍👩‍👧🇩🇪')).toEqual(['a', 'e\u0301', '👨‍👩‍👧', '🇩🇪'])
  })

  it('slices by width without splitting a wide character or a cluster', () => {
    expect(sliceToWidth('ab你好', 3)).toEqual({ text: 'ab', width: 2 })
    expect(sliceToWidth('ab你好', 4)).toEqual({ text: 'ab你', width: 4 })
    expect(sliceToWidth('e\u0301e\u0301', 1)).toEqual({ text: 'e\u0301', width: 1 })
    expect(truncate('hello world', 8)).toBe('hello w…')
    expect(truncate('你好你好', 5)).toBe('你好…')
    expect(stringWidth(truncate('你好你好', 5))).toBeLessThanOrEqual(5)
    expect(padEnd('你', 4)).toBe('你  ')
    expect(padEnd('hello', 3)).toBe('hel')
  })
})
