/**
 * Issue 13, as a user sees it: a used profile is online (init leaves its daemon running, any
 * command starts it), its network settings live in the profile, offline mail arrives when the
 * next command brings the profile online, a daemon never takes its relay's port, and the daemon
 * is a systemd user service with XDG runtime files. Only the CLI; the relay is the only bootstrap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { BIN, psst, testHost, waitFor, type Run } from '../helpers/psst.js'
import { RelayProcess } from '../helpers/relay.js'

const HOST = testHost(70)
const ONLINE = /you are online now/

describe('a used profile is online', () => {
  let relay: RelayProcess
  const dirs: string[] = []
  const homes: string[] = []
  const tmp = (name: string): string => { const d = mkdtempSync(join(tmpdir(), `psst-online-${name}-`)); dirs.push(d); return d }
  const home = (name: string): string => { const h = tmp(name); homes.push(h); return h }
  let alice = ''
  let bob = ''
  const as = (h: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Run> => psst(['--home', h, ...args], { env })
  const json = async <T = any>(h: string, args: string[]): Promise<T> => {
    const r = await as(h, [...args, '--json'])
    if (r.code !== 0) throw new Error(`psst ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
    return JSON.parse(r.stdout) as T
  }
  const pidOf = (h: string): number | null => existsSync(join(h, 'daemon.pid')) ? Number(readFileSync(join(h, 'daemon.pid'), 'utf8')) : null
  const alive = (pid: number | null): boolean => { try { return pid !== null && process.kill(pid, 0) } catch { return false } }

  beforeAll(async () => {
    // As the README starts it: no --owners, so it admits only the profiles it invites.
    relay = await new RelayProcess({ host: HOST, owners: null }).start()
    alice = home('alice')
    bob = home('bob')
  })

  afterAll(async () => {
    // Every daemon a command started is killed here, whatever the tests did.
    for (const h of homes) { const pid = pidOf(h); if (alive(pid)) process.kill(pid!, 'SIGKILL') }
    await relay?.teardown()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('init stores --bootstrap in the profile and leaves the daemon running, and says how to stop it', async () => {
    const r = await as(alice, ['--bootstrap', relay.bootstrap, 'init', '--name', 'alice'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/you are online: the daemon runs in the background \(pid \d+\); psst daemon stop takes you offline/)
    expect(alive(pidOf(alice))).toBe(true)
    const info = await json(bob, ['--bootstrap', relay.bootstrap, 'init', '--name', 'bob'])
    expect(info.daemon).toMatchObject({ running: true, pid: expect.any(Number) })
    expect(await json(alice, ['config'])).toEqual({ bootstrap: relay.bootstrap, dhtHost: null, lan: true, historyMaxBytes: null, historyMaxMessages: null })
    expect((await as(alice, ['config', 'get', 'bootstrap'])).stdout.trim()).toBe(relay.bootstrap)
  })

  it('no flag after init: the two meet through the stored bootstrap; the request is there at the first psst requests', async () => {
    const id = (await json(alice, ['id'])).id as string
    expect((await as(bob, ['add', id, 'hi, it is bob'])).code).toBe(0)
    await waitFor(async () => (await json<any[]>(alice, ['requests'])).length === 1, 'bob\'s request at alice', 30_000)
    expect((await as(alice, ['accept', 'bob'])).code).toBe(0)
    await waitFor(async () => (await json<any[]>(bob, ['friends']))[0]?.online === true, 'alice online at bob', 30_000)
    // Found through the DHT and connected straight to her daemon: neither the LAN nor a relay.
    expect((await json<any[]>(bob, ['friends']))[0].via).toBe('direct')
  })

  it('a flag a running daemon cannot apply is an error that says so; bad settings are usage errors', async () => {
    const r = await as(alice, ['--bootstrap', '127.0.0.1:9', 'friends'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/already runs with bootstrap .*psst daemon stop/)
    const j = await as(alice, ['--dht-host', '127.0.0.9', 'id', '--json'])
    expect(j.code).toBe(1)
    expect(JSON.parse(j.stderr).error.code).toBe('DAEMON_SETTINGS')
    // the address it chose itself is what one may ask for
    expect((await as(alice, ['--dht-host', HOST, 'friends'])).code).toBe(0)
    expect((await as(alice, ['config', 'set', 'dht-host', 'not-an-ip'])).code).toBe(2)
    expect((await as(alice, ['config', 'set', 'bootstrap', 'nohost'])).code).toBe(2)
    expect((await as(alice, ['config', 'set', 'colour', 'red'])).code).toBe(2)
    const set = await as(alice, ['config', 'set', 'dht-host', HOST])
    expect(set.code).toBe(0)
    expect(set.stderr).toMatch(/keeps its settings until it restarts/)
    expect((await json(alice, ['config', 'unset', 'dht-host'])).dhtHost).toBe(null)
  })

  it('offline mail: bob stops his daemon, alice sends, bob\'s next psst history brings him online and the mail arrives', async () => {
    // The README's flow: a code from `psst relay invite` on the relay, then `mailbox set --invite`.
    expect(relay.log).toMatch(/owners: by invite/)
    const invite = await psst(['--home', relay.home, 'relay', 'invite', '--json'])
    expect(invite.code, invite.stderr).toBe(0)
    expect((await as(bob, ['mailbox', 'set', relay.publicKey, '--invite', JSON.parse(invite.stdout).code])).code).toBe(0)
    const bobKey = (await json(bob, ['id'])).publicKey as string
    await waitFor(async () => (await json<any[]>(alice, ['friends']))[0]?.mailbox === relay.publicKey, 'alice learns bob\'s mailbox', 30_000)
    expect((await as(bob, ['daemon', 'stop'])).stdout).toMatch(/daemon stopped/)
    const status = await as(bob, ['daemon', 'status'])
    expect(status.code).toBe(3)
    await waitFor(async () => (await json<any[]>(alice, ['friends']))[0]?.online === false, 'alice sees bob offline', 30_000)
    expect((await as(alice, ['send', 'bob', 'mail while you were away'])).code).toBe(0)
    await waitFor(async () => (await relay.status()).held === 1, 'the envelope held at the relay', 30_000)

    const first = await as(bob, ['history', 'alice'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toMatch(ONLINE)
    expect(alive(pidOf(bob))).toBe(true)
    await waitFor(async () => (await json<any[]>(bob, ['history', 'alice'])).some((m) => m.text === 'mail while you were away' && m.from !== 'me'),
      'the mail in bob\'s history', 30_000)
    // The note is for the command that brought the profile online, not the ones after.
    expect((await as(bob, ['history', 'alice'])).stderr).not.toMatch(ONLINE)
    await waitFor(async () => (await json<any[]>(alice, ['history', bobKey.slice(0, 12)])).find((m) => m.text === 'mail while you were away')?.state === 'delivered',
      'alice sees it delivered', 30_000)
  })

  it('--no-autostart answers from the profile without starting a daemon; psst id starts it in the background', async () => {
    expect((await as(bob, ['daemon', 'stop'])).code).toBe(0)
    const r = await as(bob, ['--no-autostart', 'friends', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)[0].name).toBe('alice')
    expect(alive(pidOf(bob))).toBe(false)
    expect((await as(bob, ['--no-autostart', 'send', 'alice', 'x'])).stderr).toMatch(/no psst daemon runs/)
    const id = await as(bob, ['id'])
    expect(id.code).toBe(0)
    expect(id.stdout).toMatch(/^ID {4}[0-9A-F]{76}$/m)
    expect(id.stderr).toMatch(ONLINE)
    await waitFor(async () => (await as(bob, ['daemon', 'status'])).code === 0, 'the daemon psst id started', 30_000)
  })

  it('psst watch survives kill -9 of the daemon: says it reconnects, restarts it, and shows events after', async () => {
    const child = spawn(process.execPath, [BIN, '--home', alice, 'watch', '--json', '--type', 'message'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    try {
      await waitFor(async () => {
        await as(bob, ['send', 'alice', 'watch warm-up'])
        return out.includes('watch warm-up')
      }, 'watch subscribed', 30_000, 500)
      const pid = pidOf(alice)!
      process.kill(pid, 'SIGKILL')
      await waitFor(() => /reconnecting…/.test(err), 'the reconnecting line', 20_000)
      await waitFor(() => /reconnected to the daemon/.test(err), 'reconnected', 40_000)
      expect(pidOf(alice)).not.toBe(pid)
      expect(alive(pidOf(alice))).toBe(true)
      expect((await as(bob, ['send', 'alice', 'after the kill'])).code).toBe(0)
      await waitFor(() => out.includes('after the kill'), 'a message after the restart in watch', 40_000)
      // Messages alice sends from another shell show too, as hers.
      expect((await as(alice, ['send', 'bob', 'from another shell'])).code).toBe(0)
      await waitFor(() => out.split('\n').some((l) => l.includes('from another shell') && l.includes('"from":"me"')), 'alice\'s own message in watch', 20_000)
      expect(child.exitCode).toBeNull()
    } finally {
      child.kill('SIGTERM')
    }
  })

  it('a daemon never takes the port of its bootstrap relay: the relay restarts while profiles run', async () => {
    await relay.stop()
    // Both daemons restart while the relay's port is free: neither may take it.
    for (const h of [alice, bob]) {
      expect((await as(h, ['daemon', 'stop'])).code).toBe(0)
      expect((await as(h, ['friends'])).code).toBe(0)
    }
    for (const h of [alice, bob]) expect((await json(h, ['daemon', 'status'])).dht.port).not.toBe(relay.port)
    await relay.start()
    expect(relay.log).toMatch(/control socket/)
  })

  it('daemon install writes a systemd user unit for this home and prints the enable line; uninstall removes it', async () => {
    const config = tmp('config')
    const env = { XDG_CONFIG_HOME: config }
    const r = await as(alice, ['daemon', 'install'], env)
    expect(r.code, r.stderr).toBe(0)
    const name = /systemctl --user enable --now (psst-[0-9a-f]{12}\.service)/.exec(r.stdout)?.[1]
    expect(name).toBeDefined()
    const unit = readFileSync(join(config, 'systemd', 'user', name!), 'utf8')
    expect(unit).toMatch(new RegExp(`^ExecStart=\\S+ \\S+bin\\.js --home ${alice} daemon$`, 'm'))
    expect(unit).toMatch(/^WantedBy=default\.target$/m)
    expect((await as(alice, ['daemon', 'install'], env)).stdout).toMatch(/^updated /)
    const un = await as(alice, ['daemon', 'uninstall'], env)
    expect(un.stdout).toMatch(/removed .*systemctl --user disable --now/s)
    expect(existsSync(join(config, 'systemd', 'user', name!))).toBe(false)
    expect((await as(alice, ['daemon', 'uninstall'], env)).stdout).toMatch(/no service was installed/)
  })

  it('the default profile keeps its socket in $XDG_RUNTIME_DIR (linked from the home) and its log in $XDG_STATE_HOME', async () => {
    const data = tmp('data')
    const runtime = tmp('run')
    const state = tmp('state')
    const h = join(data, 'psst')
    homes.push(h)
    const env = { XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime, XDG_STATE_HOME: state }
    const init = await psst(['--bootstrap', relay.bootstrap, 'init', '--name', 'carol'], { env })
    expect(init.code, init.stderr).toBe(0)
    expect(lstatSync(join(runtime, 'psst', 'control.sock')).isSocket()).toBe(true)
    expect(readlinkSync(join(h, 'control.sock'))).toBe(join(runtime, 'psst', 'control.sock'))
    // init returns once the control socket answers; the DHT and presence come up after it.
    await waitFor(() => readFileSync(join(state, 'psst', 'daemon.log'), 'utf8').includes('listening as'), 'listening as in $XDG_STATE_HOME/psst/daemon.log')
    expect(existsSync(join(h, 'daemon.log'))).toBe(false)
    // A client without XDG_RUNTIME_DIR (cron) finds the daemon through the home's link.
    const cron = await psst(['daemon', 'status', '--json'], { env: { XDG_DATA_HOME: data } })
    expect(JSON.parse(cron.stdout).running).toBe(true)
    expect((await psst(['daemon', 'stop'], { env })).code).toBe(0)
    expect(existsSync(join(runtime, 'psst', 'control.sock'))).toBe(false)
    expect(existsSync(join(h, 'control.sock'))).toBe(false)
  })
})
