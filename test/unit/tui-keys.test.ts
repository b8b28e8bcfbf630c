import { describe, expect, it } from 'vitest'
import { KeyMap } from '../../src/apps/tui/keys.js'

const k = (full: string, extra: Record<string, unknown> = {}): { full: string, name: string } => ({ full, name: full, ...extra })

describe('tui keys', () => {
  it('maps Emacs editing keys', () => {
    const m = new KeyMap()
    expect(m.decode(undefined, k('C-a'), 0)).toEqual({ type: 'edit', op: 'home' })
    expect(m.decode(undefined, k('C-e'), 0)).toEqual({ type: 'edit', op: 'end' })
    expect(m.decode(undefined, k('C-u'), 0)).toEqual({ type: 'edit', op: 'killToStart' })
    expect(m.decode(undefined, k('C-w'), 0)).toEqual({ type: 'edit', op: 'killWordBack' })
    expect(m.decode(undefined, k('C-k'), 0)).toEqual({ type: 'edit', op: 'killToEnd' })
    expect(m.decode(undefined, k('backspace'), 0)).toEqual({ type: 'edit', op: 'backspace' })
    expect(m.decode(undefined, k('delete'), 0)).toEqual({ type: 'edit', op: 'delete' })
  })

  it('switches windows with Alt+digit, and Esc then digit within a second', () => {
    const m = new KeyMap()
    expect(m.decode('3', { full: 'M-3', name: '3', meta: true }, 0)).toEqual({ type: 'window', n: 3 })
    expect(m.decode('0', { full: 'M-0', name: '0', meta: true }, 0)).toEqual({ type: 'window', n: 10 })
    expect(m.decode(undefined, k('escape'), 1000)).toEqual({ type: 'none' })
    expect(m.decode('2', k('2'), 1500)).toEqual({ type: 'window', n: 2 })
    expect(m.decode('2', k('2'), 1600)).toEqual({ type: 'insert', text: '2' })
    m.decode(undefined, k('escape'), 5000)
    expect(m.decode('2', k('2'), 7000)).toEqual({ type: 'insert', text: '2' })
    expect(m.decode(undefined, k('C-n'), 0)).toEqual({ type: 'next-window' })
    expect(m.decode(undefined, k('C-p'), 0)).toEqual({ type: 'prev-window' })
  })

  it('submits once per Enter although blessed reports it twice', () => {
    const m = new KeyMap()
    expect(m.decode('\r', k('enter'), 0)).toEqual({ type: 'none' })
    expect(m.decode('\r', k('return'), 0)).toEqual({ type: 'submit' })
  })

  it('inserts printable characters, including surrogate halves, and ignores controls', () => {
    const m = new KeyMap()
    expect(m.decode('A', { full: 'S-a', name: 'a', shift: true } as never, 0)).toEqual({ type: 'insert', text: 'A' })
    expect(m.decode(' ', k('space'), 0)).toEqual({ type: 'insert', text: ' ' })
    expect(m.decode('你', { full: '你' }, 0)).toEqual({ type: 'insert', text: '你' })
    expect(m.decode('\ud83d', { full: '\ud83d' }, 0)).toEqual({ type: 'insert', text: '\ud83d' })
    expect(m.decode('\x1b', { full: 'M-x', meta: true }, 0)).toEqual({ type: 'none' })
    expect(m.decode('\x00', { full: '\x00' }, 0)).toEqual({ type: 'none' })
  })

  it('maps scrolling, history, completion and Ctrl+C', () => {
    const m = new KeyMap()
    expect(m.decode(undefined, k('pageup'), 0)).toEqual({ type: 'scroll', dir: 'up' })
    expect(m.decode(undefined, k('pagedown'), 0)).toEqual({ type: 'scroll', dir: 'down' })
    expect(m.decode(undefined, k('up'), 0)).toEqual({ type: 'history', dir: 'up' })
    expect(m.decode('\t', k('tab'), 0)).toEqual({ type: 'complete' })
    expect(m.decode(undefined, k('C-c'), 0)).toEqual({ type: 'interrupt' })
  })
})
