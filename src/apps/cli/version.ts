import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** psst's version from its package.json, found upwards from this file (works from src/ and dist/). */
export function packageVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'psst' && typeof pkg.version === 'string') return pkg.version
    } catch { /* not here: look one folder up */ }
    dir = dirname(dir)
  }
  return '0.0.0'
}
