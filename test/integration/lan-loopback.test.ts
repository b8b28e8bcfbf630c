/**
 * LAN discovery without root (issue 19): two daemons with no DHT at all (`--bootstrap none`),
 * each bound to its own loopback address, find each other only through beacons. Broadcast on
 * `lo` reaches nobody, so the beacons go to the two addresses (PSST_LAN_TARGETS) on a port of
 * this file's own (PSST_LAN_PORT). The friend request, the messages and the recovery after
 * kill -9 all run over the LAN path; test/integration/lan-netns.test.ts does the same across
 * network namespaces with real broadcast.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testHost, psst, waitFor, ROOT, Profile, type TestNet } from '../helpers/psst.js'
import { lanProfile, startSide, befriendOverLan, talk, killAndRecover, type LanSide } from '../helpers/lan.js'
import type { Client } from '../../src/daemon/index.js'

const HOST_A = testHost(240)
const HOST_B = testHost(241)
const LAN_PORT = String(41240 + Number(process.env.PSST_TEST_OCTET ?? 0))

describe('LAN discovery on loopback: no DHT, beacons only', () => {
  let alice: LanSide
  let bob: LanSide
  let carol: Profile | null = null
  let ca: Client
  let cb: Client

  const env = { PSST_LAN_PORT: LAN_PORT, PSST_LAN_TARGETS: `${HOST_A},${HOST_B}` }
  const dump = async (): Promise<string> => [
    `alice: ${JSON.stringify(await ca?.call('status', {}).catch((e) => String(e)))}`,
    `bob: ${JSON.stringify(await cb?.call('status', {}).catch((e) => String(e)))}`,
    `alice log: ${alice.p.log.slice(-2000)}`, `bob log: ${bob.p.log.slice(-2000)}`
  ].join('\n')

  beforeAll(async () => {
    alice = { p: await lanProfile('alice'), env, args: ['--dht-host', HOST_A] }
    bob = { p: await lanProfile('bob'), env, args: ['--dht-host', HOST_B] }
    await startSide(alice)
    await startSide(bob)
    ca = await alice.p.client()
    cb = await bob.p.client()
  })

  afterAll(async () => {
    await alice?.p.teardown()
    await bob?.p.teardown()
    await carol?.teardown()
  })

  it('there is no DHT: neither daemon knows a single node', async () => {
    for (const c of [ca, cb]) {
      const s = await c.call('status', {})
      expect(s.network.bootstrap).toBe('none')
      expect(s.dht.state).not.toBe('online')
    }
  })

  it('a friend request reaches bob by his ID alone, and his accept reaches alice', async () => {
    await befriendOverLan(alice, bob, dump)
    // Alice found bob by his request tag; bob may have found her by her friend tag, or she him again.
    expect((await ca.call('status', {})).counters['lan-beacons-matched']).toBeGreaterThan(0)
    for (const c of [ca, cb]) expect((await c.call('status', {})).counters['lan-beacons-sent']).toBeGreaterThan(0)
  })

  it('messages both ways arrive in order, delivered', async () => {
    await talk(ca, alice.p, cb, bob.p, 20, 'lan-lo')
  })

  it('kill -9 bob: he comes back, they find each other again, and what alice sent meanwhile arrives', async () => {
    await killAndRecover(alice, bob, dump)
    cb = await bob.p.client()
    await talk(ca, alice.p, cb, bob.p, 5, 'after-restart')
  })

  it('psst config set lan off: the daemon neither beacons nor listens for beacons', async () => {
    carol = await lanProfile('carol')
    const set = await carol.cli(['config', 'set', 'lan', 'off'])
    expect(set.code, set.stderr).toBe(0)
    expect((await carol.json<{ lan: boolean }>(['config'])).lan).toBe(false)
    await startSide({ p: carol, env, args: ['--dht-host', testHost(242)] })
    expect(carol.log).toMatch(/listening as/)
    expect(carol.log).not.toMatch(/LAN discovery on port/)
    const c = await carol.client()
    expect((await c.call('status', {})).network.lan).toBe(false)
    // Alice's beacons go to her and bob's addresses only; one to carol's would find no socket.
    expect(alice.p.log).toMatch(new RegExp(`LAN discovery on port ${LAN_PORT}`))
  })
})

/** The README's "On a LAN without internet" block: each line's command and whose terminal it is. */
function readmeLanSteps (): Array<{ who: string, argv: string[], line: string }> {
  const section = readFileSync(join(ROOT, 'README.md'), 'utf8').split(/^## /m).find((s) => s.startsWith('On a LAN without internet'))
  const block = /```sh\n([\s\S]*?)```/.exec(section ?? '')?.[1]
  if (block === undefined) throw new Error('README.md has no "On a LAN without internet" section with a ```sh block')
  return block.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [cmd, comment] = l.split(/\s+#\s+/)
    const who = /^(\w+)/.exec(comment ?? '')?.[1]
    if (!cmd.startsWith('psst ') || who === undefined) throw new Error(`README line is not "psst … # who: …": ${l}`)
    return { who, argv: cmd.slice(5).replace(/<([^>]+)>/g, (_m, p: string) => `<${p.replace(/\s/g, '_')}>`).split(/\s+/), line: cmd }
  })
}

