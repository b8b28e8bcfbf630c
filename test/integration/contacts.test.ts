import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { PsstEvent } from '../../src/daemon/api.js'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'

/**
 * Issue 16 items 3, 4 and 11 with real daemons and the CLI as written in the README: aliases that
 * survive a rename, impostors flagged and refused without --force, friends by public key alone.
 */
describe('names, impostors and add-by-key across real daemons', () => {
  let net: TestNet
  beforeAll(async () => { net = await TestNet.start(80) })
  afterAll(async () => { await net?.teardown() })

  const friendOf = async (p: Profile, key: string): Promise<any> =>
    (await p.json<any[]>(['friends'])).find((f) => f.publicKey === key)

  it('an alias is shown and matched first and survives the friend\'s rename, which history and watch show', async () => {
    const alice = await net.profile('alice')
    const bob = await net.profile('bob')
    await net.friends(alice, bob)
    const events: PsstEvent[] = []
    await (await alice.client()).subscribe((e) => events.push(e), ['rename'])

    const set = await alice.cli(['alias', 'bob', 'robert'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('your alias for')
    expect((await alice.cli(['alias', 'robert'])).stdout).toMatch(/your alias for .*: robert/)
    expect((await alice.cli(['send', 'robert', 'before the rename'])).code).toBe(0)

    expect((await bob.cli(['nick', 'bobby'])).code).toBe(0)
    await waitFor(async () => (await friendOf(alice, bob.publicKey))?.name === 'bobby', 'the rename at alice')
    await waitFor(() => events.length > 0, 'the rename event')
    expect(events[0]).toMatchObject({ type: 'rename', publicKey: bob.publicKey, from: 'bob', to: 'bobby', alias: 'robert' })

    // The alias still names him, and so does a unique prefix of it or of his new name.
    const sent = await alice.cli(['send', 'rob', 'after the rename'])
    expect(sent.code, sent.stderr).toBe(0)
    expect((await alice.cli(['history', 'bob'])).stdout).toContain('after the rename')
    const history = await alice.cli(['history', 'robert'])
    expect(history.code, history.stderr).toBe(0)
    const lines = history.stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toContain('before the rename')
    expect(lines[1]).toContain('-- bob is now known as bobby (your alias for them: robert)')
    expect(lines[2]).toContain('after the rename')

    const friends = await alice.cli(['friends'])
    expect(friends.stdout).toMatch(/^robert \(bobby\) +[0-9a-f]{8}/m)
    expect((await alice.cli(['alias', 'robert', '--clear'])).code).toBe(0)
    expect((await friendOf(alice, bob.publicKey)).alias).toBe('')
    expect((await alice.cli(['history', 'bobby'])).code).toBe(0)
    await alice.cli(['alias', 'bobby', 'robert'])
  }, 180_000)

  it('a look-alike request is flagged in psst requests and psst friends, and accept needs --force', async () => {
    const [alice, bob] = net.profiles
    const impostor = await net.profile('Bobby') // the name bob took, another key
    expect((await impostor.cli(['add', alice.id, 'new phone, same bob'])).code).toBe(0)
    await waitFor(async () => (await alice.json<any[]>(['requests'])).length === 1, 'the request at alice')

    const requests = await alice.cli(['requests'])
    expect(requests.stdout).toMatch(/^Bobby \(!\) +[0-9a-f]{8}/m)
    expect(requests.stdout).toContain(`looks like your friend robert (${bob.publicKey.slice(0, 8)})`)
    const refused = await alice.cli(['accept', 'Bobby'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/looks like your friend robert.*--force/)
    expect(await alice.json<any[]>(['requests'])).toHaveLength(1)

    const accepted = await alice.cli(['accept', impostor.publicKey.slice(0, 8), '--force'])
    expect(accepted.code, accepted.stderr).toBe(0)
    expect(accepted.stdout.match(/is now your friend/g)).toHaveLength(1)

    // Both are listed with their keys and a warning; the shared name is ambiguous, the alias is not.
    const friends = await alice.cli(['friends'])
    expect(friends.stdout).toContain(`warning: Bobby (${impostor.publicKey.slice(0, 8)}) looks like your friend robert`)
    const ambiguous = await alice.cli(['send', 'bobby', 'who is this?'])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toContain(bob.publicKey.slice(0, 8))
    expect(ambiguous.stderr).toContain(impostor.publicKey.slice(0, 8))
    expect((await alice.cli(['send', 'robert', 'still you'])).code).toBe(0)
  }, 180_000)

  it('two profiles that add each other\'s public key become friends and chat; a one-sided add reaches nobody', async () => {
    const dave = await net.profile('dave')
    const erin = await net.profile('erin')
    const add = await dave.cli(['add', `psst:${erin.publicKey}`])
    expect(add.code, add.stderr).toBe(0)
    expect(add.stdout).toContain('nothing was sent to them')
    expect((await dave.cli(['friends'])).stdout).toContain('waiting for them to add you')
    expect((await dave.cli(['send', 'erin', 'too early'])).code).toBe(1)
    expect((await dave.cli(['add', erin.publicKey, 'with a note'])).code).toBe(2)

    expect((await erin.cli(['add', dave.publicKey.toUpperCase()])).code).toBe(0)
    await waitFor(async () => (await friendOf(dave, erin.publicKey))?.online && (await friendOf(erin, dave.publicKey))?.online, 'dave and erin online')
    expect(await friendOf(dave, erin.publicKey)).toMatchObject({ state: 'friends', name: 'erin' })
    expect(await friendOf(erin, dave.publicKey)).toMatchObject({ state: 'friends', name: 'dave' })
    expect(await dave.json<any[]>(['requests'])).toEqual([])
    const sent = await dave.json<any>(['send', 'erin', '--wait', '20', 'hello by key'])
    expect(sent.state).toBe('delivered')
    expect((await erin.json<any[]>(['history', 'dave'])).map((e) => e.text)).toEqual(['hello by key'])

    // A stranger who adds alice's key alone finds no pointer of hers for him (docs/design.md,
    // Presence privacy): nothing of his reaches her daemon, and she sees nothing.
    const alice = net.profiles[0]
    const events: PsstEvent[] = []
    await (await alice.client()).subscribe((e) => events.push(e))
    const before = (await alice.json<any>(['daemon', 'status'])).counters
    const frank = await net.profile('frank')
    expect((await frank.cli(['add', alice.publicKey])).code).toBe(0)
    await waitFor(async () => ((await frank.json<any>(['daemon', 'status'])).counters['meeting-lookups'] ?? 0) >= 2, 'frank looked for alice twice')
    const after = (await alice.json<any>(['daemon', 'status'])).counters
    expect([after['stranger-frames'] ?? 0, after['refused-not-friend'] ?? 0]).toEqual([before['stranger-frames'] ?? 0, before['refused-not-friend'] ?? 0])
    expect(await alice.json<any[]>(['requests'])).toEqual([])
    expect(await friendOf(alice, frank.publicKey)).toBeUndefined()
    expect(events.filter((e) => JSON.stringify(e).includes(frank.publicKey))).toEqual([])
    expect(await friendOf(frank, alice.publicKey)).toMatchObject({ state: 'key-added', online: false })
  }, 180_000)
})
