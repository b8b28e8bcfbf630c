import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { BIN, TestNet, waitFor, type Profile } from '../helpers/psst.js'
import type { Client } from '../../src/daemon/index.js'
import type { GroupHistoryEntry } from '../../src/daemon/api.js'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { decodeGroupRecord } from '../../src/groups/wire.js'
import { controlOf, openText, parseEntry } from '../../src/groups/entry.js'

/**
 * Issue 18, group chat with real daemons: the documented CLI flow (create, invite, join, send,
 * history, members, list), roles, topic and removal. Friendships form a chain, so members who
 * are not friends of each other hear each other through the ones who are.
 */
describe('group chat', () => {
  let net: TestNet
  let alice: Profile, bob: Profile, carol: Profile
  let ca: Client, cb: Client, cc: Client
  beforeAll(async () => {
    net = await TestNet.start(230)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    carol = await net.profile('carol')
    await net.friends(alice, bob)
    await net.friends(bob, carol)
    ;[ca, cb, cc] = [await alice.client(), await bob.client(), await carol.client()]
  }, 60_000)
  afterAll(async () => { await net?.teardown() })

  const texts = async (c: Client, g: string): Promise<string[]> =>
    ((await c.call('groupHistory', { group: g, limit: 1000 })) as GroupHistoryEntry[]).filter((e) => e.kind !== 'event').map((e) => e.text)

  it('create, invite, join and talk through the CLI; members who are not friends hear each other', { timeout: 90_000 }, async () => {
    const created = await alice.json(['group', 'create', 'team'])
    expect(created).toEqual({ groupId: expect.stringMatching(/^[0-9a-f]{64}$/), name: 'team' })
    expect((await alice.cli(['group', 'invite', 'team', 'bob'])).code).toBe(0)
    await waitFor(async () => (await bob.json(['group', 'invites'])).length === 1, 'bob sees the invite')
    expect(await bob.json(['group', 'invites'])).toEqual([{ groupId: created.groupId, name: 'team', from: alice.publicKey }])
    expect((await bob.cli(['group', 'join', created.groupId.slice(0, 8)])).code).toBe(0)
    await waitFor(async () => (await cb.call('groupList', {}))[0]?.state === 'joined', 'bob joined')

    // Bob (a moderator now) invites carol, who is not alice's friend.
    expect((await alice.cli(['group', 'role', 'team', 'bob', 'moderator'])).code).toBe(0)
    await waitFor(async () => (await cb.call('groupMembers', { group: 'team' })).find((m) => m.publicKey === bob.publicKey)?.role === 'moderator', 'bob is a moderator')
    expect((await bob.cli(['group', 'invite', 'team', 'carol'])).code).toBe(0)
    await waitFor(async () => (await cc.call('groupInvites', {})).length === 1, 'carol sees the invite')
    expect((await carol.cli(['group', 'join', 'team'])).code).toBe(0)
    await waitFor(async () => (await cc.call('groupList', {}))[0]?.state === 'joined', 'carol joined')

    expect((await alice.cli(['send', 'team', 'hello', 'group'])).code).toBe(0)
    expect((await carol.cli(['send', 'team', 'hi alice'])).code).toBe(0)
    for (const c of [ca, cb, cc]) await waitFor(async () => (await texts(c, 'team')).length === 2, 'both lines everywhere')
    await new Promise((r) => setTimeout(r, 500))
    const seen = await Promise.all([ca, cb, cc].map(async (c) => await texts(c, 'team')))
    expect(seen[1]).toEqual(seen[0])
    expect(seen[2]).toEqual(seen[0])
    expect(new Set(seen[0])).toEqual(new Set(['hello group', 'hi alice']))

    const hist = await carol.json(['history', 'team'])
    const line = hist.find((e: GroupHistoryEntry) => e.text === 'hello group')
    expect(line.author).toBe(alice.publicKey)
    const human = await carol.cli(['history', 'team'])
    expect(human.stdout).toMatch(/<alice> hello group/)
    expect(human.stdout).toMatch(/-!- carol joined/)

    const members = await alice.json(['group', 'members', 'team'])
    expect(members.map((m: any) => [m.name, m.role]).sort()).toEqual([['alice', 'founder'], ['bob', 'moderator'], ['carol', 'member']])
    expect(Object.keys(members[0]).sort()).toEqual(['name', 'online', 'publicKey', 'role'])
    const list = await carol.json(['group', 'list'])
    expect(list).toEqual([{ groupId: created.groupId, name: 'team', members: 3, unread: expect.any(Number) }])

    // psst watch <group>: that group's events only, one JSON line each.
    const watcher = spawn(process.execPath, [BIN, '--home', carol.home, 'watch', 'team', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    watcher.stdout.on('data', (d) => { out += d })
    try {
      await new Promise((r) => setTimeout(r, 1500))
      expect((await bob.cli(['send', 'carol', 'a 1:1 line, not of the group'])).code).toBe(0)
      expect((await alice.cli(['send', 'team', 'watched line'])).code).toBe(0)
      const line = await waitFor(() => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)).find((e) => e.type === 'group-message' && e.text === 'watched line'), 'the watched line')
      expect(line).toMatchObject({ groupId: created.groupId, author: alice.publicKey, groupName: 'team', kind: 'text' })
      expect(out).not.toMatch(/not of the group/)
    } finally {
      watcher.kill()
    }

    expect((await bob.cli(['group', 'topic', 'team', 'ship', 'it'])).code).toBe(0)
    await waitFor(async () => (await cc.call('groupList', {}))[0]?.topic === 'ship it', 'carol sees the topic')
    // A member cannot set the topic or remove anyone.
    const refused = await carol.cli(['group', 'remove', 'team', 'bob'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/moderators/)
  })

  it('a removed member gets nothing readable after the removal', { timeout: 60_000 }, async () => {
    expect((await bob.cli(['group', 'remove', 'team', 'carol'])).code).toBe(0)
    await waitFor(async () => (await cc.call('groupList', {}))[0]?.state === 'removed', 'carol learns she was removed')
    expect((await alice.cli(['send', 'team', 'after carol left'])).code).toBe(0)
    await waitFor(async () => (await texts(cb, 'team')).includes('after carol left'), 'bob has it')
    await new Promise((r) => setTimeout(r, 1500))
    expect(await texts(cc, 'team')).not.toContain('after carol left')
    const r = await carol.cli(['send', 'team', 'still here?'])
    expect(r.code).toBe(1)

    // Her store: whatever entries reached it, none written after her removal opens with her keys.
    await carol.stop()
    // Her history read with no daemon running (the profile opened in the CLI's process).
    const offline = await carol.json(['--no-autostart', 'history', 'team'])
    expect(offline.map((e: GroupHistoryEntry) => e.text)).toContain('hello group')
    expect(offline.map((e: GroupHistoryEntry) => e.text)).not.toContain('after carol left')
    await cryptoReady()
    const store = await ProfileStore.open(carol.home, null)
    try {
      const values = await store.loadGroupValues()
      const rec = values.map((v) => v.suffix[0] === 0 ? decodeGroupRecord(v.value) : null).find((x) => x !== null)!
      const entries = values.filter((v) => v.suffix[0] === 1).map((v) => parseEntry(v.value)).filter((e) => typeof e !== 'string')
      const removal = entries.find((e) => e.entry.kind === 'control' && controlOf(e.entry)?.op === 'remove')!
      expect(removal).toBeDefined()
      const after = entries.filter((e) => e.entry.lamport > removal.entry.lamport && e.entry.kind !== 'control')
      const readable = after.filter((e) => rec.keys.some((k) => openText(e.entry, k.key) !== null))
      expect(readable).toEqual([])
      const before = entries.filter((e) => e.entry.lamport < removal.entry.lamport && e.entry.kind === 'text')
      expect(before.some((e) => rec.keys.some((k) => openText(e.entry, k.key) === 'hello group'))).toBe(true)
    } finally {
      await store.close()
    }
  })
})
