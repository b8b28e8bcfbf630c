import { describe, expect, it } from 'vitest'
import { PsstError } from '../../src/errors.js'
import { COMMANDS, findCommand, helpLines, parseCommandLine, splitFirst } from '../../src/apps/tui/commands.js'
import { friend } from '../helpers/fake-chat-client.js'
import { harness } from '../helpers/tui-harness.js'

const ALICE = '11111111' + 'b'.repeat(56)
const BOB = '22222222' + 'c'.repeat(56)
const DAVE = '44444444' + 'e'.repeat(56)
const base = () => ({
  friends: [friend(ALICE, 'alice'), friend(BOB, 'bob', { online: false })],
  requests: [{ publicKey: DAVE, name: 'dave', message: 'hi', receivedAt: 0 }]
})
const last = (log: string[]): string => log[log.length - 1]

describe('tui command parsing', () => {
  it('parses /name args, leaves plain text and // alone', () => {
    expect(parseCommandLine('/add ABC hello there')).toEqual({ name: 'add', args: 'ABC hello there' })
    expect(parseCommandLine('/quit')).toEqual({ name: 'quit', args: '' })
    expect(parseCommandLine('hello')).toBeNull()
    expect(parseCommandLine('//not a command')).toBeNull()
    expect(splitFirst('  online  gone fishing ')).toEqual(['online', 'gone fishing'])
    expect(splitFirst('')).toEqual(['', ''])
  })

  it('has one table with every command of the brief, aliases included', () => {
    const names = COMMANDS.map(c => c.name)
    for (const n of ['add', 'accept', 'decline', 'friends', 'nick', 'status', 'me', 'myid', 'remove', 'block', 'unblock', 'nospam', 'query', 'close', 'clear', 'help', 'quit']) {
      expect(names).toContain(n)
    }
    expect(findCommand('q')?.name).toBe('query')
    expect(findCommand('QUERY')?.name).toBe('query')
    expect(helpLines('q')[0]).toMatch(/^\/query <friend>/)
    expect(helpLines('nope')[0]).toMatch(/no command/)
    expect(helpLines('').join('\n')).toMatch(/Ctrl\+C/)
  })
})

