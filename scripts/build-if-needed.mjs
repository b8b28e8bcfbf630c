// Rebuilds dist/ with tsc when any source is newer than the last build, so `npm start`
// and `npm test` work straight after `npm install` on a fresh clone.
import { statSync, readdirSync, existsSync, writeFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const stamp = join(root, 'dist', '.build-stamp')

function newest (dir) {
  let max = 0
  if (!existsSync(dir)) return max
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    max = Math.max(max, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return max
}

const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'bench')), newest(join(root, 'test')),
  statSync(join(root, 'tsconfig.json')).mtimeMs)
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0
if (sources > built) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc')
  const r = spawnSync(tsc, ['-p', root], { stdio: 'inherit' })
  if (r.status !== 0) process.exit(r.status ?? 1)
  writeFileSync(stamp, String(Date.now()))
}
