import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { TestNet, Profile, BIN, waitFor } from '../helpers/psst.js'
import { fullHistory, receivedTexts, range } from '../helpers/history.js'
import type { Client } from '../../src/daemon/index.js'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair } from '../../src/crypto/identity.js'
import { attest, signList } from '../../src/devices/attestation.js'
import { DeviceRecords } from '../../src/devices/records.js'

/** `psst device link` on a fresh home: resolves with the code line, then with the linked line. */
function startLink (p: Profile, name: string, json = true): { child: ChildProcess, lines: string[], exited: Promise<number> } {
  const child = spawn(process.execPath, [BIN, '--home', p.home, '--bootstrap', p.net.bootstrap, 'device', 'link', '--name', name, ...(json ? ['--json'] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PSST_KDF: 'interactive' } })
  const lines: string[] = []
  let buf = ''
  child.stdout!.on('data', (d) => {
    buf += d
    let at: number
    while ((at = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, at)); buf = buf.slice(at + 1) }
  })
  let err = ''
  child.stderr!.on('data', (d) => { err += d })
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => { if (code !== 0) console.error(err); resolve(code ?? -1) }))
  return { child, lines, exited }
}

/** Issue 20: one identity on several devices, with real daemons on a private DHT. */
describe('one identity on several devices', () => {
  let net: TestNet
  let alice: Profile
  let alice2: Profile
  let bob: Profile
  let ca: Client
  let ca2: Client
  let cb: Client
  beforeAll(async () => {
    net = await TestNet.start(250)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
    ca = await alice.client()
    cb = await bob.client()
    await cb.call('sendMany', { friend: alice.publicKey, texts: ['before the link'] })
    alice2 = new Profile(net, 'alice2')
    net.profiles.push(alice2)
  }, 60_000)
  afterAll(async () => { await net?.teardown() })

  it('links a second device: code line, then id line; the new device has the same ID, the friends and history', async () => {
    const link = startLink(alice2, 'laptop')
    const first = await waitFor(() => link.lines[0], 'the code line')
    const { code } = JSON.parse(first)
    expect(code).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/)
    const added = await alice.json(['device', 'add', code])
    expect(added).toMatchObject({ name: 'laptop', deviceKey: expect.stringMatching(/^[0-9a-f]{64}$/) })
    expect(await link.exited).toBe(0)
    const done = JSON.parse(link.lines[1])
    expect(done).toEqual({ id: alice.id, deviceKey: added.deviceKey })
    await alice2.start()
    ca2 = await alice2.client()
    expect((await alice2.json(['id'])).id).toBe(alice.id)
    expect((await ca2.call('friends', {})).map((f) => f.publicKey)).toEqual([bob.publicKey])
    expect(await receivedTexts(ca2, bob.publicKey)).toEqual(['before the link'])
    const list = await alice.json<any[]>(['device', 'list'])
    expect(list).toHaveLength(2)
    expect(list.find((d) => d.current)?.deviceKey).toBe(alice.publicKey)
    expect(list.find((d) => !d.current)).toMatchObject({ deviceKey: added.deviceKey, name: 'laptop' })
    // Bob still sees one friend alice, not her devices.
    await waitFor(async () => ((await cb.call('status', {})).counters['device-lists-taken'] ?? 0) >= 1, 'bob learns the device list')
    expect((await cb.call('friends', {})).map((f) => f.publicKey)).toEqual([alice.publicKey])
  }, 60_000)

  it('only the first device can change what the identity key signs; a malformed code is a usage error', async () => {
    for (const args of [['device', 'revoke', 'laptop'], ['device', 'rename', 'x'], ['nospam', '--new']]) {
      const r = await alice2.cli([...args, '--json'])
      expect(r.code, args.join(' ')).toBe(1)
      expect(JSON.parse(r.stderr).error.code).toBe('NOT_IDENTITY')
    }
    const human = await alice2.cli(['device', 'list'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^\* \w{8}.*laptop\s+this device$/m)
    const bad = await alice.cli(['device', 'add', 'not-a-code'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/link code is 32 hex digits/)
  }, 60_000)

  it('bob sends 20: both alice devices hold all 20, exactly once', async () => {
    const texts = range(1, 20).map((n) => `m${n}`)
    await cb.call('sendMany', { friend: alice.publicKey, texts })
    for (const c of [ca, ca2]) {
      await waitFor(async () => (await receivedTexts(c, bob.publicKey)).filter((t) => t.startsWith('m')).length >= 20, 'all 20 on a device', 30_000)
      expect((await receivedTexts(c, bob.publicKey)).filter((t) => t.startsWith('m'))).toEqual(texts)
      const h = await fullHistory(c, bob.publicKey)
      expect(new Set(h.map((e) => e.id)).size).toBe(h.length)
    }
  }, 60_000)

  it('alice sends from device 2: bob gets it from alice, device 1 shows it as sent elsewhere', async () => {
    await ca2.call('send', { friend: bob.publicKey, text: 'from the laptop' })
    await waitFor(async () => (await receivedTexts(cb, alice.publicKey)).includes('from the laptop'), 'bob gets it', 30_000)
    const atBob = (await fullHistory(cb, alice.publicKey)).filter((e) => e.text === 'from the laptop')
    expect(atBob).toHaveLength(1)
    expect(atBob[0].from).toBe(alice.publicKey)
    await waitFor(async () => (await fullHistory(ca, bob.publicKey)).some((e) => e.text === 'from the laptop'), 'device 1 shows it', 30_000)
    const atOne = (await fullHistory(ca, bob.publicKey)).filter((e) => e.text === 'from the laptop')
    expect(atOne).toHaveLength(1)
    expect(atOne[0]).toMatchObject({ from: 'me', elsewhere: true })
    // And what device 1 sends shows on device 2.
    await ca.call('send', { friend: bob.publicKey, text: 'from the desktop' })
    await waitFor(async () => (await fullHistory(ca2, bob.publicKey)).some((e) => e.text === 'from the desktop' && e.from === 'me'), 'device 2 shows it', 30_000)
  }, 60_000)

  it('device 2 killed -9 while bob sends catches up on restart', async () => {
    await alice2.kill9()
    const texts = range(1, 5).map((n) => `late${n}`)
    await cb.call('sendMany', { friend: alice.publicKey, texts })
    await waitFor(async () => (await receivedTexts(ca, bob.publicKey)).includes('late5'), 'device 1 gets them', 30_000)
    await alice2.start()
    ca2 = await alice2.client()
    await waitFor(async () => (await receivedTexts(ca2, bob.publicKey)).includes('late5'), 'device 2 catches up', 30_000)
    expect((await receivedTexts(ca2, bob.publicKey)).filter((t) => t.startsWith('late'))).toEqual(texts)
  }, 60_000)

  it('revoking device 2: bob stops delivering to it', async () => {
    const r = await alice.cli(['device', 'revoke', 'laptop'])
    expect(r.code, r.stderr).toBe(0)
    expect(await alice.json<any[]>(['device', 'list'])).toHaveLength(1)
    await waitFor(async () => ((await cb.call('status', {})).counters['device-lists-taken'] ?? 0) >= 2, 'bob learns of the revocation')
    const sent = await cb.call('send', { friend: alice.publicKey, text: 'after the revocation' })
    expect((await cb.call('waitDelivered', { friend: alice.publicKey, seq: sent.seq, timeoutMs: 20_000 })).delivered).toBe(true)
    await waitFor(async () => (await receivedTexts(ca, bob.publicKey)).includes('after the revocation'), 'device 1 gets it')
    // Bob queued it for alice's first device only: device 2 never had it to receive.
    expect(await receivedTexts(ca2, bob.publicKey)).not.toContain('after the revocation')
    expect((await cb.call('status', {})).counters['device-lists-forged'] ?? 0).toBe(0)
  }, 60_000)

  it('a device list not signed by the identity is refused by bob', async () => {
    await cryptoReady()
    const mallory = await net.profile('mallory')
    await net.friends(mallory, bob)
    await mallory.stop()
    // What a forger would send: mallory's identity, a device attested and listed by another key.
    const forger = generateKeyPair()
    const device = generateKeyPair().publicKey
    const claim = (key: Buffer): any => ({ ...attest(forger, key, 1, 'evil'), identity: Buffer.from(mallory.publicKey, 'hex') })
    const forged = { ...signList(forger, 1, [claim(Buffer.from(mallory.publicKey, 'hex')), claim(device)]), identity: Buffer.from(mallory.publicKey, 'hex') }
    const store = await ProfileStore.open(mallory.home, null)
    await store.apply([store.deviceBookOp(DeviceRecords.book.encode({ identity: Buffer.from(mallory.publicKey, 'hex'), mine: forged, lastSeen: [], friends: [] }))])
    await store.close()
    const before = (await cb.call('status', {})).counters['device-lists-taken'] ?? 0
    await mallory.start()
    await waitFor(async () => ((await cb.call('status', {})).counters['device-lists-forged'] ?? 0) >= 1, 'bob refuses the forged list', 30_000)
    expect((await cb.call('status', {})).counters['device-lists-taken'] ?? 0).toBe(before)
    expect((await cb.call('friends', {})).map((f) => f.name).sort()).toEqual(['alice', 'mallory'])
  }, 60_000)

  it('as people run it: the code alone on a line, then what was linked; the list grows and the name is the one given', async () => {
    const phone = new Profile(net, 'alice3')
    net.profiles.push(phone)
    const link = startLink(phone, 'phone', false)
    const code = await waitFor(() => link.lines[0], 'the code line')
    expect(code).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/)
    const r = await alice.cli(['device', 'add', code.toUpperCase().replace(/-/g, ' ')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^linked phone \(\w+\)/)
    expect(await link.exited).toBe(0)
    expect(link.lines[1]).toBe(`linked: this device now speaks for ${alice.id} (psst id)`)
    const names = (await alice.json<any[]>(['device', 'list'])).map((d) => d.name)
    expect(names).toHaveLength(2)
    expect(names).toContain('phone')
  }, 60_000)
})
