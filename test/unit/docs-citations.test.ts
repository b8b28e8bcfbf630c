import { describe, it, expect } from 'vitest'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

/**
 * Comments cite documents inside the repository, by file and section ("docs/design.md,
 * Storage", "docs/reliability.md, policy 2"). Every such citation must name a file that exists
 * and a section it has, so a renamed heading cannot leave comments pointing at nothing.
 */
const ROOT = resolve(import.meta.dirname, '..', '..')

function files (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

const headings = (doc: string): string[] => [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1])

/** The citation's section exists in `doc`: a heading it starts, a numbered policy, or a case row. */
function hasSection (doc: string, section: string): boolean {
  const policy = /^polic(?:y|ies) (\d+)/.exec(section)
  if (policy !== null) return new RegExp(`^${policy[1]}\\. \\*\\*`, 'm').test(doc)
  const cases = /^cases? (\d+)(?:[–-](\d+))?/.exec(section)
  if (cases !== null) return [cases[1], cases[2]].filter((n) => n !== undefined).every((n) => doc.includes(`\n| ${n} |`))
  const name = section.split(/[:;]/)[0].trim()
  return headings(doc).some((h) => h === name || h.startsWith(`${name} (`))
}

describe('citations of docs/ in comments', () => {
  const sources = ['src', 'test', 'bench'].flatMap((d) => files(join(ROOT, d)))
  const found: Array<{ where: string, file: string, section: string | null }> = []
  for (const f of sources) {
    const text = readFileSync(f, 'utf8')
    for (const m of text.matchAll(/docs\/([a-z-]+\.md)(?:, ([^)\n]+?))?(?=\)|\n|$)/g)) {
      found.push({ where: relative(ROOT, f), file: m[1], section: m[2]?.replace(/ \*\/$/, '').trim() ?? null })
    }
  }

  it('finds citations', () => {
    expect(found.length).toBeGreaterThan(20)
  })

  it('every cited file exists and has the cited section', () => {
    const broken = found.filter(({ file, section }) => {
      const path = join(ROOT, 'docs', file)
      if (!existsSync(path)) return true
      return section !== null && !hasSection(readFileSync(path, 'utf8'), section)
    })
    expect(broken.map((b) => `${b.where}: docs/${b.file}, ${b.section ?? ''}`)).toEqual([])
  })

  it('no comment cites the contract outside the repository', () => {
    const outside = sources.filter((f) => f !== import.meta.filename && /DESIGN(\.md)? ?§|RELIABILITY\b|\.\.\/shared\//.test(readFileSync(f, 'utf8')))
    expect(outside.map((f) => relative(ROOT, f))).toEqual([])
  })
})
