/**
 * Issue 17 in `psst chat` in a real terminal (tmux) against real daemons: Tab completes the path
 * after /file and /avatar; a transfer's line in the conversation is redrawn in place (%, bar, rate,
 * ETA) and the status bar shows it while it runs; a receiver killed -9 mid-way leaves the line where
 * it stopped, and after the resume the same line says done and the status bar lets it go.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, TestNet, waitFor } from '../helpers/psst.js'
import type { Profile } from '../helpers/psst.js'

const SOCKET = `psst-tui-files-${process.pid}`
const SESSION = 'chat'
const MiB = 1024 * 1024
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION)
const keys = (...k: string[]): void => { tmux('send-keys', '-t', SESSION, ...k) }
const literal = (text: string): void => { tmux('send-keys', '-t', SESSION, '-l', text) }
const shown = async (re: RegExp, what: string, ms = 30_000): Promise<string> =>
  await waitFor(() => { const s = screen(); return re.test(s) ? s : null }, `${what}\n--- screen ---\n${screen()}`, ms, 100)

describe.skipIf(!hasTmux())('psst chat: file transfers in tmux', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-tui-files-'))
    mkdirSync(join(dir, 'outbox'))
    writeFileSync(join(dir, 'outbox', 'big.bin'), randomBytes(48 * MiB))
    writeFileSync(join(dir, 'me.png'), PNG_1PX)
    net = await TestNet.start(222)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    await net.friends(alice, bob)
  })

  afterAll(async () => {
    try {
      const socketPath = tmux('display-message', '-p', '#{socket_path}').trim()
      tmux('kill-server')
      rmSync(socketPath, { force: true })
    } catch {}
    await net?.teardown()
    rmSync(dir, { recursive: true, force: true })
  })

  it('Tab completes /file paths; the transfer line updates in place, survives a kill -9 of the receiver, and ends done', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    const cmd = `cd ${dir} && ${env} ${process.execPath} ${BIN} --home ${alice.home} --bootstrap ${net.bootstrap} --no-autostart chat; echo "EXIT=$?"; sleep 60`
    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', cmd)
    await shown(/your psst ID: [0-9A-F]{76}/, 'home window')
    literal('/q bob'); keys('Enter')
    await shown(/\[2:bob\]/, 'bob window')

    literal('/file out'); keys('Tab')
    await shown(/\/file outbox\/$/m, 'the folder completed with its slash')
    keys('Tab')
    await shown(/\/file outbox\/big\.bin$/m, 'the file inside it completed')
    keys('Enter')
    await shown(/offered big\.bin/, 'offer confirmed')

    const offer = await waitFor(async () => (await bob.json<any[]>(['file', 'list']))[0], 'the offer at bob')
    await bob.json(['file', 'accept', offer.fileId, '--to', join(dir, 'in')])
    const running = await shown(/↑ big\.bin +\d+% \[[#.]{20}\] [\d.]+ \w+\/48 MiB/, 'the progress line')
    expect(running).toMatch(/\[↑ big\.bin \d+%/) // the status bar
    await waitFor(async () => (await bob.json<any[]>(['file', 'list']))[0].bytes >= 8 * MiB, 'some bytes at bob', 120_000, 50)
    await bob.kill9()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const stopped = screen()
    expect(stopped.match(/↑ big\.bin/g)).toHaveLength(2) // one line in the conversation, one in the status bar

    await bob.start()
    const done = await shown(/↑ big\.bin +done: 48 MiB in \d+:\d\d, [\d.]+ \w+\/s/, 'the same line ends done', 180_000)
    expect(done).toMatch(/big\.bin delivered/)
    expect(done.match(/↑ big\.bin/g)).toHaveLength(1) // updated in place, and gone from the status bar

    literal('/avatar me.p'); keys('Tab')
    await shown(/\/avatar me\.png$/m, '/avatar completes its path')
    keys('Enter')
    await shown(/avatar set, sent to your friends: .*avatars\/[0-9a-f]{32}\.png/, 'avatar set')
  }, 300_000)
})
