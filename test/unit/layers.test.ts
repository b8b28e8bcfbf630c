import { describe, it, expect } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, dirname, resolve } from 'node:path'

/**
 * Guards the one-way layers (DEVELOPERS.md, STYLE.md): a module imports only from layers to
 * its left; the shells (cli, tui, relay) see only core (and crypto/id + crypto/qr to parse and
 * draw IDs); each third-party package sits behind one layer.
 */
const ROOT = resolve(import.meta.dirname, '..', '..')
const SRC = join(ROOT, 'src')
const ORDER = ['crypto', 'wire', 'dht', 'session', 'store', 'core']
const SHELLS = ['cli', 'tui', 'relay']
const PACKAGE_HOME: Record<string, string[]> = {
  'libsodium-wrappers-sumo': ['crypto'],
  hyperdht: ['dht'],
  level: ['store'],
  blessed: ['tui'],
  protomux: ['session', 'relay', 'dht'],
  'blind-relay': ['relay', 'dht'],
  commander: ['cli']
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

const layerOf = (file: string): string => relative(SRC, file).split('/')[0]

describe('layer directions', () => {
  const all = files(SRC)

  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(20)
  })

  for (const file of all) {
    const from = layerOf(file)
    if (from.endsWith('.ts') || from === 'types') continue
    it(relative(ROOT, file), () => {
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec)
          const to = layerOf(target)
          if (to.endsWith('.js') || to === from) continue // src/errors.ts and same layer
          if (SHELLS.includes(from)) {
            // The bin is the one entry point: the CLI may hand over to the TUI's and the relay's
            // entry modules, and nothing else of theirs.
            const entry = from === 'cli' && /src\/(tui\/app|relay\/index)\.js$/.test(target)
            const allowed = entry || to === 'core' || (to === 'crypto' && /crypto\/(id|qr)\.js$/.test(target))
            expect(allowed, `${from} may import only core (and crypto/id, crypto/qr), not ${spec}`).toBe(true)
          } else {
            expect(ORDER.indexOf(to), `${from} imports ${spec} from a later layer (${to})`).toBeLessThan(ORDER.indexOf(from))
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
