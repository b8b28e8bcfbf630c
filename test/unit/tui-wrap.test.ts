import { describe, expect, it } from 'vitest'
import { clipRow, continuationOf, rowText, rowWidth, seg, wrapRow } from '../../src/apps/tui/wrap.js'
import { stringWidth } from '../../src/apps/text/width.js'

const texts = (rows: ReturnType<typeof wrapRow>): string[] => rows.map(rowText)

describe('tui wrap', () => {
  it('breaks at spaces and indents continuation rows', () => {
    const rows = wrapRow([seg('[12:00] '), seg('one two three four five six')], 20, 8)
    expect(texts(rows)).toEqual(['[12:00] one two', '        three four', '        five six'])
  })

  it('breaks a word longer than a line between graphemes', () => {
    const rows = wrapRow([seg('x'.repeat(25))], 10)
    expect(texts(rows)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)])
  })

  it('never makes a row wider than the width with wide characters', () => {
    const text = '你好世界你好世界你好世界 emoji 😀😀😀😀😀😀 e\u0301e\u0301 שלום עולם'
    for (const width of [5, 7, 10, 13, 20]) {
      const rows = wrapRow([seg(text)], width)
      for (const r of rows) expect(rowWidth(r)).toBeLessThanOrEqual(width)
      expect(texts(rows).join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''))
    }
  })

  it('keeps a wide character whole at the edge', () => {
    const rows = wrapRow([seg('ab你好')], 3)
    expect(texts(rows)).toEqual(['ab', '你', '好'])
  })

  it('honours newlines in messages', () => {
    expect(texts(wrapRow([seg('a\nb')], 20, 2))).toEqual(['a', '  b'])
  })

  it('keeps styles per segment and merges equal neighbours', () => {
    const rows = wrapRow([seg('<', 'dim'), seg('bob', 'nick-1'), seg('> ', 'dim'), seg('hi')], 40)
    expect(rows[0].map(s => s.style)).toEqual(['dim', 'nick-1', 'dim', 'plain'])
  })

  it('drops the indent when the width is too small for it', () => {
    const rows = wrapRow([seg('aaaa bbbb cccc')], 12, 8)
    expect(texts(rows)[1].startsWith(' ')).toBe(false)
  })

  it('clips a row to a width without splitting wide characters', () => {
    const r = clipRow([seg('ab'), seg('你好', 'hilight')], 5)
    expect(rowText(r)).toBe('ab你')
    expect(stringWidth(rowText(r))).toBe(4)
  })

  it('a URL never continues on an indented row: a row of its own at column 0, or the rest at column 0', () => {
    const short = 'https://example.com/a/b/c/d'
    const rows = texts(wrapRow([seg('[12:00] <bob> '), seg(`see the page at ${short} now`)], 40, 14))
    expect(rows).toEqual(['[12:00] <bob> see the page at', `${short} now`])
    const long = `https://example.com/${'x'.repeat(70)}`
    const wrapped = wrapRow([seg('[12:00] <bob> '), seg(`look: ${long} ok`)], 40, 14)
    expect(texts(wrapped)).toEqual([
      '[12:00] <bob> look: ' + long.slice(0, 20), long.slice(20, 60), long.slice(60) + ' ok'
    ])
    expect(continuationOf(wrapped[0])).toBe(wrapped[1])
    expect(continuationOf(wrapped[1])).toBe(wrapped[2])
    expect(continuationOf(wrapped[2])).toBeUndefined()
  })
})
