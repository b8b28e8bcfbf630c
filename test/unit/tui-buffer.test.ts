import { describe, expect, it } from 'vitest'
import { MessageBuffer } from '../../src/apps/tui/buffer.js'
import type { IncomingMessage, MsgEntry } from '../../src/apps/tui/buffer.js'

const msg = (i: number, patch: Partial<IncomingMessage> = {}): IncomingMessage =>
  ({ id: `m${i}`, index: i, seq: i, from: 'me', text: `t${i}`, sentAt: i, state: 'queued', ...patch })
const ids = (b: MessageBuffer): string[] => b.entries.map(e => e.kind === 'msg' ? e.id : `sys:${e.text}`)

describe('tui message buffer', () => {
  it('orders by history index and ignores duplicates', () => {
    const b = new MessageBuffer()
    b.addMessage(msg(5)); b.addMessage(msg(7)); b.addMessage(msg(6))
    expect(b.addMessage(msg(6))).toBe('updated')
    for (const i of [2, 3, 4]) b.addMessage(msg(i)) // an older page
    expect(ids(b)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7'])
    expect(b.oldestIndex()).toBe(2)
  })

  it('keeps system lines where they were printed', () => {
    const b = new MessageBuffer()
    b.addMessage(msg(1)); b.addSystem('hello', 'info', 0); b.addMessage(msg(2))
    b.addMessage(msg(0))
    expect(ids(b)).toEqual(['m0', 'm1', 'sys:hello', 'm2'])
  })

  it('updates delivery marks in place, forward only', () => {
    const b = new MessageBuffer()
    b.addMessage(msg(1)); b.addMessage(msg(2))
    expect(b.setState(['m1'], 'sent')).toBe(1)
    expect(b.setState(['m1'], 'delivered')).toBe(1)
    expect(b.setState(['m1'], 'sent')).toBe(0)
    expect((b.get('m1') as MsgEntry).state).toBe('delivered')
    expect((b.get('m2') as MsgEntry).state).toBe('queued')
  })

  it('marks everything of mine up to a seq, as sent/receipt events say', () => {
    const b = new MessageBuffer()
    for (const i of [1, 2, 3]) b.addMessage(msg(i))
    b.addMessage(msg(4, { from: 'peer', state: 'delivered' }))
    expect(b.setState([], 'delivered', 2)).toBe(2)
    expect(['m1', 'm2', 'm3'].map(id => b.get(id)?.state)).toEqual(['delivered', 'delivered', 'queued'])
  })

  it('remembers a state that arrives before the send reply', () => {
    const b = new MessageBuffer()
    b.setState(['late'], 'sent')
    b.setState(['late'], 'delivered')
    b.setState([], 'sent', 9)
    b.addMessage({ id: 'late', from: 'me', text: 'x', sentAt: 0, state: 'queued', index: null })
    expect(b.get('late')?.state).toBe('delivered')
    b.addMessage({ id: 'other', seq: 9, from: 'me', text: 'y', sentAt: 0, state: 'queued', index: null })
    expect(b.get('other')?.state).toBe('sent')
  })

  it('fills in the index of a local echo when the daemon reports the message', () => {
    const b = new MessageBuffer()
    b.addMessage(msg(1))
    b.addMessage({ id: 'local', from: 'me', text: 'x', sentAt: 0, state: 'queued', index: null })
    b.addMessage({ id: 'local', from: 'me', text: 'x', sentAt: 0, state: 'sent', index: 2, seq: 2 })
    expect(b.get('local')).toMatchObject({ index: 2, seq: 2, state: 'sent' })
    expect(ids(b)).toEqual(['m1', 'local'])
  })

  it('trims the oldest entries and says there is older history again', () => {
    const b = new MessageBuffer()
    for (let i = 0; i < 10; i++) b.addMessage(msg(i))
    b.hasOlder = false
    expect(b.trim(4)).toBe(6)
    expect(b.oldestIndex()).toBe(6)
    expect(b.has('m0')).toBe(false)
    expect(b.hasOlder).toBe(true)
  })
})
