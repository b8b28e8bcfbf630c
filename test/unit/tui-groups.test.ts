import { describe, it, expect } from 'vitest'
import { harness, flush } from '../helpers/tui-harness.js'
import type { GroupHistoryEntry, PsstEvent } from '../../src/daemon/api.js'

const GID = 'ab'.repeat(32)
const BOB = 'b'.repeat(64)
const CAT = 'c'.repeat(64)

function line (over: Partial<GroupHistoryEntry>): PsstEvent {
  return {
    type: 'group-message', groupName: 'team', id: `e-${Math.random()}`, groupId: GID, seq: 1, author: BOB, authorName: 'bob',
    from: BOB, text: 'hello team', kind: 'text', sentAt: 1_700_000_000_000, state: 'delivered', index: 0, ...over
  } as PsstEvent
}

async function withGroup (): Promise<Awaited<ReturnType<typeof harness>>> {
  const h = await harness()
  h.client.groups = [{ groupId: GID, name: 'team', members: 3, unread: 0, topic: 'ship it', state: 'joined', role: 'founder' }]
  h.client.groupMembers = [
    { publicKey: 'a'.repeat(64), name: 'me', role: 'founder', online: true, status: 'joined' },
    { publicKey: BOB, name: 'bob', role: 'moderator', online: true, status: 'joined' },
    { publicKey: CAT, name: 'cat', role: 'member', online: false, status: 'invited' }
  ]
  await h.c.loadState()
  return h
}

describe('TUI group windows', () => {
  it('a group line opens its own window (#name) in the background, with activity', async () => {
    const h = await withGroup()
    h.client.emit(line({ index: 3 }))
    await flush()
    const win = h.c.state.windows.find(GID)!
    expect(win.kind).toBe('group')
    expect(h.c.state.windows.activityList()).toEqual([{ number: 2, level: 2 }])
    h.c.switchNumber(2)
    await flush()
    const screen = h.screen().join('\n')
    expect(screen).toMatch(/\[2:#team\]/)
    expect(screen).toMatch(/#team — ship it \[~me @bob \(cat\)\]/)
    expect(screen).toMatch(/<bob> hello team/)
  })

  it('a line naming me is a highlight; membership changes show as actions', async () => {
    const h = await withGroup()
    h.c.state.me = { id: 'x', publicKey: 'a'.repeat(64), name: 'alice', status: 'online', statusMessage: '' }
    h.client.emit(line({ id: 'j', kind: 'event', text: 'cat joined', author: CAT, authorName: 'cat', from: CAT, index: 1, change: { op: 'join' } }))
    h.client.emit(line({ id: 'm', text: 'alice, look', index: 2 }))
    await flush()
    expect(h.c.state.windows.activityList()).toEqual([{ number: 2, level: 3 }])
    h.c.switchNumber(2)
    await flush()
    expect(h.log()).toEqual([`${CAT}: joined [delivered]`, `${BOB}: alice, look [delivered]`])
    expect(h.screen().join('\n')).toMatch(/\* cat joined/)
  })

  it('text, /me, /topic and /invite in a group window go to the group', async () => {
    const h = await withGroup()
    h.c.openGroup(GID, true)
    await flush()
    await h.line('hi all')
    await h.line('/me waves')
    await h.line('/topic new topic')
    h.client.friends.push({ publicKey: CAT, state: 'friends', name: 'cat', online: true, status: 'online', statusMessage: '', lastSeen: 0, unread: 0, mailbox: null })
    h.c.state.book.setFriends(h.client.friends)
    await h.line('/invite cat')
    expect(h.client.callsOf('groupSend')).toEqual([{ group: GID, text: 'hi all' }, { group: GID, text: 'waves', action: true }])
    expect(h.client.callsOf('groupTopic')).toEqual([{ group: GID, text: 'new topic' }])
    expect(h.client.callsOf('groupInvite')).toEqual([{ group: GID, friend: CAT }])
    await h.line('/names')
    expect(h.log().join('\n')).toMatch(/#team: ~me @bob \(cat\) \(3 members, 2 online\)/)
  })

  it('/invite outside a group window says where it works', async () => {
    const h = await withGroup()
    await h.line('/invite bob')
    expect(h.log().join('\n')).toMatch(/works in a group window/)
  })
})
