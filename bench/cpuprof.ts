/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the time went, by function (self
 * and inclusive) and by file/package. Used by `npm run bench -- --profile`, or by hand:
 *   node dist/bench/cpuprof.js bench/profiles/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

const ROOT_MARK = /\/(src|bench)\//

function where (cf: CallFrame): string {
  if (cf.url === '') return ''
  const url = cf.url.replace(/^file:\/\//, '')
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) return url.slice(nm + 14)
  const m = ROOT_MARK.exec(url)
  return m === null ? url : url.slice(m.index + 1)
}

const label = (cf: CallFrame): string => {
  const at = where(cf)
  return `${cf.functionName || '(anonymous)'}${at === '' ? '' : ` ${at}:${cf.lineNumber + 1}`}`
}

/** What a file's time is charged to: a package, a psst file, node internals, GC/idle. */
function bucket (cf: CallFrame): string {
  const url = cf.url
  if (url === '') return cf.functionName.startsWith('(') ? cf.functionName : '(native)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/')
    return `pkg ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`
  }
  if (url.startsWith('node:')) return url
  return where(cf)
}

export interface Summary { totalMs: number, idleMs: number, self: Array<[string, number]>, inclusive: Array<[string, number]>, buckets: Array<[string, number]> }

export function summarize (path: string, top = 15): Summary {
  const prof = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const incl = new Map<string, number>()
  const buckets = new Map<string, number>()
  let total = 0
  let idle = 0
  prof.samples.forEach((id, i) => {
    const ms = (prof.timeDeltas[i] ?? 0) / 1000
    const node = byId.get(id)
    if (node === undefined) return
    total += ms
    const cf = node.callFrame
    if (cf.functionName === '(idle)') { idle += ms; return }
    self.set(label(cf), (self.get(label(cf)) ?? 0) + ms)
    buckets.set(bucket(cf), (buckets.get(bucket(cf)) ?? 0) + ms)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame
      if (f.url === '' && f.functionName.startsWith('(')) continue
      const l = label(f)
      if (seen.has(l)) continue
      seen.add(l)
      incl.set(l, (incl.get(l) ?? 0) + ms)
    }
  })
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
  return { totalMs: total, idleMs: idle, self: sorted(self), inclusive: sorted(incl), buckets: sorted(buckets) }
}

export function render (s: Summary, title: string): string {
  const busy = s.totalMs - s.idleMs
  const pct = (ms: number): string => `${(100 * ms / Math.max(1, busy)).toFixed(1).padStart(5)}%`
  const block = (name: string, rows: Array<[string, number]>): string[] =>
    [`  ${name}:`, ...rows.map(([k, ms]) => `    ${pct(ms)} ${ms.toFixed(0).padStart(6)} ms  ${k}`)]
  return [
    `${title}: ${busy.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms profiled (percentages of busy time)`,
    ...block('by package / file (self)', s.buckets),
    ...block('by function (self)', s.self),
    ...block('by function (inclusive)', s.inclusive.filter(([k]) => !k.startsWith('(anonymous) node:internal')))
  ].join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2]
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/cpuprof.js <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  process.stdout.write(render(summarize(file, Number(process.argv[3] ?? 20)), file) + '\n')
}
