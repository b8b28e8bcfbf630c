/**
 * `psst chat` in a real terminal (tmux) against real daemons on a private loopback network:
 * open a conversation, receive, send with delivery marks, quit with Ctrl+C twice, terminal restored.
 */
import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, TestNet, waitFor } from '../helpers/psst.js'
import type { Profile } from '../helpers/psst.js'

const HOST_NUMBER = 30
const SOCKET = `psst-tui-${process.pid}`
const SESSION = 'chat'

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION)
const keys = (...k: string[]): void => { tmux('send-keys', '-t', SESSION, ...k) }
const literal = (text: string): void => { tmux('send-keys', '-t', SESSION, '-l', text) }
/** PSST_TUI_CAPTURE=DIR keeps text captures of the screen (for the README). */
const capture = (name: string): void => {
  const dir = process.env.PSST_TUI_CAPTURE
  if (dir !== undefined && dir !== '') writeFileSync(join(dir, `tui-${name}.txt`), screen())
}
const shown = async (re: RegExp, what: string, ms = 20_000): Promise<string> =>
  await waitFor(() => { const s = screen(); return re.test(s) ? s : null }, `${what}\n--- screen ---\n${screen()}`, ms, 100)

describe.skipIf(!hasTmux())('psst chat in tmux', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile

  beforeAll(async () => {
    net = await TestNet.start(HOST_NUMBER)
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
  })

  it('opens a conversation, receives, sends with delivery marks, quits and restores the terminal', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    const cmd = `${env} ${process.execPath} ${BIN} --home ${alice.home} --bootstrap ${net.bootstrap} --no-autostart chat; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon'; sleep 60`
    tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', cmd)

    await shown(/your psst ID: [0-9A-F]{76}/, 'home window')
    expect(screen()).toMatch(/\[1:home\]/)
    await shown(/\* bob +online|● bob +online/, 'bob online in the friends list')

    literal('/q bo'); keys('Tab'); keys('Enter')
    await shown(/^ bob /m, 'bob window title')
    expect(screen()).toMatch(/\[2:bob\]/)

    const sent = await bob.cli(['send', alice.publicKey.slice(0, 12), 'hello from bob 你好 👋'])
    expect(sent.code, sent.stderr).toBe(0)
    await shown(/<bob> hello from bob 你好 👋/, 'message from bob')

    literal('hi bob, ça va? 😀')
    keys('Enter')
    await shown(/<alice> hi bob, ça va\? 😀 ✓✓/, 'my message delivered')
    const history = await bob.json<Array<{ text: string }>>(['history', alice.publicKey.slice(0, 12)])
    expect(history.map(m => m.text)).toContain('hi bob, ça va? 😀')

    capture('conversation')
    keys('M-1')
    await shown(/\[1:home\]/, 'back home')
    await bob.cli(['send', alice.publicKey.slice(0, 12), 'are you there?'])
    await shown(/\[Act: 2\]/, 'activity in window 2')
    capture('home')

    keys('C-c')
    await shown(/press Ctrl\+C again to quit/, 'Ctrl+C hint')
    keys('C-c')
    // Wait for stty's line too: the capture can land between the echo and stty's output.
    const after = await shown(/EXIT=0[\s\S]*^-?icanon$/m, 'exit code 0 and the terminal mode')
    expect(after).toMatch(/^icanon$/m) // the terminal is back in cooked mode
  })

  it('bad /add shows an error and stays up; Alt+2, Ctrl+N/P switch windows; resize; /quit exits 0', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    const cmd = `${env} ${process.execPath} ${BIN} --home ${alice.home} --bootstrap ${net.bootstrap} --no-autostart chat; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon'; sleep 60`
    tmux('kill-session', '-t', SESSION)
    tmux('new-session', '-d', '-s', SESSION, '-x', '100', '-y', '30', cmd)
    await shown(/your psst ID: [0-9A-F]{76}/, 'home window')

    literal('/add 1234NOTANID'); keys('Enter')
    await shown(/76 hex characters/, 'bad ID error line')
    literal('/add ' + 'A'.repeat(76)); keys('Enter')
    await shown(/checksum/, 'bad checksum error line')
    literal('/frobnicate'); keys('Enter')
    await shown(/unknown command/i, 'unknown command error')
    expect(screen()).toMatch(/\[1:home\]/)

    literal('/q bob'); keys('Enter')
    await shown(/\[2:bob\]/, 'bob window')
    keys('M-1')
    await shown(/\[1:home\]/, 'home via Alt+1')
    keys('M-2')
    await shown(/\[2:bob\]/, 'bob via Alt+2')
    keys('C-n')
    await shown(/\[1:home\]/, 'Ctrl+N wraps to home')
    keys('C-p')
    await shown(/\[2:bob\]/, 'Ctrl+P back to bob')

    tmux('resize-window', '-t', SESSION, '-x', '60', '-y', '15')
    await new Promise((r) => setTimeout(r, 300))
    tmux('resize-window', '-t', SESSION, '-x', '130', '-y', '40')
    await bob.cli(['send', alice.publicKey.slice(0, 12), 'after the resize'])
    await shown(/<bob> after the resize/, 'still drawing after resizes')

    literal('/quit'); keys('Enter')
    const after = await shown(/EXIT=0[\s\S]*^-?icanon$/m, 'exit code 0 after /quit and the terminal mode')
    expect(after).toMatch(/^icanon$/m)
  })
  it('kill -9 of the daemon under an open chat: reconnects (restarting it), keeps the draft, shows what arrives after; a psst send from a shell shows as mine with its mark', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    // No --no-autostart: the chat may start the daemon again itself.
    const cmd = `${env} ${process.execPath} ${BIN} --home ${alice.home} --bootstrap ${net.bootstrap} chat; echo "EXIT=$?"; sleep 60`
    tmux('kill-session', '-t', SESSION)
    tmux('new-session', '-d', '-s', SESSION, '-x', '110', '-y', '30', cmd)
    await shown(/your psst ID: [0-9A-F]{76}/, 'home window')
    literal('/q bob'); keys('Enter')
    await shown(/\[2:bob\]/, 'bob window')

    const fromShell = await alice.cli(['send', 'bob', 'sent from a shell'])
    expect(fromShell.code, fromShell.stderr).toBe(0)
    await shown(/<alice> sent from a shell ✓✓/, 'a message sent by another client, as mine, delivered')

    literal('a draft that survives')
    await shown(/a draft that survives/, 'the draft in the input line')
    const pid = alice.daemon?.pid
    await alice.kill9()
    await shown(/reconnecting…/, 'reconnecting line')
    await shown(/reconnected to the daemon/, 'reconnected', 40_000)
    const status = await alice.json<{ running: boolean, pid: number }>(['daemon', 'status'])
    expect(status.running).toBe(true)
    expect(status.pid).not.toBe(pid)
    expect(screen().split('\n').filter((l) => l.includes('a draft that survives'))).toHaveLength(1)
    expect(screen()).toMatch(/<alice> sent from a shell ✓✓/) // the scrollback is still there

    const after = await bob.cli(['send', alice.publicKey.slice(0, 12), 'sent after the restart'])
    expect(after.code, after.stderr).toBe(0)
    await shown(/<bob> sent after the restart/, 'a message arriving after the reconnection', 40_000)
    keys('Enter')
    await shown(/<alice> a draft that survives ✓✓/, 'the draft sent and delivered', 40_000)

    literal('/quit'); keys('Enter')
    await shown(/EXIT=0/, 'exit code 0 after /quit')
  })
})
