/**
 * A pid file outlives its daemon (kill -9, a reboot) and the number is then reused by an
 * unrelated process. psst must never signal that process, nor refuse to open the profile
 * because of it (issue 15, item 3).
 */
import { describe, it, expect, afterEach } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { psst } from '../helpers/psst.js'

describe('a daemon.pid naming another process', () => {
  let bystander: ChildProcess | null = null
  let home = ''

  afterEach(() => {
    bystander?.kill('SIGKILL')
    bystander = null
    rmSync(home, { recursive: true, force: true })
  })

  async function homeWithStalePid (): Promise<number> {
    home = mkdtempSync(join(tmpdir(), 'psst-stalepid-'))
    expect((await psst(['--home', home, '--no-autostart', 'init', '--name', 'a'])).code).toBe(0)
    bystander = spawn('sleep', ['600'], { stdio: 'ignore' })
    writeFileSync(join(home, 'daemon.pid'), String(bystander.pid))
    return bystander.pid!
  }

  const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }

  it('psst daemon stop leaves it alone and says no daemon was running', async () => {
    const pid = await homeWithStalePid()
    const r = await psst(['--home', home, '--no-autostart', 'daemon', 'stop', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ stopped: false })
    // Give a SIGTERM time to land before looking.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(alive(pid)).toBe(true)
    expect(bystander!.exitCode).toBeNull()
    expect(bystander!.signalCode).toBeNull()
  })

  it('the profile still opens: the stale lock is replaced, not reported as in use', async () => {
    await homeWithStalePid()
    const r = await psst(['--home', home, '--no-autostart', 'nick', 'b', '--json'])
    expect(r.stderr).not.toMatch(/in use/)
    expect(r.code, r.stderr).toBe(0)
    const id = await psst(['--home', home, '--no-autostart', 'id', '--json'])
    expect(JSON.parse(id.stdout).name).toBe('b')
    expect(bystander!.signalCode).toBeNull()
  })
})
