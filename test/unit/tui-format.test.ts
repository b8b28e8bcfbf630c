import { describe, expect, it } from 'vitest'
import {
  ASCII_GLYPHS, UNICODE_GLYPHS, deliveryMark, displayName, formatClock, formatMessage, glyphsForEnv, nickColour, NICK_COLOURS
} from '../../src/apps/tui/format.js'
import { rowText } from '../../src/apps/tui/wrap.js'

describe('tui format', () => {
  it('formats [HH:MM] in local time', () => {
    expect(formatClock(new Date(2024, 0, 2, 9, 5).getTime())).toBe('09:05')
    expect(formatClock(new Date(2024, 0, 2, 23, 59).getTime())).toBe('23:59')
  })

  it('gives each key a stable nick colour', () => {
    const key = 'ab'.repeat(32)
    expect(nickColour(key)).toBe(nickColour(key))
    const colours = new Set(Array.from({ length: 200 }, (_, i) => nickColour(i.toString(16).padStart(64, '0'))))
    expect(colours.size).toBe(NICK_COLOURS)
  })

  it('shows delivery marks with ASCII fallbacks', () => {
    expect(deliveryMark('queued', UNICODE_GLYPHS).text).toBe('·')
    expect(deliveryMark('sent', UNICODE_GLYPHS).text).toBe('✓')
    expect(deliveryMark('delivered', UNICODE_GLYPHS).text).toBe('✓✓')
    expect(['queued', 'sent', 'delivered'].map(s => deliveryMark(s as never, ASCII_GLYPHS).text)).toEqual(['~', '+', '++'])
    expect(glyphsForEnv({ LANG: 'C' })).toBe(ASCII_GLYPHS)
    expect(glyphsForEnv({ LANG: 'en_US.UTF-8' })).toBe(UNICODE_GLYPHS)
    expect(glyphsForEnv({ LANG: 'en_US.UTF-8', PSST_ASCII: '1' })).toBe(ASCII_GLYPHS)
  })

  it('formats messages irssi-style with the mark on my own lines only', () => {
    const at = new Date(2024, 0, 2, 12, 34).getTime()
    const mine = formatMessage({ from: 'me', name: 'me', text: 'hi', action: false, sentAt: at, state: 'sent' }, UNICODE_GLYPHS)
    expect(rowText(mine.row)).toBe('[12:34] <me> hi ✓')
    expect(mine.indent).toBe(13)
    const copy = formatMessage({ from: 'me', name: 'me', text: 'hi', action: false, sentAt: at, state: 'delivered', elsewhere: true }, UNICODE_GLYPHS)
    expect(copy.row.map((x) => x.text).join('')).toMatch(/hi ✓✓ \(sent from your other device\)$/)
    const theirs = formatMessage({ from: 'ab'.repeat(32), name: 'bob', text: 'waves', action: true, sentAt: at, state: 'delivered' }, UNICODE_GLYPHS)
    expect(rowText(theirs.row)).toBe('[12:34]  * bob waves')
  })

  it('makes peer names safe and short', () => {
    expect(displayName('\x1b[2Jevil\u202e', 'ab'.repeat(32))).toBe('[2Jevil')
    expect(displayName('  ', 'abcdef0123456789')).toBe('abcdef01')
    expect(displayName('x'.repeat(40), 'k')).toHaveLength(24)
  })
})
