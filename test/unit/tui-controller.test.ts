import { describe, expect, it } from 'vitest'
import { stringWidth } from '../../src/apps/text/width.js'
import { friend } from '../helpers/fake-chat-client.js'
import { flush, harness } from '../helpers/tui-harness.js'
import type { Harness } from '../helpers/tui-harness.js'

const ALICE = '11111111' + 'b'.repeat(56)
const BOB = '22222222' + 'c'.repeat(56)
const DAVE = '44444444' + 'e'.repeat(56)
const key = (full: string, ch?: string): [string | undefined, { full: string, name: string }] => [ch, { full, name: full }]
const press = (h: Harness, full: string, ch?: string): void => h.c.handleKey(...key(full, ch))
const type = (h: Harness, text: string): void => { for (const ch of text.split('')) h.c.handleKey(ch, { full: ch, name: ch }) }
const opts = () => ({
  friends: [friend(ALICE, 'alice', { unread: 2 }), friend(BOB, '李小龍🐉', { status: 'away' as const, statusMessage: 'ﺳﻼﻡ' })],
  histories: { [ALICE]: 100_000, [BOB]: 3 }
})

describe('tui controller', () => {
  it('starts by subscribing and loading identity, status, friends and requests', async () => {
    const h = await harness({ ...opts(), requests: [{ publicKey: DAVE, name: 'dave', message: 'hi', receivedAt: 0 }] })
    expect(h.client.calls.slice(0, 4).map(c => c.method)).toEqual(['id', 'status', 'friends', 'requests'])
    const screen = h.screen().join('\n')
    expect(screen).toMatch(/your psst ID: A{64}/)
    expect(screen).toMatch(/DHT: online \(127\.0\.0\.1:49737\)/)
    expect(screen).toMatch(/\* alice +online +2 unread/)
    expect(screen).toMatch(/\[12:00\] \[me\] \[1:home\] \[DHT: online\] \[Act: 2\]/)
    expect(h.c.state.windows.find('requests')).toBeDefined()
  })

  it('opens a 100 000-message conversation with one screenful, pages older on PageUp', async () => {
    const h = await harness(opts())
    const t0 = performance.now()
    await h.line('/query alice')
    expect(performance.now() - t0).toBeLessThan(500)
    const first = h.client.callsOf('historyPage')
    expect(first).toEqual([{ friend: ALICE, limit: 27 }])
    expect(h.c.state.windows.active.buffer.messageCount).toBe(27)
    expect(h.screen()[h.screen().length - 3]).toMatch(/message number 99999/)
    press(h, 'pageup'); await flush()
    expect(h.client.callsOf('historyPage').slice(1)).toEqual([{ friend: ALICE, limit: 54, before: 99_973 }])
    press(h, 'pageup'); await flush()
    press(h, 'pageup'); await flush()
    const calls = h.client.callsOf('historyPage') as Array<{ before?: number }>
    expect(calls.length).toBeLessThanOrEqual(4)
    expect(h.c.state.windows.active.buffer.messageCount).toBeLessThan(300)
    expect(h.screen()[h.screen().length - 2]).toMatch(/-- more --/)
    for (let i = 0; i < 10; i++) press(h, 'pagedown')
    expect(h.c.state.windows.active.scroll).toBe(0)
  })

  it('says when the beginning of a conversation is reached', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    expect(h.screen()[1]).toMatch(/beginning of the conversation/)
    press(h, 'pageup'); await flush()
    // alice's window (unread at start) loads its own history; this conversation loads once
    expect(h.client.callsOf('historyPage').filter((c: any) => c.friend !== ALICE)).toHaveLength(1)
  })

  it('marks read when viewed, counts unread elsewhere, rings the bell at most once a second', async () => {
    const h = await harness(opts())
    await h.line('/q alice')
    h.timers.advance(0); await flush()
    expect(h.client.callsOf('markRead')).toEqual([{ friend: ALICE }])
    press(h, 'M-1')
    h.client.receive(ALICE, 'one'); h.client.receive(ALICE, 'two')
    expect(h.bells).toBe(1)
    expect(h.c.state.book.get(ALICE)?.unread).toBe(2)
    expect(h.screen().join('\n')).toMatch(/\[Act: 2\]/)
    h.timers.advance(1500)
    h.client.receive(ALICE, 'three')
    expect(h.bells).toBe(2)
    press(h, 'C-n')
    h.timers.advance(0); await flush()
    expect(h.client.callsOf('markRead')).toHaveLength(2)
    expect(h.c.state.book.get(ALICE)?.unread).toBe(0)
    expect(h.screen().join('\n')).not.toMatch(/Act:/)
    h.client.receive(ALICE, 'four') // in the open window: read at once, no bell
    h.timers.advance(400); await flush()
    expect(h.client.callsOf('markRead')).toHaveLength(3)
    expect(h.bells).toBe(2)
  })

  it('updates delivery marks in place from sent and receipt events', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    await h.line('hello 你好')
    const mine = (): string => h.screen().find(l => l.includes('hello 你好')) ?? ''
    expect(mine()).toMatch(/<me> hello 你好 ~$/)
    const sent = h.client.callsOf('send')
    expect(sent).toEqual([{ friend: BOB, text: 'hello 你好' }])
    h.client.emit({ type: 'sent', friend: BOB, upTo: 3, ids: ['out-1'] })
    expect(mine()).toMatch(/ \+$/)
    h.client.emit({ type: 'receipt', friend: BOB, upTo: 3, ids: [] })
    expect(mine()).toMatch(/ \+\+$/)
  })

  it('sends typing true on the first keystroke, false after 3 s idle or on send, never for commands', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    type(h, 'hel')
    expect(h.client.callsOf('typing')).toEqual([{ friend: BOB, typing: true }])
    h.timers.advance(2000); type(h, 'l')
    h.timers.advance(2000)
    expect(h.client.callsOf('typing')).toHaveLength(1)
    h.timers.advance(1100)
    expect(h.client.callsOf('typing')).toEqual([{ friend: BOB, typing: true }, { friend: BOB, typing: false }])
    type(h, 'o')
    press(h, 'return'); await flush()
    expect(h.client.callsOf('typing').slice(2)).toEqual([{ friend: BOB, typing: true }, { friend: BOB, typing: false }])
    type(h, '/help')
    expect(h.client.callsOf('typing')).toHaveLength(4)
  })

  it('shows the friend typing and presence in the title line', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    h.client.emit({ type: 'typing', friend: BOB, typing: true })
    expect(h.screen()[0]).toMatch(/^ 李小龍🐉 \* away — ﺳﻼﻡ — typing\.\.\./)
    h.client.emit({ type: 'presence', publicKey: BOB, name: '李小龍🐉', online: false, status: 'away', statusMessage: 'ﺳﻼﻡ' })
    expect(h.screen()[0]).toMatch(/- offline/)
    expect(h.screen()[0]).not.toMatch(/typing/)
    expect(h.log().pop()).toBe('李小龍🐉 is offline')
  })

  it('says a rename in the friend\'s window once, with my alias when I chose one', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    h.client.emit({ type: 'rename', publicKey: BOB, from: '李小龍🐉', to: 'bruce', alias: 'sifu' })
    expect(h.log().pop()).toBe('李小龍🐉 is now known as bruce (your alias for them: sifu)')
    expect(h.c.state.book.get(BOB)?.name).toBe('bruce')
  })

  it('keeps a scrolled-up view still while lines arrive, follows the bottom otherwise', async () => {
    const h = await harness(opts())
    await h.line('/q alice')
    press(h, 'pageup'); await flush()
    const before = h.screen().slice(1, -2)
    h.client.receive(ALICE, 'new one')
    expect(h.screen().slice(1, -2)).toEqual(before)
    for (let i = 0; i < 20; i++) press(h, 'pagedown')
    expect(h.screen()[h.screen().length - 3]).toMatch(/new one/)
  })

  it('Ctrl+C clears the line first and quits on a second press within 2 s', async () => {
    const h = await harness(opts())
    type(h, 'draft')
    press(h, 'C-c')
    expect(h.c.input.text).toBe('')
    expect(h.log().pop()).toMatch(/press Ctrl\+C again to quit/)
    h.timers.advance(2500)
    press(h, 'C-c')
    expect(h.exits).toEqual([])
    h.timers.advance(500)
    press(h, 'C-c')
    expect(h.exits).toEqual([{ code: 0, message: undefined }])
  })

  it('shows a lost daemon connection and exits with 1', async () => {
    const h = await harness(opts())
    h.client.drop()
    expect(h.screen().join('\n')).toMatch(/daemon: disconnected/)
    expect(h.log().pop()).toMatch(/lost the connection to the daemon/)
    h.timers.advance(1000)
    expect(h.exits).toEqual([{ code: 1, message: 'psst chat: lost the connection to the daemon' }])
  })

  it('a reconnecting client: says so, keeps windows, scrollback and the draft, and fetches what arrived meanwhile', async () => {
    const h = await harness(opts())
    await h.line('/query 22222222')
    h.client.receive(BOB, 'before the restart')
    type(h, 'half a line')
    const windows = h.c.state.windows.windows.length
    h.client.connection('reconnecting', 'the daemon closed the connection')
    expect(h.screen().join('\n')).toMatch(/daemon: disconnected/)
    expect(h.log().pop()).toMatch(/lost the connection to the daemon — reconnecting…/)
    // Arrives while the client is away: no event, only the daemon's history has it.
    h.client.conversations.get(BOB)!.extra.push({ id: 'gap-1', seq: 9, from: BOB, kind: 'text', text: 'sent during the gap', sentAt: Date.now(), state: 'delivered', index: 4 })
    h.client.connection('connected')
    await flush()
    const screen = h.screen().join('\n')
    expect(screen).toMatch(/reconnected to the daemon/)
    expect(screen).toMatch(/before the restart[\s\S]*sent during the gap/)
    expect(screen).toMatch(/\[DHT: online\]/)
    expect(h.c.input.text).toBe('half a line')
    expect(h.c.state.windows.windows.length).toBe(windows)
    expect(h.c.state.windows.active.key).toBe(BOB)
    h.timers.advance(5000)
    expect(h.exits).toEqual([])
  })

  it('opens the requests window on a request, warns about look-alikes, closes it when handled', async () => {
    const h = await harness(opts())
    h.client.emit({ type: 'friend-request', publicKey: '11111111' + 'f'.repeat(56), name: 'alice', message: 'it is me', receivedAt: 0 })
    const win = h.c.state.windows.find('requests')
    expect(win?.activity).toBe(3)
    expect(h.bells).toBe(1)
    press(h, 'M-3') // window 2 is alice's, opened at start for her unread messages
    expect(h.screen().join('\n')).toMatch(/warning: alice looks like your friend alice/)
    await h.line('/decline')
    expect(h.c.state.windows.find('requests')).toBeUndefined()
    expect(h.c.state.windows.active.kind).toBe('home')
  })

  it('keeps every row within the width with wide, combining and right-to-left text (docs/reliability.md, case 14)', async () => {
    for (const cols of [20, 33, 80]) {
      const h = await harness(opts(), { cols, rows: 12 })
      h.client.receive(BOB, '😀'.repeat(30) + ' 你好世界 e\u0301 שלום 👨‍👩‍👧 🇩🇪')
      press(h, 'M-2')
      type(h, '你好'.repeat(30))
      const frame = h.c.frame()
      expect(frame.rows).toHaveLength(12)
      for (const row of h.screen()) expect(stringWidth(row)).toBeLessThanOrEqual(cols)
      expect(frame.cursor.col).toBeLessThan(cols)
    }
  })

  it('follows a resize', async () => {
    const h = await harness(opts())
    h.c.resize(60, 10)
    expect(h.screen()).toHaveLength(10)
    expect(h.screen()[9]).toBe('[home] ')
  })
})

