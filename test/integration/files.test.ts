/**
 * Issue 17 with real daemons (the built bin) on a private loopback DHT: a 64 MiB file arrives
 * intact; kill -9 of the receiver or of the sender mid-way resumes from what is held; an offer to
 * an offline friend is accepted when they are back; a hostile name lands inside the download dir.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { TestNet, BIN, waitFor, type Profile } from '../helpers/psst.js'
import { DEFAULT_BLOCK_SIZE } from '../../src/wire/files.js'
import { WINDOW_BLOCKS } from '../../src/files/peer.js'

const MiB = 1024 * 1024
const BLOCK = DEFAULT_BLOCK_SIZE
const WINDOW = WINDOW_BLOCKS

describe('psst file between real daemons', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-files-acc-'))
    net = await TestNet.start(94)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
  })
  afterAll(async () => {
    await net?.teardown()
    rmSync(dir, { recursive: true, force: true })
  })

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

  function randomFile (name: string, size: number): { path: string, data: Buffer } {
    const data = randomBytes(size)
    const path = join(dir, name)
    writeFileSync(path, data)
    return { path, data }
  }

  async function offered (p: Profile, fileId: string): Promise<any> {
    return await waitFor(async () => (await p.json<any[]>(['file', 'list'])).find((f) => f.fileId === fileId), `offer ${fileId.slice(0, 8)} at ${p.name}`, 30_000, 200)
  }

  async function stateOf (p: Profile, fileId: string): Promise<any> {
    return (await p.json<any[]>(['file', 'list'])).find((f) => f.fileId === fileId)
  }

  async function blocksSent (p: Profile): Promise<number> {
    const c = await p.client()
    return (await c.call('status', {})).counters['file-blocks-sent'] ?? 0
  }

  it('a 64 MiB random file arrives with the same SHA-256; list and send keep their JSON shapes', async () => {
    const { path, data } = randomFile('big.bin', 64 * MiB)
    const sent = await alice.json(['file', 'send', 'bob', path])
    expect(sent).toEqual({ fileId: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'big.bin', size: 64 * MiB, state: 'offered' })
    const offer = await offered(bob, sent.fileId)
    expect(offer).toEqual({ fileId: sent.fileId, friend: alice.publicKey, direction: 'in', name: 'big.bin', size: 64 * MiB, bytes: 0, state: 'offered', path: '' })
    const to = join(dir, 'bob-dl')
    const r = await bob.cli(['file', 'accept', sent.fileId.slice(0, 8), '--to', to, '--wait', '--json'], { timeoutMs: 300_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('') // no progress bar when not a terminal
    const done = JSON.parse(r.stdout)
    expect(done).toMatchObject({ fileId: sent.fileId, state: 'complete', bytes: 64 * MiB, path: join(to, 'big.bin') })
    expect(sha(readFileSync(done.path))).toBe(sha(data))
    expect(readdirSync(to)).toEqual(['big.bin'])
    const out = await waitFor(async () => { const f = await stateOf(alice, sent.fileId); return f.state === 'complete' && f }, 'sender sees complete')
    expect(out).toMatchObject({ direction: 'out', friend: bob.publicKey, path, bytes: 64 * MiB })
    expect(await blocksSent(alice)).toBe(64 * MiB / BLOCK)
  }, 300_000)

  it('the receiver killed -9 mid-way resumes after a restart and re-sends at most one window', async () => {
    const size = 32 * MiB
    const { path, data } = randomFile('resume-rx.bin', size)
    const before = await blocksSent(alice)
    const sent = await alice.json(['file', 'send', 'bob', path])
    await offered(bob, sent.fileId)
    const to = join(dir, 'rx-kill')
    await bob.json(['file', 'accept', sent.fileId, '--to', to])
    await waitFor(async () => (await stateOf(alice, sent.fileId)).bytes >= size * 0.3, 'a third sent', 120_000, 20)
    await bob.kill9()
    await bob.start()
    const done = await waitFor(async () => { const f = await stateOf(bob, sent.fileId); return f.state === 'complete' && f }, 'complete after restart', 180_000, 200)
    expect(sha(readFileSync(done.path))).toBe(sha(data))
    const total = (await blocksSent(alice)) - before
    expect(total).toBeGreaterThanOrEqual(size / BLOCK)
    expect(total).toBeLessThanOrEqual(size / BLOCK + WINDOW)
    expect(readdirSync(to)).toEqual(['resume-rx.bin'])
  }, 300_000)

  it('the sender killed -9 mid-way resumes after its restart', async () => {
    const size = 32 * MiB
    const { path, data } = randomFile('resume-tx.bin', size)
    const sent = await alice.json(['file', 'send', 'bob', path])
    await offered(bob, sent.fileId)
    const to = join(dir, 'tx-kill')
    await bob.json(['file', 'accept', sent.fileId, '--to', to])
    await waitFor(async () => (await stateOf(bob, sent.fileId)).bytes >= size * 0.3, 'a third received', 120_000, 20)
    await alice.kill9()
    const paused = await waitFor(async () => { const f = await stateOf(bob, sent.fileId); return f.state === 'paused' && f }, 'paused', 30_000, 100)
    expect(paused.bytes).toBeGreaterThan(0)
    await alice.start()
    const done = await waitFor(async () => { const f = await stateOf(bob, sent.fileId); return f.state === 'complete' && f }, 'complete after the sender restarted', 180_000, 200)
    expect(sha(readFileSync(done.path))).toBe(sha(data))
    // The restarted sender's counter starts at 0: it sent what bob lacked, plus at most one window.
    expect(await blocksSent(alice)).toBeLessThanOrEqual(size / BLOCK - Math.floor(paused.bytes / BLOCK) + WINDOW)
  }, 300_000)

  it('a cut link (psst reconnect) pauses the transfer, which resumes on the new link', async () => {
    const size = 24 * MiB
    const { path, data } = randomFile('cut.bin', size)
    const before = await blocksSent(alice)
    const sent = await alice.json(['file', 'send', 'bob', path])
    await offered(bob, sent.fileId)
    await bob.json(['file', 'accept', sent.fileId, '--to', join(dir, 'cut')])
    await waitFor(async () => (await stateOf(bob, sent.fileId)).bytes >= size * 0.3, 'a third received', 120_000, 20)
    const c = await bob.client()
    expect((await c.call('reconnect', {})).dropped).toBe(1)
    const done = await waitFor(async () => { const f = await stateOf(bob, sent.fileId); return f.state === 'complete' && f }, 'complete on the new link', 180_000, 200)
    expect(sha(readFileSync(done.path))).toBe(sha(data))
    expect((await blocksSent(alice)) - before).toBeLessThanOrEqual(size / BLOCK + WINDOW)
  }, 300_000)

  it('an offer to an offline friend is accepted when they come back', async () => {
    await bob.stop()
    const { path, data } = randomFile('later.txt', 300 * 1024)
    const sent = await alice.json(['file', 'send', 'bob', path])
    await bob.start()
    await offered(bob, sent.fileId)
    const r = await bob.cli(['file', 'accept', sent.fileId, '--to', join(dir, 'later'), '--wait', '--json'], { timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(sha(readFileSync(JSON.parse(r.stdout).path))).toBe(sha(data))
  }, 180_000)

  it('hostile names land inside the download dir, and an existing name is never overwritten', async () => {
    const to = join(dir, 'hostile')
    const { path } = randomFile('payload', 4096)
    const names: string[] = []
    for (const as of ['../../.bashrc', '\u001b[31mred\u001b[0m\nline.txt', 'same.txt', 'same.txt']) {
      const sent = await alice.json(['file', 'send', 'bob', path, '--as', as])
      await offered(bob, sent.fileId)
      const r = await bob.cli(['file', 'accept', sent.fileId, '--to', to, '--wait', '--json'], { timeoutMs: 60_000 })
      expect(r.code, r.stderr).toBe(0)
      names.push(JSON.parse(r.stdout).path)
    }
    expect(names).toEqual([join(to, '_.._.bashrc'), join(to, '[31mred[0mline.txt'), join(to, 'same.txt'), join(to, 'same (1).txt')])
    expect(readdirSync(to).sort()).toEqual(['[31mred[0mline.txt', '_.._.bashrc', 'same (1).txt', 'same.txt'])
    expect(readdirSync(dir)).not.toContain('.bashrc')
  }, 180_000)

  it('file send --wait in a terminal draws a progress bar (rate, ETA) on stderr; --json draws none', async () => {
    const { path } = randomFile('tty.bin', 16 * MiB)
    // script(1) gives the command a real pseudo-terminal, as a person's shell would.
    const cmd = [process.execPath, BIN, '--home', alice.home, '--bootstrap', net.bootstrap, 'file', 'send', 'bob', path, '--wait'].map((a) => `'${a}'`).join(' ')
    const sending = new Promise<string>((resolve, reject) => {
      execFile('script', ['-qec', cmd, '/dev/null'], { timeout: 240_000, env: { ...process.env, PSST_KDF: 'interactive' } }, (err, stdout) => err ? reject(err) : resolve(stdout))
    })
    const offer = await waitFor(async () => (await bob.json<any[]>(['file', 'list'])).find((f) => f.name === 'tty.bin' && f.state === 'offered'), 'tty.bin offered', 60_000, 200)
    await bob.json(['file', 'accept', offer.fileId, '--to', join(dir, 'tty')])
    const screen = await sending
    expect(screen).toMatch(/tty\.bin +\d+% \[[#.]{20}\] [\d.]+ \w+\/16 MiB [\d.]+ \w+\/s ETA (\d+:\d\d|--:--)/)
    expect(screen).toMatch(/tty\.bin 100% \[#{20}\] 16 MiB\/16 MiB/)
    expect(screen).toMatch(/tty\.bin → bob: complete/)
  }, 300_000)

  it('usage errors: unknown ids, accepting twice, a missing file', async () => {
    const unknown = await bob.cli(['file', 'accept', 'ffffffff'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/no file transfer ffffffff/)
    const missing = await alice.cli(['file', 'send', 'bob', join(dir, 'nope')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no file at/)
    const bad = await bob.cli(['file', 'cancel', 'xyz'])
    expect(bad.code).toBe(2)
  })
})