describe('tui commands against the daemon', () => {
  it('/devices lists the devices of my ID, this one marked', async () => {
    const h = await harness(base())
    await h.line('/devices')
    const out = h.log().slice(-2)
    expect(out[0]).toMatch(/^\* desktop \(\w+\) this device$/)
    expect(out[1]).toMatch(/^ {2}laptop \(dddddddd\) never seen$/)
  })

  it('each handler calls one client method with parsed arguments', async () => {
    const h = await harness(base())
    const before = h.client.calls.length
    await h.line('/add 0123ABCD hello there')
    await h.line('/nick Zoë 🌸')
    await h.line('/status away gone fishing')
    await h.line('/nospam new')
    await h.line('/block bob')
    await h.line('/unblock ' + BOB)
    const calls = h.client.calls.slice(before).map(c => [c.method, c.params])
    expect(calls).toEqual([
      ['add', { id: '0123ABCD', message: 'hello there' }],
      ['nick', { name: 'Zoë 🌸' }],
      ['setStatus', { status: 'away', message: 'gone fishing' }],
      ['nospam', { new: true }],
      ['block', { key: BOB }],
      ['unblock', { key: BOB }]
    ])
    expect(h.c.state.me?.name).toBe('Zoë 🌸')
    expect(h.c.state.me?.status).toBe('away')
  })

  it('/accept with no argument takes the only request and closes the requests window', async () => {
    const h = await harness(base())
    expect(h.c.state.windows.find('requests')).toBeDefined()
    await h.line('/accept')
    expect(h.client.callsOf('accept')).toEqual([{ friend: DAVE, force: false }])
    expect(h.c.state.windows.find('requests')).toBeUndefined()
    expect(h.c.state.book.get(DAVE)?.name).toBe('dave')
    expect(last(h.log())).toMatch(/you and dave are now friends/)
  })

  it('/accept <key prefix of a request> accepts that request (a hex word is not taken as a file id)', async () => {
    const h = await harness(base())
    await h.line(`/accept ${DAVE.slice(0, 8)}`)
    expect(h.client.callsOf('fileAccept')).toEqual([])
    expect(h.client.callsOf('accept')).toEqual([{ friend: DAVE, force: false }])
  })

  it('/accept of a look-alike request warns and asks for --force; the key prefix tells same names apart', async () => {
    const EVE = '55555555' + 'f'.repeat(56)
    const h = await harness({ ...base(), requests: [{ publicKey: EVE, name: 'Alice', message: 'new phone', receivedAt: 0 }] })
    await h.line('/accept alice')
    expect(h.client.callsOf('accept')).toEqual([])
    expect(last(h.log())).toMatch(/looks like your friend alice \(11111111\).*\/accept 55555555 --force/)
    await h.line('/accept 55555555 --force')
    expect(h.client.callsOf('accept')).toEqual([{ friend: EVE, force: true }])
    expect(h.c.state.book.nameOf(EVE)).toBe('Alice#55555555')
    expect(h.c.state.book.nameOf(ALICE)).toBe('alice#11111111')
  })

  it('/alias names a friend: shown and matched first, "-" removes it', async () => {
    const h = await harness(base())
    await h.line('/alias bob robert')
    expect(h.client.callsOf('alias')).toEqual([{ friend: BOB, alias: 'robert' }])
    expect(h.c.state.book.nameOf(BOB)).toBe('robert')
    expect(h.c.state.book.resolveFriend('rob').publicKey).toBe(BOB)
    await h.line('/alias robert -')
    expect(h.c.state.book.nameOf(BOB)).toBe('bob')
  })

  it('/query opens and switches, /me sends an action, /close closes', async () => {
    const h = await harness(base())
    await h.line('/q ali')
    expect(h.c.state.windows.active.key).toBe(ALICE)
    await h.line('/me waves')
    expect(h.client.callsOf('send')).toEqual([{ friend: ALICE, text: 'waves', action: true }])
    expect(last(h.log())).toBe('me: waves [queued]')
    await h.line('/close')
    expect(h.c.state.windows.active.kind).toBe('home')
    expect(h.c.state.windows.find(ALICE)).toBeUndefined()
  })

  it('unknown commands and bad arguments print one error line and call nothing', async () => {
    const h = await harness(base())
    const before = h.client.calls.length
    await h.line('/frobnicate now')
    expect(last(h.log())).toBe('unknown command /frobnicate — /help lists them')
    await h.line('/status sleepy')
    expect(last(h.log())).toMatch(/^\/status: status must be online, away or busy/)
    await h.line('/add')
    expect(last(h.log())).toBe('/add: usage: /add <ID> [message]')
    await h.line('/query nobody')
    expect(last(h.log())).toMatch(/^\/query: no friend matches "nobody"/)
    await h.line('/me waves')
    expect(last(h.log())).toMatch(/works in a conversation window/)
    await h.line('/nospam please')
    expect(last(h.log())).toMatch(/usage: \/nospam \[new\]/)
    await h.line('/close')
    expect(last(h.log())).toMatch(/home window cannot be closed/)
    await h.line('/window 9')
    expect(last(h.log())).toMatch(/there is no window 9/)
    expect(h.client.calls.length).toBe(before)
  })

  it('daemon errors show their code on one line', async () => {
    const h = await harness(base())
    h.client.failNext.set('add', new PsstError('BAD_ID_CHECKSUM', 'the checksum of this ID is wrong'))
    await h.line('/add 00')
    expect(last(h.log())).toBe('/add: the checksum of this ID is wrong (BAD_ID_CHECKSUM)')
  })

  it('an ambiguous friend name lists the candidates', async () => {
    const h = await harness({ friends: [friend(ALICE, 'al'), friend(BOB, 'Al')] })
    await h.line('/remove al')
    expect(last(h.log())).toMatch(/matches 2 friends: al \(11111111\), Al \(22222222\)/)
    await h.line('/remove 22222222')
    expect(h.client.callsOf('remove')).toEqual([{ friend: BOB }])
  })

  it('/myid prints the ID and a QR block', async () => {
    const h = await harness(base())
    await h.line('/myid')
    const entries = h.c.state.windows.home.buffer.entries
    const qr = entries[entries.length - 1]
    expect(qr.kind === 'sys' && qr.rows?.[0][0]).toEqual({ text: ' QR:AAAA ', style: 'qr' })
    expect(h.log().some(l => l.startsWith('your psst ID: AAAA'))).toBe(true)
  })

  it('plain text in home is a hint, in a friend window a send', async () => {
    const h = await harness(base())
    await h.line('hello?')
    expect(last(h.log())).toMatch(/use \/query <friend> to talk/)
    await h.line('/q bob')
    await h.line('//slash at start')
    expect(h.client.callsOf('send')).toEqual([{ friend: BOB, text: '/slash at start' }])
  })

  it('/quit exits with 0', async () => {
    const h = await harness(base())
    await h.line('/quit')
    expect(h.exits).toEqual([{ code: 0, message: undefined }])
  })
})

describe('tui file commands', () => {
  it('/file offers a file to the window\'s friend; /accept takes the offer of the conversation', async () => {
    const h = await harness({ friends: [friend(ALICE, 'alice')], requests: [] })
    await h.line('/query alice')
    const before = h.client.calls.length
    await h.line('/file ~/photos/cat.jpg')
    await h.line('/accept')
    await h.line('/accept 3fa2c1d0')
    const calls = h.client.calls.slice(before).map(c => [c.method, c.params])
    expect(calls).toEqual([
      ['fileSend', { friend: ALICE, path: `${process.env.HOME ?? ''}/photos/cat.jpg` }],
      ['fileAccept', { friend: ALICE }],
      ['fileAccept', { fileId: '3fa2c1d0' }]
    ])
    expect(h.log().join('\n')).toMatch(/offered cat\.jpg .* to alice/)
    expect(last(h.log())).toMatch(/accepted x\.bin — it will be saved as \/dl\/x\.bin/)
  })

  it('/file outside a conversation says where it works', async () => {
    const h = await harness(base())
    await h.line('/file /tmp/x')
    expect(last(h.log())).toMatch(/\/file works in a conversation window/)
  })
})
