/**
 * The daily habits of issue 16 in the TUI, without a terminal: pastes and Alt+Enter, multi-line
 * messages, your own status.
 */
import { describe, expect, it } from 'vitest'
import { friend } from '../helpers/fake-chat-client.js'
import { flush, harness } from '../helpers/tui-harness.js'

const BOB = '22222222' + 'c'.repeat(56)
const opts = () => ({ friends: [friend(BOB, 'bob')], histories: { [BOB]: 0 } })

describe('tui habits', () => {
  it('a paste is one insertion with its line breaks; Enter sends it as one message', async () => {
    const h = await harness(opts())
    await h.line('/q bob')
    h.c.handleInput({ kind: 'paste', text: 'one\ntwo\nthree' })
    h.c.handleInput({ kind: 'newline' })
    h.c.handleInput({ kind: 'text', text: 'four' })
    expect(h.c.input.text).toBe('one\ntwo\nthree\nfour')
    expect(h.screen().join('\n')).toMatch(/\[input: 4 lines\]/)
    expect(h.screen().at(-1)).toMatch(/one\^Jtwo\^Jthree\^Jfour$/)
    h.c.runAction({ type: 'submit' })
    await flush()
    expect(h.client.callsOf('send')).toEqual([{ friend: BOB, text: 'one\ntwo\nthree\nfour' }])
  })

  it('a multi-line message shows each line under the first, where the text starts', async () => {
    const h = await harness(opts())
    await h.line('/q bob')
    h.client.emit({ type: 'message', friend: BOB, id: 'm1', seq: 1, from: BOB, text: 'first\nsecond\x1b[31m\x07\n\tthird', kind: 'text', sentAt: h.timers.now, state: 'delivered' })
    const rows = h.screen()
    const i = rows.findIndex(r => r.includes('<bob> first'))
    expect(rows[i + 1]).toBe(' '.repeat(rows[i].indexOf('first')) + 'second[31m')
    expect(rows[i + 2]).toBe(' '.repeat(rows[i].indexOf('first')) + 'third')
  })

  it('a multi-line paste that starts with "/" is a message, not a command', async () => {
    const h = await harness(opts())
    await h.line('/q bob')
    h.c.handleInput({ kind: 'paste', text: '/* code */\nint x;' })
    h.c.runAction({ type: 'submit' })
    await flush()
    expect(h.client.callsOf('send')).toEqual([{ friend: BOB, text: '/* code */\nint x;' }])
  })

  it('a refused message goes back to the input line', async () => {
    const h = await harness(opts())
    await h.line('/q bob')
    h.client.failNext.set('send', new (await import('../../src/errors.js')).PsstError('TOO_LONG', 'message is too long'))
    h.c.handleInput({ kind: 'paste', text: 'long\ntext' })
    h.c.runAction({ type: 'submit' })
    await flush()
    expect(h.c.input.text).toBe('long\ntext')
    expect(h.log().at(-1)).toMatch(/not sent: message is too long.*back in the input line/)
  })

  it('shows your own status from the daemon and follows profile events', async () => {
    const h = await harness(opts())
    h.client.id = { ...h.client.id, status: 'busy', statusMessage: '' }
    await h.line('/status')
    expect(h.log().at(-1)).toBe('status: busy')
    expect(h.screen().join('\n')).toMatch(/\[me \(busy\)\]/)
    h.client.emit({ type: 'profile', name: 'me', status: 'away', statusMessage: 'at lunch' })
    expect(h.screen()[0]).toMatch(/ me \(away\)/)
    expect(h.screen().join('\n')).toMatch(/\[me \(away\)\]/)
    expect(h.log().at(-1)).toBe('you are away — "at lunch"')
  })
})
