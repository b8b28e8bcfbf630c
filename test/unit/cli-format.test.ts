import { describe, it, expect } from 'vitest'
import type { FriendInfo, HistoryEntry, RequestInfo } from '../../src/daemon/api.js'
import { dateTime, deliveryMark, eventText, friendsLines, historyLines, relativeTime, requestsLines, shortKey, daemonStatusLines, relayStatusLines } from '../../src/apps/cli/format.js'
import { noColours } from '../../src/apps/cli/text.js'
import { displayName } from '../../src/apps/cli/commands/messages.js'

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0)
const KEY_A = 'a1'.repeat(32)
const KEY_B = 'b2'.repeat(32)

function friend (over: Partial<FriendInfo>): FriendInfo {
  return { publicKey: KEY_A, state: 'friends', name: 'bob', online: false, status: 'online', statusMessage: '', lastSeen: 0, unread: 0, mailbox: null, ...over }
}

function entry (over: Partial<HistoryEntry>): HistoryEntry {
  return { id: 'x', seq: 1, from: 'me', text: 'hi', kind: 'text', sentAt: NOW, state: 'delivered', index: 0, ...over }
}

describe('cli format: times and keys', () => {
  it('says how long ago, then the date', () => {
    expect(relativeTime(0, NOW)).toBe('never')
    expect(relativeTime(NOW - 10_000, NOW)).toBe('just now')
    expect(relativeTime(NOW - 5 * 60_000, NOW)).toBe('5m ago')
    expect(relativeTime(NOW - 3 * 3_600_000, NOW)).toBe('3h ago')
    expect(relativeTime(NOW - 2 * 86_400_000, NOW)).toBe('2d ago')
    expect(relativeTime(NOW - 90 * 86_400_000, NOW)).toMatch(/^2024-10-1\d$/)
    expect(relativeTime(NOW + 5000, NOW)).toBe('just now')
  })
  it('short keys are the 8-character prefix commands accept', () => {
    expect(shortKey(KEY_A)).toBe('a1a1a1a1')
  })
  it('dateTime is YYYY-MM-DD HH:MM in local time', () => {
    const d = new Date(NOW)
    expect(dateTime(NOW)).toBe(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`)
  })
})

describe('cli format: friends and requests', () => {
  it('aligns name, key, presence, status message and last seen', () => {
    const lines = friendsLines([
      friend({ name: 'bob', online: true, status: 'away', statusMessage: 'lunch' }),
      friend({ publicKey: KEY_B, name: 'carolyn', lastSeen: NOW - 3 * 3_600_000, unread: 2 })
    ], NOW, noColours)
    expect(lines).toEqual([
      'NAME     KEY       STATUS   NEW  MESSAGE  LAST SEEN',
      'bob      a1a1a1a1  away          lunch    now',
      'carolyn  b2b2b2b2  offline  2             3h ago'
    ])
  })
  it('says when a friend is reached over the LAN or through a relay (a direct link goes unsaid)', () => {
    const lines = friendsLines([
      friend({ name: 'bob', online: true, via: 'lan' }),
      friend({ publicKey: KEY_B, name: 'carol', online: true, via: 'relay' }),
      friend({ publicKey: 'c3'.repeat(32), name: 'dave', online: true, via: 'direct' })
    ], NOW, noColours)
    expect(lines[1]).toMatch(/^bob +a1a1a1a1 +online \(lan\) /)
    expect(lines[2]).toMatch(/^carol +b2b2b2b2 +online \(relay\) /)
    expect(lines[3]).toMatch(/^dave +c3c3c3c3 +online +now$/)
  })
  it('shows my alias first with their name after it, and warns under the table about look-alikes', () => {
    const lines = friendsLines([
      friend({ name: 'bob', alias: 'bobby-work' }),
      friend({ publicKey: KEY_B, name: 'bob', lookalike: 'looks like your friend bobby-work (a1a1a1a1): same name, different key' })
    ], NOW, noColours)
    expect(lines[1]).toMatch(/^bobby-work \(bob\) +a1a1a1a1/)
    expect(lines[2]).toMatch(/^bob +b2b2b2b2/)
    expect(lines[3]).toMatch(/^warning: bob \(b2b2b2b2\) looks like your friend bobby-work/)
  })
  it('shows pending outgoing requests and an empty list helpfully', () => {
    const lines = friendsLines([friend({ name: '', state: 'request-sent' })], NOW, noColours)
    expect(lines[1]).toContain('request sent')
    expect(lines[1].startsWith('?')).toBe(true)
    expect(friendsLines([], NOW, noColours)[0]).toMatch(/no friends yet/)
  })
  it('never lets a peer-controlled name paint the terminal', () => {
    const lines = friendsLines([friend({ name: 'x\u001b[31mred', statusMessage: 'a\u009bb' })], NOW, noColours)
    expect(lines.join('\n')).not.toMatch(/[\u001b\u009b]/)
  })
  it('truncates long status messages', () => {
    const lines = friendsLines([friend({ statusMessage: 'z'.repeat(500) })], NOW, noColours)
    expect(lines[1].length).toBeLessThan(120)
    expect(lines[1]).toContain('…')
  })
  it('lists requests with the message last', () => {
    const reqs: RequestInfo[] = [{ publicKey: KEY_B, name: 'eve', message: 'hi it is eve', receivedAt: NOW - 120_000 }]
    expect(requestsLines(reqs, NOW, noColours)).toEqual(['NAME  KEY       RECEIVED  MESSAGE', 'eve   b2b2b2b2  2m ago    hi it is eve'])
    expect(requestsLines([], NOW, noColours)).toEqual(['no pending friend requests'])
  })
  it('flags a look-alike request in the table and says what to do', () => {
    const reqs: RequestInfo[] = [{ publicKey: KEY_B, name: 'bob', message: 'hi', receivedAt: NOW, lookalike: 'looks like your friend bob (a1a1a1a1): same name, different key' }]
    const lines = requestsLines(reqs, NOW, noColours)
    expect(lines[1]).toMatch(/^bob \(!\) +b2b2b2b2/)
    expect(lines[2]).toMatch(/^\(!\) bob \(b2b2b2b2\) looks like your friend bob \(a1a1a1a1\).*--force/)
  })
})

describe('cli format: history and events', () => {
  it('marks my messages by delivery state', () => {
    expect(deliveryMark('queued')).toBe('·')
    expect(deliveryMark('sent')).toBe('✓')
    expect(deliveryMark('delivered')).toBe('✓✓')
  })
  it('one line per message: time, who, mark, text', () => {
    const lines = historyLines([
      entry({ text: 'hello', state: 'sent' }),
      entry({ from: KEY_A, text: 'hey\nthere' }),
      entry({ from: KEY_A, text: 'waves', kind: 'action' })
    ], 'bob', noColours)
    const t = dateTime(NOW)
    expect(lines).toEqual([
      `${t}  me   ✓   hello`,
      `${t}  bob      hey↵there`,
      `${t}  bob      * bob waves`
    ])
  })
  it('describes events in one line', () => {
    const nameOf = (k: string): string => k === KEY_A ? 'bob' : shortKey(k)
    expect(eventText({ type: 'message', friend: KEY_A, ...entry({ from: KEY_A, text: 'yo' }) }, nameOf)).toBe('bob: yo')
    expect(eventText({ type: 'receipt', friend: KEY_A, upTo: 7, ids: [] }, nameOf)).toBe('delivered to bob up to #7')
    expect(eventText({ type: 'friend-request', publicKey: KEY_B, name: 'eve', message: 'hi', receivedAt: NOW }, nameOf))
      .toBe('friend request from eve (b2b2b2b2): hi — psst accept b2b2b2b2')
    expect(eventText({ type: 'presence', publicKey: KEY_A, name: 'bob', online: false, status: 'online', statusMessage: '' }, nameOf))
      .toBe('bob is offline')
    expect(eventText({ type: 'typing', friend: KEY_A, typing: true }, nameOf)).toBe('bob is typing')
  })
  it('finds the friend name for history headers', () => {
    const friends = [friend({ name: 'bob' }), friend({ publicKey: KEY_B, name: 'carol' })]
    expect(displayName(friends, 'b2b2b2b2', undefined)).toBe('carol')
    expect(displayName(friends, 'whoever', KEY_A)).toBe('bob')
    expect(displayName(friends, 'carol', undefined)).toBe('carol')
    expect(displayName(friends, 'nobody', undefined)).toBe('nobody')
  })
  it('daemon status', () => {
    expect(daemonStatusLines({ running: false, network: { bootstrap: null, dhtHost: null }, pid: 0, publicKey: '', dht: { state: 'offline', host: null, port: null, bootstrap: [] }, friendsOnline: 0, counters: {} }))
      .toEqual(['daemon: not running'])
    const up = daemonStatusLines({ running: true, network: { bootstrap: null, dhtHost: null }, pid: 42, publicKey: KEY_A, dht: { state: 'online', host: '127.0.0.9', port: 5000, bootstrap: [] }, friendsOnline: 1, counters: {} })
    expect(up[0]).toBe('daemon   running (pid 42)')
    expect(up[2]).toBe('network  online on 127.0.0.9:5000')
    expect(up[3]).toBe('lan      on')
    const noLan = daemonStatusLines({ running: true, network: { bootstrap: 'none', dhtHost: null, lan: false }, pid: 42, publicKey: KEY_A, dht: { state: 'offline', host: null, port: null, bootstrap: [] }, friendsOnline: 0, counters: {} })
    expect(noLan[3]).toBe('lan      off')
  })
})

describe('cli format: relay status for people', () => {
  it('says times and sizes in words, never a raw epoch or JSON', () => {
    const startedAt = NOW - 2 * 3_600_000
    const lines = relayStatusLines({
      running: true, pid: 42, publicKey: 'ab'.repeat(32), host: '127.0.0.1', port: 49737, dht: 'online', bootstrap: [], helpers: [49738, 49739],
      relayed: 3, relayedActive: 1, relayedBytes: 5 * 1024 * 1024, ownerPolicy: 'open', allowedOwners: 0, owners: 2, capabilities: 2, held: 7, bytes: 2048,
      refused: 2, refusedBy: { quota: 2 }, deposits: 9, fetched: 2, deleted: 2, expired: 0, connections: 1, startedAt,
      limits: { ownerBytes: 64 * 1024 * 1024, depositsPerMinute: 60, retentionMs: 7 * 86_400_000, diskBytes: 1024 ** 3, maxOwners: 1000 }
    }, NOW)
    const text = lines.join('\n')
    expect(text).not.toContain(String(startedAt))
    expect(text).not.toMatch(/[{}[\]]/)
    expect(lines[0]).toMatch(/^relay {6}running \(pid 42\), started \d{4}-\d\d-\d\d \d\d:\d\d \(2h ago\)$/)
    expect(text).toContain('5.0 MiB')
    expect(text).toContain('refused (quota 2)')
    expect(text).toContain('kept 7 d')
  })
})
