/**
 * vitest globalSetup: a safety net for daemons that commands autostarted in temp homes and a test
 * forgot to stop. At teardown it kills (by pid) the daemons of this checkout's bin, in homes under
 * the temp folder, that were not running when the run began, and names them so the test is fixed.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const BIN = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'src', 'apps', 'cli', 'bin.js')

function ourDaemons (): Map<number, string> {
  const out = new Map<number, string>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let argv: string[]
    try { argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0') } catch { continue }
    const home = argv[argv.indexOf('--home') + 1]
    if (argv[1] === BIN && argv.includes('daemon') && home?.startsWith(tmpdir() + '/')) out.set(Number(name), home)
  }
  return out
}

export default function setup (): () => void {
  const before = new Set(ourDaemons().keys())
  return () => {
    for (const [pid, home] of ourDaemons()) {
      if (before.has(pid)) continue
      process.stderr.write(`daemon-reaper: a test left a daemon running (pid ${pid}, home ${home}); killed\n`)
      try { process.kill(pid, 'SIGKILL') } catch {}
    }
  }
}
