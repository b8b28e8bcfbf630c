/**
 * Issue 16 item 10: psst: links. `psst open psst:<ID>` opens the chat window with `/add <ID>` typed
 * (Enter sends the request, in a real terminal: tmux); `psst desktop install` registers the handler.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, TestNet, psst, waitFor, type Profile } from '../helpers/psst.js'

const HOST_NUMBER = 83
const SOCKET = `psst-links-${process.pid}`
const SESSION = 'open'

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION)

describe.skipIf(!hasTmux())('psst: links', () => {
  let net: TestNet
  let carol: Profile
  let dave: Profile

  beforeAll(async () => {
    net = await TestNet.start(HOST_NUMBER)
    carol = await net.profile('carol')
    dave = await net.profile('dave')
  })
  afterAll(async () => {
    try { tmux('kill-server') } catch {}
    await net?.teardown()
  }, 180_000)

  it('psst open psst:<ID> shows the chat with /add <ID> ready; Enter sends the request', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    tmux('new-session', '-d', '-s', SESSION, '-x', '180', '-y', '30',
      `${env} ${process.execPath} ${BIN} --home ${dave.home} --bootstrap ${net.bootstrap} --no-autostart open psst:${carol.id}; sleep 60`)
    await waitFor(() => screen().includes(`/add ${carol.id}`), `the typed /add\n${screen()}`, 30_000, 100)
    tmux('send-keys', '-t', SESSION, 'Enter')
    const reqs = await waitFor(async () => {
      const r = await carol.json<any[]>(['requests'])
      return r.length > 0 ? r : null
    }, 'the request at carol', 40_000)
    expect(reqs[0]).toMatchObject({ publicKey: dave.publicKey, name: 'dave' })
  }, 180_000)

  it('rejects what is no psst link; desktop install writes the handler entry', async () => {
    const bad = await psst(['open', 'psst:nonsense'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('not a psst link')
    const data = mkdtempSync(join(tmpdir(), 'psst-xdg-'))
    try {
      const r = await psst(['desktop', 'install'], { env: { XDG_DATA_HOME: data, XDG_CONFIG_HOME: data } })
      expect(r.code, r.stderr).toBe(0)
      const entry = readFileSync(join(data, 'applications', 'psst.desktop'), 'utf8')
      expect(entry).toContain('MimeType=x-scheme-handler/psst;')
      expect(entry).toMatch(/^Exec=.*bin\.js open %u$/m)
      expect(entry).toContain('Terminal=true')
      expect((await psst(['desktop', 'uninstall'], { env: { XDG_DATA_HOME: data, XDG_CONFIG_HOME: data } })).stdout).toContain('removed')
    } finally {
      rmSync(data, { recursive: true, force: true })
    }
  }, 180_000)
})
