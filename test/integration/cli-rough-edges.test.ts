import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, TestNet, psst, waitFor } from '../helpers/psst.js'

/** Issue 16 items 7 and 8 in the CLI: each rough edge as the user met it, now with a clear answer. */
describe('errors that mislead and small things, through the CLI', () => {
  let net: TestNet
  beforeAll(async () => { net = await TestNet.start(82) })
  afterAll(async () => { await net?.teardown() })

  it('a read-only home says so, not EACCES daemon.pid or "in use by another process"', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'psst-ro-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt])
    try {
      const home = join(mnt, 'p')
      expect((await psst(['--home', home, 'init', '--name', 'ro', '--no-autostart'])).code).toBe(0)
      execFileSync('mount', ['-o', 'remount,ro', mnt])
      for (const args of [['id'], ['friends'], ['--no-autostart', 'friends'], ['send', 'bob', 'hi']]) {
        const r = await psst(['--home', home, ...args])
        expect(r.code, args.join(' ')).toBe(1)
        expect(r.stderr, args.join(' ')).toMatch(/^psst: cannot write in .* \(it is on a read-only file system\)/)
        expect(r.stderr).not.toMatch(/EROFS|EACCES|in use/)
      }
    } finally {
      execFileSync('umount', [mnt])
      rmSync(mnt, { recursive: true, force: true })
    }
  }, 180_000)

  it('psst help sned suggests send; history --help states the default limit', async () => {
    const r = await psst(['help', 'sned'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown command 'sned' (Did you mean send?)")
    expect((await psst(['history', '--help'])).stdout).toMatch(/default: 50/)
  }, 180_000)

  it('a message of spaces is refused; accept says "is now your friend" once; id --qr writes no colour codes into a pipe', async () => {
    const alice = await net.profile('alice')
    const bob = await net.profile('bob')
    expect((await alice.cli(['add', bob.id])).code).toBe(0)
    await waitFor(async () => (await bob.json<any[]>(['requests'])).length === 1, 'request at bob')
    const acc = await bob.cli(['accept', alice.publicKey.slice(0, 8)])
    expect(acc.stdout.match(/is now your friend/g)).toHaveLength(1)
    const blank = await alice.cli(['send', bob.publicKey.slice(0, 8), '   '])
    expect(blank.code).toBe(2)
    expect(blank.stderr).toContain('the message is empty')
    // export: the whole conversation, as text or as one JSON document
    expect((await alice.cli(['send', 'bob', 'first line'])).code).toBe(0)
    expect((await alice.cli(['send', 'bob', 'second line'])).code).toBe(0)
    const text = await alice.cli(['export', 'bob'])
    expect(text.stdout.trim().split('\n').map((l) => l.replace(/^.*  /, ''))).toEqual(['first line', 'second line'])
    const doc = JSON.parse((await alice.cli(['export', 'bob', '--format', 'json'])).stdout)
    expect(doc.friend).toMatchObject({ publicKey: bob.publicKey, name: 'bob', alias: '' })
    expect(doc.messages.map((m: any) => m.text)).toEqual(['first line', 'second line'])


    // docs/control-protocol.md's bot, run as written, on bob's daemon
    const bot = spawn(process.execPath, [join(ROOT, 'docs', 'examples', 'echo-bot.mjs'), bob.home], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      let said = ''
      bot.stdout.on('data', (d) => { said += d })
      await waitFor(() => said.includes('echo bot running as bob'), 'the bot')
      expect((await alice.cli(['send', 'bob', 'ping'])).code).toBe(0)
      await waitFor(async () => (await alice.json<any[]>(['history', 'bob'])).some((e) => e.text === 'echo: ping'), 'the echo')
    } finally {
      bot.kill()
    }

    const qr = await alice.cli(['id', '--qr'])
    expect(qr.code).toBe(0)
    expect(qr.stdout).not.toContain('\u001b')
    expect(qr.stdout).toMatch(/[█▀▄]/)
  }, 180_000)

  it('unblock takes the name block took; a declined key is listed by psst blocked; history of a removed friend explains', async () => {
    const [alice, bob] = net.profiles
    const dave = await net.profile('dave')
    const eve = await net.profile('eve')
    await net.friends(alice, dave)
    expect((await alice.cli(['block', 'dave'])).code).toBe(0)
    const unblock = await alice.cli(['unblock', 'dave'])
    expect(unblock.code, unblock.stderr).toBe(0)

    expect((await eve.cli(['add', alice.id])).code).toBe(0)
    await waitFor(async () => (await alice.json<any[]>(['requests'])).length === 1, 'eve\'s request')
    expect((await alice.cli(['decline', 'eve'])).code).toBe(0)
    const blocked = await alice.cli(['blocked'])
    expect(blocked.stdout).toMatch(new RegExp(`^eve +${eve.publicKey} +declined`, 'm'))
    expect(await alice.json<any[]>(['blocked'])).toEqual([expect.objectContaining({ publicKey: eve.publicKey, name: 'eve', declined: true })])
    expect((await alice.cli(['unblock', 'eve'])).code).toBe(0)

    expect((await alice.cli(['remove', bob.publicKey.slice(0, 8)])).code).toBe(0)
    const history = await alice.cli(['history', 'bob'])
    expect(history.code).toBe(1)
    expect(history.stderr).toContain("a removed friend's history is deleted with them")
  }, 180_000)

  it('mailbox set with a key that is no relay warns after a short wait instead of accepting silently', async () => {
    const alice = net.profiles[0]
    const r = await alice.cli(['mailbox', 'set', 'ab'.repeat(32), '--wait', '3'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/relay abababab did not answer within 3 s: check the key is a psst relay's/)
    expect((await alice.cli(['mailbox', 'clear'])).code).toBe(0)
  }, 180_000)
})