describe('the README\'s LAN section, run as written (daemons started by the commands themselves)', () => {
  const hosts: Record<string, string> = { alice: testHost(243), bob: testHost(244) }
  const homes: Record<string, string> = {}
  const profiles: Profile[] = []

  afterAll(async () => { for (const p of profiles) await p.teardown() })

  it('runs every line; the request, the message and "via": "lan" all happen', async () => {
    const steps = readmeLanSteps()
    const verb = (argv: string[]): string => argv.find((w) => !w.startsWith('-') && w !== 'none') ?? ''
    expect(steps.map((s) => verb(s.argv))).toEqual(expect.arrayContaining(['init', 'id', 'add', 'accept', 'send', 'friends', 'config']))
    const ids: Record<string, string> = {}
    const keys: Record<string, string> = {}
    for (const step of steps) {
      homes[step.who] ??= mkdtempSync(join(tmpdir(), `psst-readme-lan-${step.who}-`))
      const argv = step.argv.map((w) => {
        const m = /^<(\w+)'s_ID>$/.exec(w)
        return m === null ? w : ids[m[1]]
      })
      // Only the test's loopback addresses and LAN port are added (a real LAN needs neither).
      const env = { PSST_DHT_HOST: hosts[step.who], PSST_LAN_PORT: String(41250 + Number(process.env.PSST_TEST_OCTET ?? 0)), PSST_LAN_TARGETS: Object.values(hosts).join(',') }
      const run = async (): Promise<{ code: number, stdout: string, stderr: string }> => await psst(['--home', homes[step.who], ...argv], { env })
      if (verb(argv) === 'accept') {
        await waitFor(async () => (await psst(['--home', homes.bob, 'requests', '--json'], { env })).stdout.includes(keys.alice), 'the request over the LAN', 30_000, 250)
      }
      let r = await run()
      expect(r.code, `${step.line}: ${r.stderr}`).toBe(0)
      if (verb(argv) === 'init') {
        const info = await psst(['--home', homes[step.who], 'id', '--json', '--no-autostart'])
        keys[step.who] = JSON.parse(info.stdout).publicKey
        profiles.push(new Profile({ bootstrap: 'none' } as unknown as TestNet, step.who, homes[step.who]))
      }
      if (verb(argv) === 'id') ids[step.who] = /[0-9a-f]{76}/i.exec(r.stdout)![0]
      if (verb(argv) === 'friends') {
        const want = (out: string): boolean => (JSON.parse(out) as Array<{ publicKey: string, online: boolean, via?: string }>).some((f) => f.publicKey === keys.bob && f.online && f.via === 'lan')
        await waitFor(async () => { r = await run(); return r.code === 0 && want(r.stdout) }, 'bob online via lan, as the README says', 30_000, 250)
      }
    }
    const history = await psst(['--home', homes.bob, 'history', 'alice', '--json'])
    expect(JSON.parse(history.stdout).map((h: { text: string }) => h.text)).toContain('lunch at noon?')
    const config = await psst(['--home', homes.bob, 'config', '--json'])
    expect(JSON.parse(config.stdout).lan).toBe(false)
  })
})
