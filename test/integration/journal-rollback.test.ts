/**
 * A replay of the write journal never moves a profile backwards (issue 15, item 2): a daemon
 * renamed 60 times and killed with -9 once LevelDB held every rename, then its journal damaged
 * (one flipped byte) or cut to half, still has its last name at the next start. Before batch
 * seqs, the journal kept every batch until it passed 1 MiB and its valid prefix was replayed
 * over the newer database: the names went back to 45 and 30.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TestNet, type Profile } from '../helpers/psst.js'

let net: TestNet
beforeAll(async () => { net = await TestNet.start(151) })
afterAll(async () => { await net.teardown() })

async function sixtyNamesThenKill (name: string): Promise<Profile> {
  const p = await net.profile(name)
  const c = await p.client()
  for (let i = 1; i <= 60; i++) await c.call('nick', { name: `${name}${i}` })
  // LevelDB takes journaled batches within 25 ms; then it holds all 60 names. (Batches only the
  // journal holds are lost if the journal itself is damaged: that is reported, see store-journal.)
  await new Promise((resolve) => setTimeout(resolve, 500))
  await p.kill9()
  return p
}

async function nameAfterRestart (p: Profile): Promise<string> {
  await p.start()
  const c = await p.client()
  return (await c.call('id', {})).name
}

const journalOf = (p: Profile): string => join(p.home, 'db.journal')

describe('journal replay after kill -9', () => {
  it('one flipped byte in the journal does not roll the name back', async () => {
    const p = await sixtyNamesThenKill('flip')
    const file = journalOf(p)
    if (existsSync(file) && readFileSync(file).byteLength > 0) {
      const j = readFileSync(file)
      j[Math.floor(j.byteLength * 3 / 4)] ^= 0x40
      writeFileSync(file, j)
    }
    expect(await nameAfterRestart(p)).toBe('flip60')
  })

  it('a journal truncated to half does not roll the name back', async () => {
    const p = await sixtyNamesThenKill('half')
    const file = journalOf(p)
    if (existsSync(file)) writeFileSync(file, readFileSync(file).subarray(0, readFileSync(file).byteLength >> 1))
    expect(await nameAfterRestart(p)).toBe('half60')
  })
})
