import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, dirname, resolve } from 'node:path'

/**
 * The layout of docs/design.md as an allow-list: each folder of src/ names the folders it may
 * import from, and each third-party package names the folders it may be used in. Anything not
 * listed fails, so a new dependency between folders is a decision made here, in review.
 */
const ROOT = resolve(import.meta.dirname, '..', '..')
const SRC = join(ROOT, 'src')

const BASE = ['crypto', 'wire']
const ALLOWED: Record<string, string[]> = {
  crypto: [],
  wire: ['crypto'],
  storage: [...BASE],
  net: [...BASE],
  streams: [...BASE, 'storage'],
  rpc: [],
  contacts: [...BASE, 'storage', 'net', 'streams'],
  chat: [...BASE, 'storage', 'net', 'streams', 'contacts'],
  mailbox: [...BASE, 'storage', 'net', 'streams', 'contacts', 'chat'],
  presence: [...BASE, 'storage', 'net', 'streams', 'contacts'],
  files: [...BASE, 'storage', 'net'],
  devices: [...BASE, 'storage', 'net', 'streams', 'contacts', 'chat'],
  lan: [...BASE],
  groups: [...BASE, 'storage', 'net'],
  relay: [...BASE, 'storage', 'net', 'mailbox', 'rpc'],
  daemon: [...BASE, 'storage', 'net', 'rpc', 'streams', 'contacts', 'chat', 'mailbox', 'presence', 'relay', 'files', 'groups', 'lan', 'devices', 'apps/demo'],
  'apps/demo': ['daemon', 'net'],
  'apps/text': [],
  'apps/tui': ['daemon', 'crypto', 'apps/text'],
  'apps/cli': ['daemon', 'crypto', 'apps/tui', 'apps/text', 'relay']
}

/**
 * File cycles inside one folder that are being taken out by the work on those folders (the
 * daemon's client/autostart, the TUI controller): this list only shrinks.
 */
const KNOWN_CYCLES = [
  'daemon/control-client.ts -> daemon/daemon-process.ts -> daemon/control-client.ts',
  'daemon/control-client.ts -> daemon/offline.ts -> daemon/control-client.ts',
  'apps/tui/controller.ts -> apps/tui/events.ts -> apps/tui/controller.ts',
  'apps/tui/controller.ts -> apps/tui/submit.ts -> apps/tui/controller.ts'
]

/** The CLI and the TUI see the daemon only through its public face, and crypto only to parse and draw IDs. */
const APP_ENTRIES: Record<string, RegExp> = {
  daemon: /src\/daemon\/(index|api)\.js$/,
  crypto: /src\/crypto\/(id|qr)\.js$/,
  'apps/tui': /src\/apps\/tui\/app\.js$/,
  relay: /src\/relay\/(index|limits)\.js$/
}

const PACKAGE_HOME: Record<string, string[]> = {
  'libsodium-wrappers-sumo': ['crypto'],
  hyperdht: ['net'],
  level: ['storage'],
  blessed: ['apps/tui'],
  protomux: ['net', 'mailbox', 'relay', 'files', 'groups', 'devices'],
  'blind-relay': ['relay', 'net'],
  commander: ['apps/cli']
}

function files (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : []
  })
}

function imports (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) out.push(m[1])
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1])
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1])
  return out
}

function folderOf (file: string): string {
  const parts = relative(SRC, file).split('/')
  return parts[0] === 'apps' ? `apps/${parts[1]}` : parts[0]
}

describe('layer allow-list', () => {
  const all = files(SRC)

  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(20)
  })

  it('every folder of src/ is in the allow-list', () => {
    const folders = new Set(all.map(folderOf).filter((f) => !f.endsWith('.ts') && f !== 'types'))
    for (const f of folders) expect(ALLOWED[f], `src/${f} is not in the allow-list`).toBeDefined()
  })

  for (const file of all) {
    const from = folderOf(file)
    if (from.endsWith('.ts') || from === 'types') continue
    it(relative(ROOT, file), () => {
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec)
          const to = folderOf(target)
          if (to.endsWith('.js') || to === from) continue // src/errors.js and the same folder
          expect(ALLOWED[from], `${from} may not import ${spec} (${to})`).toContain(to)
          if ((from === 'apps/cli' || from === 'apps/tui') && APP_ENTRIES[to] !== undefined) {
            expect(APP_ENTRIES[to].test(target), `${from} may use only the entry modules of ${to}, not ${spec}`).toBe(true)
          }
        } else {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]
          const homes = PACKAGE_HOME[pkg]
          if (homes !== undefined) expect(homes, `${pkg} must stay behind ${homes.join('/')}`).toContain(from)
        }
      }
    })
  }

  it('no import cycle between files, at runtime or through types', () => {
    const graph = new Map<string, string[]>()
    for (const file of all) {
      const deps = imports(file).filter((spec) => spec.startsWith('.')).map((spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts'))
      graph.set(file, deps.filter((d) => graph.has(d) || all.includes(d)))
    }
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const path: string[] = []
    const visit = (f: string): void => {
      if (state.get(f) === 'done') return
      if (state.get(f) === 'open') {
        cycles.push(path.slice(path.indexOf(f)).concat(f).map((x) => relative(SRC, x)).join(' -> '))
        return
      }
      state.set(f, 'open')
      path.push(f)
      for (const d of graph.get(f) ?? []) visit(d)
      path.pop()
      state.set(f, 'done')
    }
    for (const f of all) visit(f)
    expect(cycles.filter((c) => !KNOWN_CYCLES.includes(c))).toEqual([])
  })
})