describe('tui controller: /clear', () => {
  it('empties the window and PageUp brings the history back', async () => {
    const h = await harness(opts())
    await h.line('/q 22222222')
    expect(h.c.state.windows.active.buffer.messageCount).toBe(3)
    await h.line('/clear')
    expect(h.c.state.windows.active.buffer.entries).toHaveLength(0)
    press(h, 'pageup'); await flush()
    expect(h.client.callsOf('historyPage').pop()).toEqual({ friend: BOB, limit: 54 })
    expect(h.c.state.windows.active.buffer.messageCount).toBe(3)
  })
})

describe('tui controller: bursts', () => {
  it('takes 40 000 messages quickly with bounded memory and one bell', async () => {
    const h = await harness(opts())
    await h.line('/q alice')
    press(h, 'M-1')
    const t0 = performance.now()
    for (let i = 0; i < 40_000; i++) h.client.receive(BOB, `burst ${i}`)
    h.c.frame()
    expect(performance.now() - t0).toBeLessThan(5000)
    const win = h.c.state.windows.find(BOB)!
    expect(win.buffer.entries.length).toBeLessThanOrEqual(2000)
    expect(h.c.state.book.get(BOB)?.unread).toBe(40_000)
    expect(h.bells).toBe(1)
    press(h, 'M-3')
    expect(h.screen()[h.screen().length - 3]).toMatch(/burst 39999$/)
  })
})
