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
  rpc: [],
  contacts: [...BASE, 'storage', 'net'],
  chat: [...BASE, 'storage', 'net', 'contacts'],
  mailbox: [...BASE, 'storage', 'net', 'contacts', 'chat'],
  relay: [...BASE, 'storage', 'net', 'mailbox', 'rpc'],
  daemon: [...BASE, 'storage', 'net', 'rpc', 'contacts', 'chat', 'mailbox', 'relay', 'apps/demo'],
  'apps/demo': ['daemon', 'net'],
  'apps/text': [],
  'apps/tui': ['daemon', 'crypto', 'apps/text'],
  'apps/cli': ['daemon', 'crypto', 'apps/tui', 'apps/text', 'relay']
}

/**
 * Imports that run against the layers and are being taken out (issue 14: the shared Messenger
 * bag that chat, contacts and mailbox still reach into). This list only shrinks.
 */
const KNOWN_BACK_EDGES = new Set([
  'chat -> daemon', 'contacts -> daemon', 'contacts -> chat', 'mailbox -> daemon'
])

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
  protomux: ['net', 'mailbox', 'relay'],
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
          if (KNOWN_BACK_EDGES.has(`${from} -> ${to}`)) continue
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
})
