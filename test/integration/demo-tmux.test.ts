/**
 * `psst demo` (what `npm start` runs) in a real terminal: the echo bot's welcome appears within
 * a few seconds, a typed line gets the bot's reply, /quit exits 0 and leaves no process behind.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, waitFor } from '../helpers/psst.js'

const SOCKET = `psst-demo-${process.pid}`
const SESSION = 'demo'

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}
const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const screen = (): string => tmux('capture-pane', '-p', '-t', SESSION)
const shown = async (re: RegExp, what: string, ms = 20_000): Promise<string> =>
  await waitFor(() => { const s = screen(); return re.test(s) ? s : null }, `${what}\n--- screen ---\n${screen()}`, ms, 100)

function demoProcesses (): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
  return out.split('\n').filter((l) => l.includes(BIN) && / demo$/.test(l.trim()))
}

describe.skipIf(!hasTmux())('psst demo in tmux', () => {
  afterAll(() => { try { tmux('kill-server') } catch {} })

  it('welcomes, echoes, and quits cleanly', async () => {
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    tmux('new-session', '-d', '-s', SESSION, '-x', '110', '-y', '30', `${env} ${process.execPath} ${BIN} demo; echo "EXIT=$?"; sleep 60`)
    await shown(/<echo> Welcome to psst!/, 'the bot welcome', 15_000)
    expect(screen()).toMatch(/\[2:echo\]/)
    tmux('send-keys', '-t', SESSION, '-l', 'ping from the test 🎈')
    tmux('send-keys', '-t', SESSION, 'Enter')
    await shown(/<echo> echo: ping from the test 🎈/, 'the bot reply')
    await shown(/ping from the test 🎈 ✓✓/, 'my line delivered')
    tmux('send-keys', '-t', SESSION, '-l', '/quit')
    tmux('send-keys', '-t', SESSION, 'Enter')
    await shown(/EXIT=0/, 'exit 0')
    await waitFor(() => demoProcesses().length === 0, 'no demo process left', 10_000)
  })
})
