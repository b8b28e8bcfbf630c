import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { writeFileSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { BIN, TestNet, waitFor, type Profile } from '../helpers/psst.js'

const MESSAGES = 300

/**
 * Issue 16 item 5: psst passwd adds, changes and removes the passphrase, re-encrypting every
 * record; a kill -9 at any point of the copy or the swap leaves a profile that opens with the old
 * or the new passphrase and holds the whole history.
 */
describe('psst passwd', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  const file = (name: string, text: string): string => { const p = join(alice.home, `${name}.pass`); writeFileSync(p, text + '\n'); return p }

  beforeAll(async () => {
    net = await TestNet.start(81)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
    const lines = Array.from({ length: MESSAGES }, (_, i) => `message ${i + 1}`).join('\n') + '\n'
    const sent = await alice.cli(['send', 'bob', '--stdin', '--wait', '60'], { input: lines, timeoutMs: 90_000 })
    expect(sent.code, sent.stderr).toBe(0)
    expect((await bob.cli(['send', 'alice', '--wait', '30', 'the answer'])).code).toBe(0)
    await alice.stop()
  }, 180_000)
  afterAll(async () => { await net?.teardown() })

  /** The history as the profile opened in-process sees it, or the error. */
  const historyWith = async (pass: string | null): Promise<{ code: number, texts: string[], stderr: string }> => {
    const args = ['--no-autostart', 'history', 'bob', '--limit', '1000', '--json', ...(pass === null ? [] : ['--passphrase-file', file('try', pass)])]
    const r = await alice.cli(args)
    return { code: r.code, stderr: r.stderr, texts: r.code === 0 ? JSON.parse(r.stdout).map((e: any) => e.text) : [] }
  }
  const whole = (texts: string[]): void => {
    expect(texts).toHaveLength(MESSAGES + 1)
    expect(texts[0]).toBe('message 1')
    expect(texts).toContain(`message ${MESSAGES}`)
    expect(texts).toContain('the answer')
  }
  const passwd = (args: string[]): ReturnType<Profile['cli']> => alice.cli(['--no-autostart', 'passwd', ...args], { timeoutMs: 60_000 })

  it('adds, changes and removes the passphrase; every step keeps all history', async () => {
    const add = await passwd(['--new-passphrase-file', file('one', 'first secret')])
    expect(add.code, add.stderr).toBe(0)
    expect(add.stdout).toMatch(/passphrase added.*records re-encrypted/)
    expect((await historyWith(null)).code).toBe(1)
    expect((await historyWith('wrong')).stderr).toMatch(/wrong passphrase/)
    whole((await historyWith('first secret')).texts)

    const wrongOld = await passwd(['--passphrase-file', file('bad', 'nope'), '--new-passphrase-file', file('two', 'second secret')])
    expect(wrongOld.code).toBe(1)
    whole((await historyWith('first secret')).texts)

    const change = await passwd(['--passphrase-file', file('one', 'first secret'), '--new-passphrase-file', file('two', 'second secret')])
    expect(change.code, change.stderr).toBe(0)
    expect((await historyWith('first secret')).stderr).toMatch(/wrong passphrase/)
    whole((await historyWith('second secret')).texts)

    const remove = await passwd(['--passphrase-file', file('two', 'second secret'), '--remove'])
    expect(remove.code, remove.stderr).toBe(0)
    whole((await historyWith(null)).texts)
    expect(readdirSync(alice.home).filter((n) => n.includes('rekey'))).toEqual([])
  }, 300_000)

  /** Runs passwd until the test hook pauses it at `point`, then kill -9. */
  const killAt = async (point: string, args: string[]): Promise<void> => {
    const child = spawn(process.execPath, [BIN, '--home', alice.home, '--no-autostart', 'passwd', ...args],
      { env: { ...process.env, PSST_KDF: 'interactive', PSST_TEST_REKEY_PAUSE: point }, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr!.on('data', (d) => { err += d })
    await waitFor(() => err.includes('rekey paused') || child.exitCode !== null, `passwd to reach ${point}`, 60_000)
    expect(err).toContain(`rekey paused at ${point}`)
    expect(child.exitCode, 'passwd must still run when it is killed').toBeNull()
    await new Promise((r) => { child.once('exit', r); child.kill('SIGKILL') })
  }

  it('kill -9 during the copy leaves the old passphrase; during the swap, the new one — history whole either way', async () => {
    // Plain → encrypted, killed half-way through the copy: still plain, nothing half-written kept.
    await killAt('copy:4', ['--new-passphrase-file', file('k1', 'killed one')])
    whole((await historyWith(null)).texts)
    expect(existsSync(join(alice.home, 'db.rekey'))).toBe(false)

    // Killed after each rename of the swap: the commit marker says the new profile is complete.
    let current: string | null = null
    for (const [i, point] of ['swap:1', 'swap:2', 'swap:3', 'swap:4'].entries()) {
      const next = `swap secret ${i}`
      await killAt(point, [...(current === null ? [] : ['--passphrase-file', file('cur', current)]), '--new-passphrase-file', file('next', next)])
      if (current !== null) expect((await historyWith(current)).stderr, point).toMatch(/wrong passphrase/)
      whole((await historyWith(next)).texts)
      current = next
    }
    expect(readdirSync(alice.home).filter((n) => n.includes('rekey'))).toEqual([])

    // The daemon opens the rekeyed profile and keeps chatting where it stopped.
    expect((await passwd(['--passphrase-file', file('cur', current!), '--remove'])).code).toBe(0)
    await alice.start()
    const sent = await alice.json<any>(['send', 'bob', '--wait', '30', 'after all that'])
    expect(sent).toMatchObject({ seq: MESSAGES + 1, state: 'delivered' })
  }, 300_000)

  it('with the daemon running, passwd stops it, re-encrypts, and starts it again under the new passphrase', async () => {
    const r = await alice.cli(['passwd', '--new-passphrase-file', file('live', 'live secret')], { timeoutMs: 90_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('the daemon was restarted')
    const sent = await alice.json<any>(['send', 'bob', '--wait', '30', 'still here'])
    expect(sent.state).toBe('delivered')
    expect((await alice.json<any>(['id'])).protection).toMatchObject({ encrypted: true })
  }, 300_000)
})
