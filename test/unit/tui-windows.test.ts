import { describe, expect, it } from 'vitest'
import { WindowList } from '../../src/apps/tui/windows.js'

describe('tui window list', () => {
  it('starts with home as window 1 and opens windows without switching', () => {
    const w = new WindowList()
    expect(w.active.kind).toBe('home')
    const a = w.open('friend', 'aa')
    expect(w.open('friend', 'aa')).toBe(a)
    expect(w.numberOf(a)).toBe(2)
    expect(w.activeNumber).toBe(1)
  })

  it('switches by number, next and previous, wrapping around', () => {
    const w = new WindowList()
    w.open('friend', 'aa'); w.open('friend', 'bb')
    expect(w.switchTo(3)?.kind).toBe('home')
    expect(w.active.key).toBe('bb')
    expect(w.switchTo(3)).toBeNull() // already there
    expect(w.switchTo(9)).toBeNull() // no such window
    w.next()
    expect(w.active.key).toBe('home')
    w.prev()
    expect(w.active.key).toBe('bb')
    w.prev()
    expect(w.active.key).toBe('aa')
  })

  it('collects activity only in windows not shown, and clears it when viewed', () => {
    const w = new WindowList()
    const a = w.open('friend', 'aa')
    const b = w.open('friend', 'bb')
    w.bump(a, 3); w.bump(b, 1); w.bump(b, 2); w.bump(w.home, 3)
    expect(w.activityList()).toEqual([{ number: 2, level: 3 }, { number: 3, level: 2 }])
    w.bump(b, 1) // never lowers
    expect(b.activity).toBe(2)
    w.switchTo(2)
    expect(w.activityList()).toEqual([{ number: 3, level: 2 }])
  })

  it('closes windows (never home), returns to the window shown before, and renumbers', () => {
    const w = new WindowList()
    const a = w.open('friend', 'aa')
    const b = w.open('friend', 'bb')
    w.switchTo(2)
    w.switchTo(3)
    expect(w.close(w.home)).toBe(false)
    expect(w.close(b)).toBe(true)
    expect(w.active).toBe(a)
    w.open('friend', 'cc')
    w.switchTo(1)
    expect(w.close(a)).toBe(true)
    expect(w.active.kind).toBe('home')
    expect(w.numberOf(w.find('cc')!)).toBe(2)
  })
})
