/**
 * An environment variable left set in a shell must not weaken a real profile's passphrase:
 * PSST_KDF=interactive only counts under a test runner, and `psst id` says which Argon2id
 * parameters the header holds (issue 15, item 9).
 */
import { describe, it, expect, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { psst } from '../helpers/psst.js'

const dir = mkdtempSync(join(tmpdir(), 'psst-kdf-'))
const passFile = join(dir, 'pass')
writeFileSync(passFile, 'correct horse battery staple\n')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The environment of a user's shell: PSST_KDF set, no test runner (spawn leaves out undefined values). */
function userEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PSST_KDF: 'interactive', VITEST: undefined, NODE_ENV: undefined }
  for (const k of Object.keys(process.env)) if (k.startsWith('VITEST_')) env[k] = undefined
  return env
}

async function initAndId (home: string, env: NodeJS.ProcessEnv): Promise<any> {
  const init = await psst(['--home', home, '--no-autostart', '--passphrase-file', passFile, 'init', '--name', 'k', '--json'], { env })
  expect(init.code, init.stderr).toBe(0)
  const id = await psst(['--home', home, '--no-autostart', '--passphrase-file', passFile, 'id', '--json'], { env })
  expect(id.code, id.stderr).toBe(0)
  return JSON.parse(id.stdout)
}

describe('Argon2id strength of a new profile', () => {
  it('PSST_KDF=interactive outside a test runner is ignored: the profile gets the moderate limits, and psst id says so', async () => {
    const info = await initAndId(join(dir, 'user'), userEnv())
    expect(info.protection).toEqual({ encrypted: true, kdf: { algorithm: 'argon2id', strength: 'moderate', opslimit: 3, memlimit: 256 * 1024 * 1024 } })
    const text = await psst(['--home', join(dir, 'user'), '--no-autostart', '--passphrase-file', passFile, 'id'], { env: userEnv() })
    expect(text.stdout).toMatch(/encrypted, passphrase through Argon2id moderate/)
  })

  it('under the test runner the fast limits are used, and psst id names them as test strength', async () => {
    const info = await initAndId(join(dir, 'test'), { PSST_KDF: 'interactive' })
    expect(info.protection.kdf.strength).toBe('interactive')
    const text = await psst(['--home', join(dir, 'test'), '--no-autostart', '--passphrase-file', passFile, 'id'])
    expect(text.stdout).toMatch(/Argon2id interactive \(test strength/)
  })

  it('a plain profile says it is not encrypted', async () => {
    const home = join(dir, 'plain')
    expect((await psst(['--home', home, '--no-autostart', 'init', '--name', 'p'])).code).toBe(0)
    const id = JSON.parse((await psst(['--home', home, '--no-autostart', 'id', '--json'])).stdout)
    expect(id.protection).toEqual({ encrypted: false, kdf: null })
  })
})
