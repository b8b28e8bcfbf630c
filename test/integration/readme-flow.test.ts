/**
 * The README's "Two terminals, two people" section is a test: its commands are read from
 * README.md and run as written, with only --home and the private network's --bootstrap added, and
 * no daemon started by hand. If the README and psst drift apart, this fails.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, TestNet, psst, waitFor, type Run } from '../helpers/psst.js'

const HOST_NUMBER = 71

interface Step { who: string, argv: string[], line: string }

/** The section's code block as steps in reading order: row by row, the left terminal first. */
export function readmeSteps (readme: string): { people: string[], steps: Step[] } {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Two terminals, two people'))
  if (section === undefined) throw new Error('README.md has no "Two terminals, two people" section')
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error('the section has no ```sh block')
  const [head, ...rows] = block.split('\n').filter((l) => l.trim() !== '')
  const heads = [...head.matchAll(/# terminal \d \((\w+)\)/g)]
  if (heads.length !== 2) throw new Error(`expected two "# terminal N (name)" columns, got: ${head}`)
  const col = heads[1].index!
  const people = heads.map((m) => m[1])
  const steps: Step[] = []
  for (const row of rows) {
    for (const [i, part] of [row.slice(0, col), row.slice(col)].entries()) {
      const line = part.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim()
      if (line === '') continue
      if (!line.startsWith('psst ')) throw new Error(`not a psst command: ${line}`)
      // "<alice's ID>" is one word: the ID that person's `psst id` printed.
      const words = line.slice(5).replace(/<([^>]+)>/g, (_m, p: string) => `<${p.replace(/\s/g, '_')}>`).split(/\s+/)
      steps.push({ who: people[i], argv: words, line })
    }
  }
  return { people, steps }
}

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

describe('README: two terminals, two people', () => {
  let net: TestNet
  const homes = new Map<string, string>()
  const ids = new Map<string, string>()
  const tmuxSocket = `psst-readme-${process.pid}`
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', tmuxSocket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

  beforeAll(async () => { net = await TestNet.start(HOST_NUMBER) })

  afterAll(async () => {
    try { tmux('kill-server') } catch {}
    for (const home of homes.values()) {
      const pidFile = join(home, 'daemon.pid')
      if (existsSync(pidFile)) { try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL') } catch {} }
      rmSync(home, { recursive: true, force: true })
    }
    await net?.network.destroy()
  })

  it('reads the section: two people, and the commands users type', () => {
    const { people, steps } = readmeSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'))
    expect(people).toEqual(['alice', 'bob'])
    expect(steps.map((s) => s.argv[0])).toContain('init')
    expect(steps.some((s) => s.argv[0] === 'chat')).toBe(true)
  })

  it('runs them as written; alice sees bob\'s request at her psst requests and bob reads hello in psst chat', async () => {
    const { people, steps } = readmeSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'))
    for (const p of people) homes.set(p, mkdtempSync(join(tmpdir(), `psst-readme-${p}-`)))
    const args = (who: string, argv: string[]): string[] => ['--home', homes.get(who)!, '--bootstrap', net.bootstrap, ...argv.map((w) => {
      const m = /^<(\w+)'s_ID>$/.exec(w)
      if (m === null) { if (w.startsWith('<')) throw new Error(`unknown placeholder ${w}`); return w }
      const id = ids.get(m[1])
      if (id === undefined) throw new Error(`${w} is used before ${m[1]} ran psst id`)
      return id
    })]
    for (const step of steps) {
      const cmd = step.argv[0]
      if (cmd === 'chat') { await chat(step.who, args(step.who, step.argv)); continue }
      let r: Run
      if (cmd === 'requests') {
        // What a person does: look again until the request is there.
        const t0 = Date.now()
        r = await waitFor(async () => { const x = await psst(args(step.who, step.argv)); return /hi, it is bob/.test(x.stdout) ? x : null }, 'the request in psst requests', 30_000, 200)
        console.log(`README flow: bob's request listed by alice's psst requests ${Date.now() - t0} ms after her first look`)
      } else {
        r = await psst(args(step.who, step.argv))
      }
      expect(r.code, `${step.who}: ${step.line}\n${r.stderr}`).toBe(0)
      if (cmd === 'id') ids.set(step.who, /[0-9A-F]{76}/.exec(r.stdout)![0])
      if (cmd === 'init') expect(r.stdout).toMatch(/you are online/)
    }
  })

  async function chat (who: string, argv: string[]): Promise<void> {
    if (!hasTmux()) return
    const env = 'env -u PSST_HOME -u PSST_BOOTSTRAP -u PSST_PASSPHRASE -u PSST_DHT_HOST LANG=C.UTF-8'
    tmux('new-session', '-d', '-s', who, '-x', '100', '-y', '30', `${env} ${process.execPath} ${BIN} ${argv.join(' ')}; sleep 60`)
    const screen = (): string => tmux('capture-pane', '-p', '-t', who)
    const shown = async (re: RegExp, what: string): Promise<void> => {
      await waitFor(() => re.test(screen()), what, 30_000, 100).catch((err: Error) => { throw new Error(`${err.message}\n--- screen ---\n${screen()}`) })
    }
    await shown(/\[2:alice\]|Act: 2|unread \[2\]/, 'alice\'s window')
    tmux('send-keys', '-t', who, 'M-2')
    await shown(/<alice> hello/, `alice's hello in ${who}'s chat`)
    tmux('send-keys', '-t', who, '-l', '/quit')
    tmux('send-keys', '-t', who, 'Enter')
  }
})
