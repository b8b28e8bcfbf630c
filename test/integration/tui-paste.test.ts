/**
 * Pasting and multi-line messages in `psst chat`, in real terminals (tmux) against real daemons:
 * a 64 KiB bracketed paste lands in alice's input line as one multi-line message and bob receives it
 * whole; Alt+Enter makes a two-line message that bob's window shows on two lines.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, TestNet, waitFor } from '../helpers/psst.js'
import type { Profile } from '../helpers/psst.js'

const HOST_NUMBER = 116
const SOCKET = `psst-paste-${process.pid}`

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (s: string): string => tmux('capture-pane', '-p', '-t', s)
const keys = (s: string, ...k: string[]): void => { tmux('send-keys', '-t', s, ...k) }
const literal = (s: string, text: string): void => { tmux('send-keys', '-t', s, '-l', text) }
const shown = async (s: string, re: RegExp, what: string, ms = 30_000): Promise<string> =>
  await waitFor(() => { const t = screen(s); return re.test(t) ? t : null }, `${what}\n--- screen ${s} ---\n${screen(s)}`, ms, 50)

/** ~64 KiB of numbered lines, exactly MAX_MESSAGE_BYTES long, not ending in a line break. */
function bigPaste (): string {
  const lines: string[] = []
  let size = 0
  for (let i = 1; size < 65536; i++) {
    const line = `line ${String(i).padStart(5, '0')} of the paste: the quick brown fox jumps over the lazy dog`
    lines.push(line)
    size += line.length + 1
  }
  return lines.join('\n').slice(0, 65533).replace(/\s+$/, '') + 'END'
}

