/**
 * Issue 17, item 5, with real daemons: `psst avatar set` sends a small PNG or JPEG to every friend
 * as a file of kind avatar whose id is its hash; a friend offline gets it on return, a friend made
 * later gets it when we first meet, a friend who holds that picture already skips the transfer,
 * and `psst friends --json` gains `avatar` (the stored path).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TestNet, waitFor, type Profile } from '../helpers/psst.js'

/** A real 1×1 PNG; variants differ by bytes after IEND (viewers ignore them), so each has its own id. */
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0])

describe('psst avatar between real daemons', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-avatar-'))
    net = await TestNet.start(221)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
  })
  afterAll(async () => {
    await net?.teardown()
    rmSync(dir, { recursive: true, force: true })
  })

  function picture (name: string, bytes: Buffer): string {
    const path = join(dir, name)
    writeFileSync(path, bytes)
    return path
  }

  const png = (tag: string): Buffer => Buffer.concat([PNG_1PX, Buffer.from(tag)])

  async function avatarAt (p: Profile, friend: Profile): Promise<string | null> {
    return (await p.json<any[]>(['friends'])).find((f) => f.publicKey === friend.publicKey)?.avatar ?? null
  }

  async function avatarBecomes (p: Profile, friend: Profile, bytes: Buffer): Promise<string> {
    return await waitFor(async () => {
      const path = await avatarAt(p, friend)
      return path !== null && readFileSync(path).equals(bytes) && path
    }, `${friend.name}'s avatar at ${p.name}`, 60_000, 200)
  }

  async function blocksSent (p: Profile): Promise<number> {
    const c = await p.client()
    return (await c.call('status', {})).counters['file-blocks-sent'] ?? 0
  }

  it('refuses what is not a small PNG or JPEG, with a clear error and exit 2', async () => {
    const big = await alice.cli(['avatar', 'set', picture('big.png', Buffer.concat([PNG_1PX, randomBytes(70 * 1024)]))])
    expect(big.code).toBe(2)
    expect(big.stderr).toMatch(/at most 64 KiB/)
    const text = await alice.cli(['avatar', 'set', picture('me.png', Buffer.from('not a picture at all'))])
    expect(text.code).toBe(2)
    expect(text.stderr).toMatch(/not a PNG or JPEG/)
    const missing = await alice.cli(['avatar', 'set', join(dir, 'nope.png')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/no file at/)
    expect(await alice.json(['avatar'])).toEqual({ path: null, fileId: null, size: 0 })
    expect(await avatarAt(bob, alice)).toBeNull()
  })

  it('a friend online gets it; the id is the picture\'s hash; file list stays for files', async () => {
    const bytes = png('first')
    const set = await alice.json<any>(['avatar', 'set', picture('a1.png', bytes)])
    expect(set).toEqual({ path: expect.stringMatching(/avatars\/[0-9a-f]{32}\.png$/), fileId: expect.stringMatching(/^[0-9a-f]{32}$/), size: bytes.byteLength })
    expect(await alice.json(['avatar'])).toEqual(set)
    const path = await avatarBecomes(bob, alice, bytes)
    expect(path).toMatch(new RegExp(`${set.fileId}\\.png$`))
    expect(await alice.json(['file', 'list'])).toEqual([])
    expect(await bob.json(['file', 'list'])).toEqual([])
  }, 90_000)

  it('a friend offline gets the new one when they are back (a JPEG this time)', async () => {
    await bob.stop()
    const bytes = Buffer.concat([JPEG_HEAD, randomBytes(20 * 1024)])
    await alice.json(['avatar', 'set', picture('a2.jpg', bytes)])
    await bob.start()
    expect(await avatarBecomes(bob, alice, bytes)).toMatch(/\.jpg$/)
  }, 120_000)

  it('a picture the friend holds already is not sent again', async () => {
    const first = png('first')
    const before = await blocksSent(alice)
    await alice.json(['avatar', 'set', picture('a1-again.png', first)])
    await avatarBecomes(bob, alice, first)
    expect(await blocksSent(alice)).toBe(before)
  }, 90_000)

  it('a friend made later gets the avatar when we first meet', async () => {
    const carol = await net.profile('carol')
    await net.friends(alice, carol)
    await avatarBecomes(carol, alice, png('first'))
  }, 120_000)
})
