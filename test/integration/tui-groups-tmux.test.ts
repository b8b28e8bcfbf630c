/**
 * A group window in `psst chat`, in a real terminal (tmux) against real daemons: it opens when the
 * group talks, carries its own kind in the window list (#name), shows the nick list on the topic
 * line, sends, sets the topic, and shows invitations and membership lines like irssi.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, TestNet, waitFor } from '../helpers/psst.js'
import type { Profile } from '../helpers/psst.js'

const SOCKET = `psst-tui-groups-${process.pid}`
const SESSION = 'groups'

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION)
const keys = (...k: string[]): void => { tmux('send-keys', '-t', SESSION, ...k) }
const literal = (text: string): void => { tmux('send-keys', '-t', SESSION, '-l', text) }
const shown = async (re: RegExp, what: string, ms = 20_000): Promise<string> =>
  await waitFor(() => { const s = screen(); return re.test(s) ? s : null }, `${what}\n--- screen ---\n${screen()}`, ms, 100)

describe.skipIf(!hasTmux())('group windows in psst chat (tmux)', () => {
  let net: TestNet
  let alice: Profile
  let bob: Profile
  let carol: Profile

  beforeAll(async () => {
    net = await TestNet.start(232)
    alice = await net.profile('alice')
    bob = await net.profile('bob')
    carol = await net.profile('carol')
    await net.friends(alice, bob)
    await net.friends(alice, carol)
  }, 60_000)

  afterAll(async () => {
    try {
      const socketPath = tmux('display-message', '-p', '#{socket_path}').trim()
      tmux('kill-server')
      rmSync(socketPath, { force: true })
    } catch {}
    await net?.teardown()
  })

  it('a group window with its nick list, lines, topic, /invite and /names', { timeout: 120_000 }, async () => {
    expect((await alice.cli(['group', 'create', 'team'])).code).toBe(0)
    expect((await alice.cli(['group', 'invite', 'team', 'bob'])).code).toBe(0)
    await waitFor(async () => (await bob.json(['group', 'invites'])).length === 1, 'bob invited')
    expect((await bob.cli(['group', 'join', 'team'])).code).toBe(0)
    await waitFor(async () => (await bob.json(['group', 'list']))[0]?.members === 2, 'bob joined')

    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    const cmd = `${env} ${process.execPath} ${BIN} --home ${alice.home} --bootstrap ${net.bootstrap} --no-autostart chat; echo "EXIT=$?"; sleep 60`
    tmux('new-session', '-d', '-s', SESSION, '-x', '110', '-y', '30', cmd)
    await shown(/your psst ID: [0-9A-F]{76}/, 'home window')

    // A line from bob opens the group's window in the background, with activity.
    expect((await bob.cli(['send', 'team', 'hello team'])).code).toBe(0)
    await shown(/\[Act: 2\]/, 'activity in window 2')
    keys('M-2')
    await shown(/\[2:#team\]/, 'the group window, named #team')
    await shown(/<bob> hello team/, 'bob\'s line')
    await shown(/#team.*\[~alice bob\]/, 'nick list on the topic line')
    expect(screen()).toMatch(/\* bob joined/)

    literal('hi all'); keys('Enter')
    await shown(/<alice> hi all/, 'my line')
    await waitFor(async () => (await bob.json(['history', 'team'])).some((e: { text: string }) => e.text === 'hi all'), 'bob has it')

    literal('/topic ship it'); keys('Enter')
    await shown(/\* alice changed the topic to: ship it/, 'the topic line')
    await shown(/#team — ship it/, 'the topic on the title line')

    literal('/invite carol'); keys('Enter')
    await shown(/invited carol to #team/, 'invite confirmation')
    await shown(/\(carol\)/, 'carol invited in the nick list')
    await waitFor(async () => (await carol.json(['group', 'invites'])).length === 1, 'carol invited')

    literal('/names'); keys('Enter')
    await shown(/#team: ~alice bob \(carol\) \(3 members/, '/names')

    literal('/quit'); keys('Enter')
    await shown(/EXIT=0/, 'exit 0')
  })
})
