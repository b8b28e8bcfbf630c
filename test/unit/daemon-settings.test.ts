import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkRunningMatches, effective, normalize } from '../../src/daemon/settings.js'
import { unitName, unitText, unitWord, installUnit, uninstallUnit } from '../../src/daemon/service-unit.js'
import { paths, socketCandidates, defaultHome } from '../../src/storage/home.js'
import { fileLogger } from '../../src/daemon/log-file.js'
import { PsstError } from '../../src/errors.js'

describe('network settings', () => {
  it('normalizes: one spelling per bootstrap list, localhost is 127.0.0.1, empty is the default', () => {
    expect(normalize({ bootstrap: ' 127.0.0.2:5 , relay.example.org:49737,' })).toEqual({ bootstrap: '127.0.0.2:5,relay.example.org:49737' })
    expect(normalize({ dhtHost: 'localhost' })).toEqual({ dhtHost: '127.0.0.1' })
    expect(normalize({ bootstrap: '', dhtHost: null })).toEqual({ bootstrap: null, dhtHost: null })
    expect(() => normalize({ dhtHost: 'eth0' })).toThrow(PsstError)
    expect(() => normalize({ bootstrap: 'nohost' })).toThrow(/host:port/)
  })

  it('a flag or env var overrides what the profile stores, for one run', () => {
    const stored = { bootstrap: '10.0.0.1:49737', dhtHost: '10.0.0.2' }
    expect(effective(stored, {})).toEqual({ ...stored, lan: true })
    expect(effective(stored, { bootstrap: '127.0.0.3:7' })).toEqual({ bootstrap: '127.0.0.3:7', dhtHost: '10.0.0.2', lan: true })
    expect(effective({ bootstrap: null, dhtHost: null }, { dhtHost: 'localhost' })).toEqual({ bootstrap: null, dhtHost: '127.0.0.1', lan: true })
  })

  it('LAN discovery: on unless the profile or this run (--no-lan, PSST_LAN=off) turns it off', () => {
    const stored = { bootstrap: null, dhtHost: null }
    expect(effective({ ...stored, lan: false }, {}).lan).toBe(false)
    expect(effective(stored, { lan: false }).lan).toBe(false)
    expect(effective(stored, { lan: 'off' as unknown as boolean }).lan).toBe(false)
    expect(effective({ ...stored, lan: false }, { lan: 'on' as unknown as boolean }).lan).toBe(true)
    expect(() => normalize({ lan: 'maybe' as unknown as boolean })).toThrow(/on or off/)
    expect(() => checkRunningMatches('/h', { ...stored, lan: true }, { lan: false })).toThrow(/already runs with LAN discovery on/)
    expect(() => checkRunningMatches('/h', { ...stored, lan: false }, { lan: false })).not.toThrow()
  })

  it('a running daemon with other settings is an error naming them; the same settings in another spelling are not', () => {
    const running = { bootstrap: '127.0.0.2:5', dhtHost: null }
    expect(() => checkRunningMatches('/h', running, { bootstrap: '127.0.0.2:5,' })).not.toThrow()
    expect(() => checkRunningMatches('/h', running, {})).not.toThrow()
    expect(() => checkRunningMatches('/h', running, { dhtHost: '127.0.0.2' }, '127.0.0.2')).not.toThrow()
    try {
      checkRunningMatches('/h', running, { bootstrap: '127.0.0.9:5', dhtHost: '127.0.0.7' }, '127.0.0.2')
      expect.unreachable()
    } catch (err) {
      expect((err as PsstError).code).toBe('DAEMON_SETTINGS')
      expect((err as Error).message).toMatch(/already runs with bootstrap 127\.0\.0\.2:5 and DHT address 127\.0\.0\.2; stop it first \(psst daemon stop\)/)
    }
  })
})

