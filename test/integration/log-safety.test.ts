/**
 * The daemon's log (issue 15, item 4): a friend's name carrying terminal escapes is written
 * escaped, never raw (`tail -f daemon.log` must not run it); and a passphrase profile's log
 * carries neither friends' names nor keys.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNet, BIN, psst, waitFor } from '../helpers/psst.js'
import { RawNet, RawFriend } from '../helpers/raw-peer.js'

const EVIL = 'mallory\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202eevil'

let net: TestNet
let raw: RawNet
beforeAll(async () => {
  net = await TestNet.start(153)
  raw = await RawNet.create(net.bootstrap)
})
afterAll(async () => {
  await raw?.destroy()
  await net?.teardown()
})

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/

describe('daemon log', () => {
  it('a friend name with escape sequences is logged escaped, in one line', async () => {
    const alice = await net.profile('alice')
    const friend = await RawFriend.start(raw, EVIL)
    expect((await alice.cli(['add', friend.id(), 'hi', '--no-autostart'])).code).toBe(0)
    await friend.ready()
    await waitFor(() => /online: mallory/.test(alice.log), 'the online line in the log')
    expect(alice.log).not.toMatch(CONTROLS)
    expect(alice.log).toMatch(/online: mallory\\u\{1b\}\]0;pwned\\u\{7\}/)
  })

  it('a passphrase profile logs no names and no keys', async () => {
    const home = mkdtempSync(join(tmpdir(), 'psst-logenc-'))
    const pass = join(home, '..', `${home.split('/').pop()}.pass`)
    writeFileSync(pass, 'a long enough passphrase\n')
    let daemon: ChildProcess | null = null
    try {
      const init = await psst(['--home', home, '--passphrase-file', pass, '--no-autostart', 'init', '--name', 'carol', '--json'])
      expect(init.code, init.stderr).toBe(0)
      const me = JSON.parse(init.stdout)
      let log = ''
      daemon = spawn(process.execPath, [BIN, 'daemon', '--home', home, '--bootstrap', net.bootstrap, '--passphrase-file', pass],
        { env: { ...process.env, PSST_KDF: 'interactive' }, stdio: ['ignore', 'ignore', 'pipe'] })
      daemon.stderr!.on('data', (d) => { log += d })
      await waitFor(() => /listening as/.test(log), 'carol online')
      const friend = await RawFriend.start(raw, 'dave-the-friend')
      const add = await psst(['--home', home, '--passphrase-file', pass, 'add', friend.id(), 'hi'])
      expect(add.code, add.stderr).toBe(0)
      await friend.ready()
      await waitFor(() => /online: /.test(log), 'the online line in the log')
      expect(log).not.toMatch(/dave-the-friend/)
      expect(log).not.toMatch(/carol/)
      for (const key of [me.publicKey, friend.publicHex]) {
        expect(log).not.toContain(key.slice(0, 8))
        expect(log.toLowerCase()).not.toContain(key.slice(0, 8).toLowerCase())
      }
      expect(log).toMatch(/online: <hidden>/)
    } finally {
      daemon?.kill('SIGKILL')
      rmSync(home, { recursive: true, force: true })
      rmSync(pass, { force: true })
    }
  })
})
