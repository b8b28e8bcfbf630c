/**
 * Issue 17: `psst file cancel` reaches a friend who is offline at that moment. The cancel travels
 * as a notice in the chat stream (outbox, mailbox), so the friend's side of the transfer shows
 * cancelled when they return, whichever side cancelled and however far the transfer had got.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'

const MiB = 1024 * 1024

describe('psst file cancel to an offline friend', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-files-cancel-'))
    net = await TestNet.start(220)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
  })
  afterAll(async () => {
    await net?.teardown()
    rmSync(dir, { recursive: true, force: true })
  })

  function file (name: string, size: number): string {
    const path = join(dir, name)
    writeFileSync(path, randomBytes(size))
    return path
  }

  async function stateOf (p: Profile, fileId: string): Promise<any> {
    return (await p.json<any[]>(['file', 'list'])).find((f) => f.fileId === fileId)
  }

  async function reaches (p: Profile, fileId: string, state: string, timeoutMs = 60_000): Promise<any> {
    return await waitFor(async () => { const f = await stateOf(p, fileId); return f?.state === state && f }, `${state} at ${p.name}`, timeoutMs, 200)
  }

  it('the sender cancels an offer while the receiver is offline; the receiver sees it cancelled on return', async () => {
    const sent = await alice.json(['file', 'send', 'bob', file('a.bin', 100 * 1024)])
    await reaches(bob, sent.fileId, 'offered')
    await bob.stop()
    expect(await alice.json(['file', 'cancel', sent.fileId])).toMatchObject({ fileId: sent.fileId, state: 'cancelled' })
    await bob.start()
    const f = await reaches(bob, sent.fileId, 'cancelled')
    expect(f.reason).toMatch(/cancelled by the friend/)
    const r = await bob.cli(['file', 'accept', sent.fileId])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/already cancelled/)
  }, 120_000)

  it('the receiver cancels while the sender is offline; the sender sees it cancelled on return', async () => {
    const sent = await alice.json(['file', 'send', 'bob', file('b.bin', 100 * 1024)])
    await reaches(bob, sent.fileId, 'offered')
    await alice.stop()
    await bob.json(['file', 'cancel', sent.fileId])
    await alice.start()
    const f = await reaches(alice, sent.fileId, 'cancelled')
    expect(f.reason).toMatch(/cancelled by the friend/)
  }, 120_000)

  it('a transfer cut half-way by the receiver going away and then cancelled is not resumed, its part file is gone', async () => {
    const size = 32 * MiB
    const sent = await alice.json(['file', 'send', 'bob', file('c.bin', size)])
    await reaches(bob, sent.fileId, 'offered')
    const to = join(dir, 'c-in')
    await bob.json(['file', 'accept', sent.fileId, '--to', to])
    await waitFor(async () => (await stateOf(bob, sent.fileId)).bytes >= size * 0.2, 'a fifth received', 120_000, 20)
    await bob.kill9()
    await alice.json(['file', 'cancel', sent.fileId])
    await bob.start()
    const f = await reaches(bob, sent.fileId, 'cancelled')
    expect(f.reason).toMatch(/cancelled by the friend/)
    expect(existsSync(join(to, 'c.bin'))).toBe(false)
    expect(readdirSync(to)).toEqual([]) // the .part was dropped
    expect((await stateOf(alice, sent.fileId)).state).toBe('cancelled')
  }, 180_000)

  it('the conversation shows the cancel as a line people can read', async () => {
    const r = await bob.cli(['history', 'alice', '--limit', '20'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\[file offer: a\.bin\]/)
    expect(r.stdout).toMatch(/\[file transfer cancelled\]/)
  })
})
