import { afterEach, describe, expect, it, vi } from 'vitest'
import { InputLine, clusterAt } from '../../src/apps/tui/input-line.js'
import { graphemes } from '../../src/apps/text/width.js'

/** Code units handed to Intl.Segmenter while `fn` runs: the work grapheme segmentation costs. */
function segmented (fn: () => void): number {
  let units = 0
  const real = Intl.Segmenter.prototype.segment
  const spy = vi.spyOn(Intl.Segmenter.prototype, 'segment').mockImplementation(function (this: Intl.Segmenter, input: string) {
    units += input.length
    return real.call(this, input)
  })
  try { fn() } finally { spy.mockRestore() }
  return units
}

function typed (text: string): InputLine {
  const l = new InputLine()
  // blessed hands astral characters over as two surrogate halves: feed them the same way
  for (const unit of text.split('')) l.insert(unit)
  return l
}

describe('tui input line', () => {
  it('inserts at the cursor and moves by grapheme', () => {
    const l = typed('a你👋e\u0301z')
    expect(l.text).toBe('a你👋e\u0301z')
    l.left() // before z
    l.left() // before é (one step over base + combining mark)
    expect(l.text.slice(l.cursor)).toBe('e\u0301z')
    l.left() // before 👋 (one step over the surrogate pair)
    expect(l.text.slice(l.cursor)).toBe('👋e\u0301z')
    l.insert('!')
    expect(l.text).toBe('a你!👋e\u0301z')
  })

  it('backspace and delete remove whole graphemes', () => {
    const l = typed('x🇩🇪e\u0301')
    l.backspace()
    expect(l.text).toBe('x🇩🇪')
    l.backspace()
    expect(l.text).toBe('x')
    l.home()
    l.deleteForward()
    expect(l.text).toBe('')
  })

  it('Ctrl+A/E/U/K edit like readline', () => {
    const l = typed('hello world')
    l.home(); l.right(); l.right()
    l.killToEnd()
    expect(l.text).toBe('he')
    l.end(); l.insert('y there'); l.left(); l.left()
    l.killToStart()
    expect(l.text).toBe('re')
    expect(l.cursor).toBe(0)
    l.end(); l.yank()
    expect(l.text).toBe('rehey the')
  })

  it('Ctrl+W kills the word before the cursor across multibyte text', () => {
    const l = typed('say 你好世界 👋🏽 ok  ')
    l.killWordBack()
    expect(l.text).toBe('say 你好世界 👋🏽 ')
    l.killWordBack()
    expect(l.text).toBe('say 你好世界 ')
    l.killWordBack()
    expect(l.text).toBe('say ')
    l.killWordBack()
    expect(l.text).toBe('')
  })

  it('Alt+B/F/D move and kill by word', () => {
    const l = typed('one two three')
    l.wordLeft()
    expect(l.text.slice(l.cursor)).toBe('three')
    l.wordLeft(); l.killWordForward()
    expect(l.text).toBe('one  three')
    l.home(); l.wordRight()
    expect(l.cursor).toBe(3)
  })

  it('history: Up/Down walk it and keep the draft', () => {
    const l = new InputLine()
    l.insert('first'); expect(l.submit()).toBe('first')
    l.insert('second'); l.submit()
    l.insert('second'); l.submit() // a repeat is stored once
    l.insert('draft')
    l.historyUp()
    expect(l.text).toBe('second')
    l.historyUp()
    expect(l.text).toBe('first')
    l.historyUp()
    expect(l.text).toBe('first')
    l.historyDown(); l.historyDown()
    expect(l.text).toBe('draft')
    expect(l.history).toEqual(['first', 'second'])
  })

  it('view scrolls horizontally to keep the cursor visible, by display width', () => {
    const l = typed('你好'.repeat(10)) // 40 columns
    const v = l.view(11)
    expect(v.cursorCol).toBeLessThanOrEqual(10)
    expect(l.text.endsWith(v.text)).toBe(true)
    l.home()
    const h = l.view(11)
    expect(h.cursorCol).toBe(0)
    expect(h.text.startsWith('你好')).toBe(true)
  })

  it('a 64 KiB paste is one insertion: no re-segmentation of the whole line per character or per view', () => {
    const line = 'paste 👋🏽 e\u0301 你好 https://example.com/a/b?c=d\n'
    const text = line.repeat(Math.ceil(65536 / line.length)).slice(0, 65536)
    const l = new InputLine()
    l.insert('before ')
    const work = segmented(() => {
      l.insert(text)
      l.view(80)
      for (const ch of 'and more') { l.insert(ch); l.view(80) }
      l.home(); l.view(80); l.end(); l.view(80)
      for (let i = 0; i < 20; i++) { l.left(); l.backspace(); l.view(80) }
    })
    expect(l.text.startsWith('before paste 👋🏽')).toBe(true)
    expect(l.text.length).toBeGreaterThan(65536 - 40)
    // the old line re-segmented everything on each key: millions of code units; now a few windows
    expect(work).toBeLessThan(20_000)
  })

  it('typing in the middle of a long line costs the same per key as in a short one', () => {
    const l = new InputLine()
    l.insert('x'.repeat(30_000) + 'é👋'.repeat(5000))
    for (let i = 0; i < 3000; i++) l.left()
    const work = segmented(() => { for (let i = 0; i < 500; i++) { l.insert('ab'[i % 2]); l.view(100) } })
    expect(work / 500).toBeLessThan(2_000)
  })

  it('cluster boundaries found locally match segmenting the whole text', () => {
    const text = 'a🇩🇪🇫🇷e\u0301\n👨‍👩‍👧 x你' + '\u0915\u094d\u0937' + '🇩🇪'.repeat(3) + 'z'
    const starts: number[] = []
    let at = 0
    for (const g of graphemes(text)) { starts.push(at); at += g.length }
    for (let i = 0; i < text.length; i++) {
      const s = starts.filter(x => x <= i).pop() as number
      const e = starts.find(x => x > i) ?? text.length
      expect(clusterAt(text, i), `at ${i}`).toEqual([s, e])
    }
  })

  it('a pasted line break stays in the text and shows as one glyph', () => {
    const l = new InputLine()
    l.insert('one\ntwo')
    expect(l.text).toBe('one\ntwo')
    expect(l.lineCount).toBe(2)
    expect(l.view(40, '↵')).toEqual({ text: 'one↵two', cursorCol: 7 })
    l.backspace(); l.backspace(); l.backspace(); l.backspace()
    expect(l.text).toBe('one')
    expect(l.lineCount).toBe(1)
  })
})
