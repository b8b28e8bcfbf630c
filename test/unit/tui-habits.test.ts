/**
 * The daily habits of issue 16 in the TUI, without a terminal: pastes and Alt+Enter, multi-line
 * messages, your own status.
 */
import { describe, expect, it } from 'vitest'
import { chatSettings } from '../../src/apps/tui/app.js'
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
    h.client.emit({ type: 'message', friend: BOB, id: 'm1', seq: 1, from: BOB, text: 'first\nsecond\x1b[31m\x07\n\tthird', kind: 'text', index: 0, sentAt: h.timers.now, state: 'delivered' })
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

  it('a read-marker line sits above what came while you were in another window', async () => {
    const h = await harness(opts())
    await h.line('/q bob')
    let n = 0
    const say = (text: string): void => h.client.emit({ type: 'message', friend: BOB, id: `m${++n}`, seq: n, index: n, from: BOB, text, kind: 'text', sentAt: h.timers.now, state: 'delivered' })
    say('seen while here')
    expect(h.screen().join('\n')).not.toMatch(/--- new ---/)
    h.c.runAction({ type: 'window', n: 1 })
    say('came while away')
    say('and this')
    h.c.runAction({ type: 'window', n: 2 })
    const rows = h.screen()
    const marker = rows.findIndex(r => /^--- new -+$/.test(r))
    expect(marker).toBeGreaterThan(rows.findIndex(r => r.includes('seen while here')))
    expect(rows[marker + 1]).toMatch(/<bob> came while away/)
    // back again with nothing new: no marker
    h.c.runAction({ type: 'window', n: 1 })
    h.c.runAction({ type: 'window', n: 2 })
    expect(h.screen().join('\n')).not.toMatch(/--- new ---/)
  })

  it('a conversation opened at start with unread messages has the marker above them', async () => {
    const h = await harness({ friends: [friend(BOB, 'bob', { unread: 2 })], histories: { [BOB]: 5 } })
    await flush()
    h.c.runAction({ type: 'window', n: 2 })
    const rows = h.screen()
    const marker = rows.findIndex(r => /^--- new -+$/.test(r))
    expect(marker).toBeGreaterThan(0)
    expect(rows.slice(marker + 1).filter(r => r.includes('<bob>'))).toHaveLength(2)
  })

  it('a message to a window you are not looking at makes one desktop notification per burst; /set notify off stops them', async () => {
    const h = await harness({ friends: [friend(BOB, 'bob')], histories: { [BOB]: 0 } })
    const shown: Array<[string, string]> = []
    h.c.ui.notify = (title, body) => { shown.push([title, body]) }
    let n = 0
    const say = (text: string): void => h.client.emit({ type: 'message', friend: BOB, id: `n${++n}`, seq: n, index: n, from: BOB, text, kind: 'text', sentAt: h.timers.now, state: 'delivered' })
    say('hello\x1b\nthere <b>&')
    say('second of the burst')
    expect(shown).toEqual([['psst: bob', 'hello there <b>&']])
    h.timers.advance(5000)
    await h.line('/q bob')
    say('seen: no notification')
    expect(shown).toHaveLength(1)
    await h.line('/set notify off')
    h.c.runAction({ type: 'window', n: 1 })
    h.timers.advance(5000)
    say('while notify is off')
    expect(shown).toHaveLength(1)
  })

  it('/set timestamp changes the time in front of every line; a bad format is refused', async () => {
    const h = await harness(opts())
    await h.line('/set timestamp %H:%M:%S')
    expect(h.screen().join('\n')).toMatch(/\[12:00:00\] -!- timestamp %H:%M:%S/)
    expect(h.screen().join('\n')).toMatch(/\[12:00:00\] -!- welcome/)
    await h.line('/set timestamp %Q')
    expect(h.log().at(-1)).toMatch(/unknown field %Q/)
    await h.line('/set')
    expect(h.log().slice(-2)).toEqual([
      'notify on — a desktop notification for a message to a window you are not looking at',
      'timestamp %H:%M:%S — the time in front of each line'
    ])
  })

  it('/search jumps to the newest match and highlights it; Ctrl+R goes older; Esc ends at the bottom', async () => {
    const h = await harness(opts(), { cols: 60, rows: 12 })
    await h.line('/q bob')
    let n = 0
    const say = (text: string): void => h.client.emit({ type: 'message', friend: BOB, id: `s${++n}`, seq: n, index: n, from: BOB, text, kind: 'text', sentAt: h.timers.now, state: 'delivered' })
    say('the Needle is here, early')
    for (let i = 0; i < 20; i++) say(`filler ${i}`)
    say('a second needle, later')
    for (let i = 20; i < 40; i++) say(`filler ${i}`)
    await h.line('/search needle')
    const styled = (): string[] => h.c.frame().rows.flatMap(r => r.filter(s => s.style === 'search').map(s => s.text))
    expect(h.screen().join('\n')).toMatch(/a second needle, later/)
    expect(styled()).toEqual(['needle'])
    expect(h.screen().join('\n')).toMatch(/\[search: needle 2\/2/)
    h.c.handleKey(undefined, { full: 'C-r', name: 'r', ctrl: true })
    expect(h.screen().join('\n')).toMatch(/the Needle is here/)
    expect(styled()).toEqual(['Needle'])
    h.c.handleKey(undefined, { full: 'C-r', name: 'r', ctrl: true })
    expect(h.log().at(-1)).toMatch(/no older line holds "needle"/)
    h.c.handleKey(undefined, { full: 'escape', name: 'escape' })
    expect(h.c.state.windows.active.scroll).toBe(0)
    expect(styled()).toEqual([])
    await h.line('/search nowhere')
    expect(h.log().at(-1)).toMatch(/no line holds "nowhere"/)
  })

  it('psst chat --no-notify / --timestamp and PSST_NOTIFY / PSST_TIMESTAMP set the session defaults', () => {
    expect(chatSettings({}, {})).toEqual({ notify: true })
    expect(chatSettings({ PSST_NOTIFY: '0' }, {})).toEqual({ notify: false })
    expect(chatSettings({}, { notify: false })).toEqual({ notify: false })
    expect(chatSettings({ PSST_TIMESTAMP: '%I:%M %p' }, {})).toEqual({ notify: true, timestamp: '%I:%M %p' })
    expect(chatSettings({ PSST_TIMESTAMP: '%I:%M %p' }, { timestamp: '%H:%M:%S' })).toEqual({ notify: true, timestamp: '%H:%M:%S' })
    expect(() => chatSettings({}, { timestamp: '%Q' })).toThrow(/unknown field %Q/)
  })
})
