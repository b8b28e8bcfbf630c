/**
 * Issue 17: transfer records at rest. For a passphrase profile every file in `<home>/files` (the
 * records, the sender's hash lists, the receiver's part state) is sealed with a key kept in the
 * profile DB; records written before (a plain profile that gets a passphrase) are sealed when the
 * daemon next opens them, and a half-done transfer still resumes; `psst passwd` (change, remove)
 * keeps them readable, removing the passphrase makes them plain again.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNet, BIN, waitFor, type Profile } from '../helpers/psst.js'

const MiB = 1024 * 1024
const NAME = 'secret-plans-2027.bin'

describe('file transfer records at rest', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string
  let data: Buffer
  let fileId = ''
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-files-rest-'))
    net = await TestNet.start(223)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
  })
  afterAll(async () => {
    await net?.teardown()
    rmSync(dir, { recursive: true, force: true })
  })

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
  const pass = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text + '\n'); return p }

  /** Every file of `<home>/files`, and whether any of them shows the file's name. */
  function namesShown (p: Profile): { files: string[], leaks: string[] } {
    const at = join(p.home, 'files')
    const files = readdirSync(at)
    return { files, leaks: files.filter((f) => readFileSync(join(at, f)).includes(Buffer.from('secret-plans'))) }
  }

  /** `psst daemon` unlocked with a passphrase file, as the profile's own child (teardown kills it). */
  async function startWith (p: Profile, passFile: string | null): Promise<void> {
    let log = ''
    const args = [BIN, '--home', p.home, '--bootstrap', p.net.bootstrap, ...(passFile === null ? [] : ['--passphrase-file', passFile]), 'daemon']
    const env = { ...process.env }
    delete env.PSST_PASSPHRASE
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr!.on('data', (d) => { log += d })
    p.daemon = child
    await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${log}`)
      return /listening as/.test(log)
    }, `${p.name}'s daemon`, 30_000)
  }

  async function stateOf (p: Profile): Promise<any> {
    return (await p.json<any[]>(['file', 'list'])).find((f) => f.fileId === fileId)
  }

  it('records written plain before a passphrase was added are sealed at the next start; the transfer resumes', async () => {
    const path = join(dir, NAME)
    data = randomBytes(32 * MiB)
    writeFileSync(path, data)
    fileId = (await alice.json(['file', 'send', 'bob', path])).fileId
    await waitFor(async () => await stateOf(bob), 'the offer at bob')
    await bob.json(['file', 'accept', fileId, '--to', join(dir, 'in')])
    await waitFor(async () => (await stateOf(bob)).bytes >= 6 * MiB, 'some bytes at bob', 120_000, 20)
    await bob.kill9()
    await alice.stop()
    const before = namesShown(bob)
    expect(before.files.some((f) => f.endsWith('.state'))).toBe(true)
    expect(before.leaks.length).toBeGreaterThan(0) // a plain profile: plain records (the precondition)

    const added = await bob.cli(['--no-autostart', 'passwd', '--new-passphrase-file', pass('one', 'first secret')], { timeoutMs: 60_000 })
    expect(added.code, added.stderr).toBe(0)
    await startWith(bob, join(dir, 'one'))
    const paused = await stateOf(bob)
    expect(paused).toMatchObject({ name: NAME, state: 'paused' })
    expect(paused.bytes).toBeGreaterThan(0)
    expect(namesShown(bob).leaks).toEqual([])

    await alice.start()
    const done = await waitFor(async () => { const f = await stateOf(bob); return f?.state === 'complete' && f }, 'complete', 180_000, 200)
    expect(sha(readFileSync(done.path))).toBe(sha(data))
    expect(namesShown(bob).leaks).toEqual([])
  }, 300_000)

  it('a passphrase profile seals new records from the start (sender side too)', async () => {
    await alice.stop()
    const added = await alice.cli(['--no-autostart', 'passwd', '--new-passphrase-file', pass('a', 'alice secret')], { timeoutMs: 60_000 })
    expect(added.code, added.stderr).toBe(0)
    await startWith(alice, join(dir, 'a'))
    const path = join(dir, 'secret-plans-again.bin')
    writeFileSync(path, randomBytes(100 * 1024))
    const sent = await alice.json(['file', 'send', 'bob', path])
    await waitFor(async () => (await bob.json<any[]>(['file', 'list'])).find((f) => f.fileId === sent.fileId), 'the second offer at bob')
    expect(namesShown(alice).leaks).toEqual([])
    expect(namesShown(bob).leaks).toEqual([])
  }, 120_000)

  it('psst passwd changes or removes the passphrase and the records stay readable (plain again without one)', async () => {
    await bob.stop()
    const changed = await bob.cli(['--no-autostart', 'passwd', '--passphrase-file', join(dir, 'one'), '--new-passphrase-file', pass('two', 'second secret')], { timeoutMs: 60_000 })
    expect(changed.code, changed.stderr).toBe(0)
    await startWith(bob, join(dir, 'two'))
    expect(await stateOf(bob)).toMatchObject({ name: NAME, state: 'complete' })
    expect(namesShown(bob).leaks).toEqual([])
    await bob.stop()
    const removed = await bob.cli(['--no-autostart', 'passwd', '--passphrase-file', join(dir, 'two'), '--remove'], { timeoutMs: 60_000 })
    expect(removed.code, removed.stderr).toBe(0)
    await startWith(bob, null)
    expect(await stateOf(bob)).toMatchObject({ name: NAME, state: 'complete' })
    expect(namesShown(bob).leaks.length).toBeGreaterThan(0) // a plain profile keeps plain records
  }, 180_000)
})
