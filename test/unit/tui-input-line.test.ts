import { describe, expect, it } from 'vitest'
import { InputLine } from '../../src/apps/tui/input-line.js'

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
})