describe.skipIf(!hasTmux())('psst chat: paste, multi-line messages and your own status in tmux', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let dir: string

  const chat = (session: string, p: Profile, flags = ''): void => {
    // a notify-send of our own first in PATH: it writes down what the desktop would show
    const env = `env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST -u PSST_NOTIFY LANG=C.UTF-8 PATH=${dir}/bin:${process.env.PATH ?? ''} NOTIFY_LOG=${dir}/notify-${session}.log`
    const cmd = `${env} ${process.execPath} ${BIN} --home ${p.home} --bootstrap ${net.bootstrap} --no-autostart chat ${flags}; echo "EXIT=$?"; sleep 60`
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', cmd)
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'psst-paste-'))
    mkdirSync(join(dir, 'bin'))
    writeFileSync(join(dir, 'bin', 'notify-send'), '#!/bin/sh\nprintf "%s|" "$@" >> "$NOTIFY_LOG"\necho >> "$NOTIFY_LOG"\n')
    chmodSync(join(dir, 'bin', 'notify-send'), 0o755)
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
    rmSync(dir, { recursive: true, force: true })
    await net?.teardown()
  })

  it('a 64 KiB bracketed paste lands in the input line at once, stays one message, and bob gets it whole', async () => {
    chat('alice', alice)
    chat('bob', bob)
    await shown('alice', /your psst ID: [0-9A-F]{76}/, 'alice home window')
    await shown('bob', /your psst ID: [0-9A-F]{76}/, 'bob home window')
    literal('alice', '/q bob'); keys('alice', 'Enter')
    await shown('alice', /\[2:bob\]/, 'bob window')
    literal('bob', '/q alice'); keys('bob', 'Enter')
    await shown('bob', /\[2:alice\]/, 'alice window')

    const text = bigPaste()
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65536)
    const lineCount = text.split('\n').length
    const tail = text.slice(-30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const tailBefore = text.slice(-30, -3).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const file = join(dir, 'paste.txt')
    writeFileSync(file, text)
    tmux('load-buffer', '-b', 'big', file)
    const t0 = Date.now()
    tmux('paste-buffer', '-p', '-b', 'big', '-t', 'alice')
    // the whole paste is in the input line (its end is shown at the cursor), one message of many lines
    await shown('alice', new RegExp(`input: ${lineCount} lines[\\s\\S]*${tail}\\s*$`), 'the paste in the input line')
    const landed = Date.now() - t0
    console.log(`64 KiB paste (${lineCount} lines) in the input line after ${landed} ms (tmux paste-buffer to screen)`)
    // still responsive: editing keys act at once, and nothing was sent by the pasted line breaks
    keys('alice', 'BSpace', 'BSpace', 'BSpace')
    await shown('alice', new RegExp(`${tailBefore}\\s*$`), 'backspace after the paste')
    literal('alice', 'END')
    await shown('alice', new RegExp(`${tail}\\s*$`), 'typing after the paste')
    expect(await bob.json<unknown[]>(['history', alice.publicKey.slice(0, 12)])).toEqual([])

    keys('alice', 'Enter')
    await shown('alice', new RegExp(`${tail} ✓✓`), 'the message delivered, in alice\'s window')
    const got = await waitFor(async () => {
      const h = await bob.json<Array<{ text: string }>>(['history', alice.publicKey.slice(0, 12)])
      return h.length > 0 ? h : null
    }, 'bob receives the paste')
    expect(got).toHaveLength(1)
    expect(got[0].text).toBe(text)
    await shown('bob', new RegExp(tail), 'bob\'s window shows the end of the paste')
  })

  it('Alt+Enter makes a two-line message that bob\'s window shows on two lines, the second under the first', async () => {
    literal('alice', 'first line of two')
    keys('alice', 'M-Enter')
    literal('alice', 'second line')
    await shown('alice', /first line of two↵second line/, 'the line break in the input line')
    keys('alice', 'Enter')
    const s = await shown('bob', /<alice> first line of two\n\s+second line/, 'two lines in bob\'s window')
    const [first, second] = s.split('\n').filter(l => /first line of two|^\s+second line/.test(l))
    expect(second.indexOf('second')).toBe(first.indexOf('first'))
    const h = await bob.json<Array<{ text: string }>>(['history', alice.publicKey.slice(0, 12)])
    expect(h[h.length - 1].text).toBe('first line of two\nsecond line')
  })

  it('your own status: psst status shows it, the open chat follows a change made from the shell', async () => {
    const set = await alice.cli(['status', 'away', 'at lunch'])
    expect(set.code, set.stderr).toBe(0)
    const shownStatus = await alice.cli(['status'])
    expect(shownStatus.code, shownStatus.stderr).toBe(0)
    expect(shownStatus.stdout).toMatch(/^status: away — at lunch$/m)
    expect(await alice.json(['status'])).toEqual({ status: 'away', statusMessage: 'at lunch' })
    await shown('alice', /\[alice \(away\)\]/, 'away in alice\'s status bar')
    // a chat started now learns it from the daemon, not "(online)"
    keys('alice', 'C-c'); keys('alice', 'C-c')
    await shown('alice', /EXIT=0/, 'the first chat left')
    tmux('kill-session', '-t', 'alice')
    chat('alice', alice, '--timestamp %H:%M:%S')
    await shown('alice', /alice[^\n]*\(away\)/, 'away in the new chat\'s title')
    expect(screen('alice')).toMatch(/^\[\d\d:\d\d:\d\d\] -!- welcome/m) // psst chat --timestamp, as the README says
    expect(screen('alice')).not.toMatch(/\(online\)/)
    await alice.cli(['status', 'online'])
    await shown('alice', /\[DHT/, 'status bar')
    await waitFor(() => !/\(away\)/.test(screen('alice')), 'back online in the bars')
  })

  it('a URL longer than the window reaches the terminal as one wrapped line, not indented pieces', async () => {
    const url = `https://example.com/${'very-long-path/'.repeat(12)}end`
    literal('alice', '/q bob'); keys('alice', 'Enter')
    await shown('alice', /\[2:bob\]/, 'bob window')
    const sent = await bob.cli(['send', alice.publicKey.slice(0, 12), `look at ${url} please`])
    expect(sent.code, sent.stderr).toBe(0)
    await shown('alice', /please/, 'the URL message')
    // -J joins the lines the terminal wrapped itself: the URL is whole there, as a URL detector sees it
    const joined = tmux('capture-pane', '-p', '-J', '-t', 'alice')
    expect(joined).toContain(url)
  })

  it('a message to a window alice is not looking at makes a desktop notification', async () => {
    const log = join(dir, 'notify-alice.log')
    const sent = await bob.cli(['send', alice.publicKey.slice(0, 12), 'seen in the window: no notification'])
    expect(sent.code, sent.stderr).toBe(0)
    await shown('alice', /no notification/, 'the message in the open window')
    keys('alice', 'M-1')
    await shown('alice', /\[1:home\]/, 'home')
    await bob.cli(['send', alice.publicKey.slice(0, 12), 'are you there? <b>'])
    const lines = await waitFor(() => existsSync(log) ? readFileSync(log, 'utf8') : null, 'a notification')
    expect(lines.trim().split('\n')).toEqual(['--app-name=psst|--|psst: bob|are you there? &lt;b&gt;|'])
  })
})
