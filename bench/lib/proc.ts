/**
 * Child processes and temp dirs of one bench run. Everything is registered here so that one
 * `cleanup()` (also run on exit, SIGINT and uncaught errors) kills every child and removes
 * every temp dir, whatever phase failed.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..', '..')
export const BIN = join(ROOT, 'dist', 'src', 'apps', 'cli', 'bin.js')

const children = new Set<ChildProcess>()
const dirs = new Set<string>()

export function track<T extends ChildProcess> (child: T): T {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** The run's temp root; every home and DB of the run lives below it. */
let root: string | null = null
export function tempRoot (): string {
  if (root === null) {
    root = mkdtempSync(join(tmpdir(), 'psst-bench-'))
    dirs.add(root)
  }
  return root
}

export function tempDir (name: string): string {
  const dir = join(tempRoot(), name)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  return dir
}

/** Kills every child still running (by its own pid) and removes the temp dirs. Synchronous. */
export function cleanup (): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL') } catch {}
    }
  }
  children.clear()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
}

let installed = false
export function installCleanup (): void {
  if (installed) return
  installed = true
  process.once('exit', cleanup)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { cleanup(); process.exit(130) })
  }
}

/** The environment for psst children: none of the user's PSST_* settings leak in. */
export function psstEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('PSST_')) delete env[k]
  return env
}

export interface Run { code: number, stdout: string, stderr: string, ms: number }

/** Runs a command to completion, timing the whole process (spawn → exit). */
export function runTimed (file: string, args: string[], opts: { timeoutMs?: number, env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now()
    const child = track(spawn(file, args, { env: opts.env ?? psstEnv(), stdio: ['ignore', 'pipe', 'pipe'] }))
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => { stdout += d })
    child.stderr!.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${args.join(' ')} timed out\n${stderr}`)) }, opts.timeoutMs ?? 30_000)
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 })
    })
  })
}

export async function psst (args: string[]): Promise<Run> {
  const r = await runTimed(process.execPath, [BIN, ...args])
  if (r.code !== 0) throw new Error(`psst ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
  return r
}

/** A forked Node child with an IPC channel (the raw baseline peers). */
export function forkTracked (script: string, args: string[] = [], execArgv: string[] = []): ChildProcess {
  return track(fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: psstEnv() }))
}

export function sleep (ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export async function waitFor<T> (fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, timeoutMs = 20_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = null
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== null && v !== undefined && v !== false) return v as T
    } catch (err) { last = err }
    await sleep(intervalMs)
  }
  throw new Error(`timed out waiting for ${what}${last !== null ? `: ${(last as Error).message}` : ''}`)
}

export interface Memory { rss: number, anon: number, file: number }

/** VmRSS of a live process in MB, split into anonymous (heaps) and file-backed (code) pages (Linux /proc). */
export async function memory (pid: number): Promise<Memory | null> {
  const { readFile } = await import('node:fs/promises')
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) / 1024
    const rss = kb('VmRSS')
    return Number.isFinite(rss) ? { rss, anon: kb('RssAnon'), file: kb('RssFile') } : null
  } catch {
    return null
  }
}

export async function rssMb (pid: number): Promise<number | null> {
  return (await memory(pid))?.rss ?? null
}

/** The RSS of an idle bare `node` process, measured now: the floor any Node daemon stands on. */
export async function bareNodeMemory (): Promise<Memory | null> {
  const child = track(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }))
  try {
    await sleep(1000)
    return await memory(child.pid ?? 0)
  } finally {
    child.kill('SIGKILL')
  }
}