describe('systemd user unit', () => {
  it('quotes ExecStart words as systemd reads them', () => {
    expect(unitWord('/usr/bin/node')).toBe('/usr/bin/node')
    expect(unitWord('/home/a b/psst')).toBe('"/home/a b/psst"')
    expect(unitWord('/x/100%')).toBe('/x/100%%')
    expect(unitWord('/x/$HOME')).toBe('"/x/$$HOME"')
    expect(unitWord('say "hi"')).toBe(String.raw`"say \"hi\""`)
  })

  it('runs the daemon in the foreground for this home, with the flags given to install only', () => {
    const text = unitText({ home: '/srv/psst', passphraseFile: '/etc/psst/pass' })
    expect(text).toMatch(/^ExecStart=\S+node\S* \S+bin\.js --home \/srv\/psst --passphrase-file \/etc\/psst\/pass daemon$/m)
    expect(text).toMatch(/^Restart=on-failure$/m)
    expect(unitText({ home: '/srv/psst', bootstrap: '127.0.0.2:5' })).toMatch(/--bootstrap 127\.0\.0\.2:5 daemon$/m)
  })

  it('psst.service for the default profile, a name of its own for other homes; install and uninstall', () => {
    const config = mkdtempSync(join(tmpdir(), 'psst-unit-'))
    try {
      const env = { XDG_CONFIG_HOME: config, XDG_DATA_HOME: join(config, 'data') }
      expect(unitName(defaultHome(env), env)).toBe('psst.service')
      expect(unitName('/srv/psst', env)).toMatch(/^psst-[0-9a-f]{12}\.service$/)
      const unit = installUnit({ home: '/srv/psst', env })
      expect(unit.replaced).toBe(false)
      expect(readFileSync(unit.path, 'utf8')).toMatch(/--home \/srv\/psst daemon/)
      expect(installUnit({ home: '/srv/psst', env }).replaced).toBe(true)
      expect(uninstallUnit('/srv/psst', env).removed).toBe(true)
      expect(existsSync(unit.path)).toBe(false)
      expect(uninstallUnit('/srv/psst', env).removed).toBe(false)
    } finally {
      rmSync(config, { recursive: true, force: true })
    }
  })
})

describe('runtime paths', () => {
  const runtime = mkdtempSync(join(tmpdir(), 'psst-run-'))
  const env = { XDG_DATA_HOME: '/data', XDG_RUNTIME_DIR: runtime, XDG_STATE_HOME: '/state' }

  it('the default profile: socket in $XDG_RUNTIME_DIR (then the home link), log in $XDG_STATE_HOME', () => {
    expect(paths.socket('/data/psst', env)).toBe(join(runtime, 'psst', 'control.sock'))
    expect(socketCandidates('/data/psst', env)).toEqual([join(runtime, 'psst', 'control.sock'), '/data/psst/control.sock'])
    expect(paths.log('/data/psst', env)).toBe('/state/psst/daemon.log')
    expect(paths.log('/data/psst', { XDG_DATA_HOME: '/data' })).toBe(join(homedir(), '.local', 'state', 'psst', 'daemon.log'))
  })

  it('a --home profile keeps both in its folder; a socket path too long for unix moves to a short one', () => {
    expect(paths.socket('/srv/p', env)).toBe('/srv/p/control.sock')
    expect(socketCandidates('/srv/p', env)).toEqual(['/srv/p/control.sock'])
    expect(paths.log('/srv/p', env)).toBe('/srv/p/daemon.log')
    const deep = '/srv/' + 'x'.repeat(120)
    const sock = paths.socket(deep, env)
    expect(sock.length).toBeLessThanOrEqual(107)
    expect(sock).toMatch(/psst-\d+\/[0-9a-f]{16}\.sock$/)
    expect(socketCandidates(deep, env)).toEqual([sock, join(deep, 'control.sock')])
  })

  it('without the runtime folder, the default profile keeps its socket in the home', () => {
    expect(paths.socket('/data/psst', { XDG_DATA_HOME: '/data', XDG_RUNTIME_DIR: '/nonexistent-psst' })).toBe('/data/psst/control.sock')
  })
})

describe('daemon log', () => {
  it('moves a full log to .1 and goes on in a new file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'psst-log-'))
    try {
      const path = join(dir, 'state', 'daemon.log')
      const log = fileLogger(path, 200)
      for (let i = 0; i < 10; i++) log(`line ${i} ${'x'.repeat(30)}`)
      const now = readFileSync(path, 'utf8')
      const old = readFileSync(path + '.1', 'utf8')
      expect(now.length).toBeLessThanOrEqual(200)
      expect(old.length).toBeLessThanOrEqual(200)
      expect(now).toMatch(/line 9 /)
      expect(old + now).toMatch(/line 8 [\s\S]*line 9 /)
      writeFileSync(path + '.1', 'gone')
      for (let i = 0; i < 10; i++) log(`again ${i} ${'y'.repeat(30)}`)
      expect(readFileSync(path + '.1', 'utf8')).not.toBe('gone')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
