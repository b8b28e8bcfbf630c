/** The bench's outputs: the printed table, bench/results.json and bench/results.svg. */
import { writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { round, type Figure } from './stats.js'

export interface Target { op: '<' | '>=', value: number }

export interface Metric {
  name: string
  unit: string
  psst: Figure
  /** The raw hyperdht figure with LevelDB on both sides (null: no raw equivalent). */
  baseline: Figure | null
  /** The same raw work without LevelDB, for the table only. */
  bare: Figure | null
  target: Target | null
  /** Minimum psst/baseline (throughput). */
  minRatio?: number
  /** Maximum psst/baseline (chat latency during a file transfer against idle). */
  maxRatio?: number
  note?: string
  /** Raw samples kept in results.json (e.g. every reconnection time, to see outliers). */
  samples?: number[]
}

const ratioOf = (m: Metric): number | null =>
  m.psst.value !== null && m.baseline?.value != null && m.baseline.value !== 0 ? m.psst.value / m.baseline.value : null

export function misses (m: Metric): string[] {
  const out: string[] = []
  const v = m.psst.value
  if (m.target !== null) {
    if (v === null) out.push(`${m.name}: not measured (target ${m.target.op} ${m.target.value} ${m.unit})`)
    else if (m.target.op === '<' ? !(v < m.target.value) : !(v >= m.target.value)) {
      const by = m.target.op === '<' ? v / m.target.value : m.target.value / v
      out.push(`${m.name}: ${fmt(v)} ${m.unit}, target ${m.target.op} ${m.target.value} (missed by ${by.toFixed(2)}×)`)
    }
  }
  const r = ratioOf(m)
  if (m.minRatio !== undefined && r !== null && r < m.minRatio) out.push(`${m.name}: ratio to raw ${r.toFixed(2)}, target ≥ ${m.minRatio}`)
  if (m.maxRatio !== undefined && r !== null && r >= m.maxRatio) out.push(`${m.name}: ratio to the baseline ${r.toFixed(2)}, target < ${m.maxRatio}`)
  return out
}

export function fmt (v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  const a = Math.abs(v)
  if (a >= 1000) return Math.round(v).toLocaleString('en-US')
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toFixed(3)
}

const spread = (f: Figure | null): string => f === null || f.value === null ? '' : `${fmt(f.min)}–${fmt(f.max)} (${f.runs} ${f.of})`

export function table (metrics: Metric[]): string {
  const head = ['metric', 'psst', 'spread (min–max, n)', 'raw+LevelDB', 'raw, no LevelDB', 'ratio', 'target', '']
  const rows = metrics.map((m) => {
    const r = ratioOf(m)
    const missed = misses(m).length > 0
    const ratioTarget = m.minRatio !== undefined ? `ratio ≥ ${m.minRatio}` : m.maxRatio !== undefined ? `ratio < ${m.maxRatio}` : ''
    const target = m.target === null ? ratioTarget : `${m.target.op} ${m.target.value}${ratioTarget === '' ? '' : `, ${ratioTarget}`}`
    return [
      `${m.name} (${m.unit})`, fmt(m.psst.value), spread(m.psst), fmt(m.baseline?.value), fmt(m.bare?.value),
      r === null ? '' : r.toFixed(2), target, m.target === null && m.minRatio === undefined && m.maxRatio === undefined ? '' : missed ? 'MISSED' : 'ok'
    ]
  })
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(width[i]) : c.padStart(width[i])).join('  ').trimEnd()
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

export function writeJson (path: string, metrics: Metric[], extra: Record<string, unknown>): void {
  const results = metrics.map((m) => {
    const r = ratioOf(m)
    return { name: m.name, value: round(m.psst.value), unit: m.unit, baseline: round(m.baseline?.value ?? null), ratio: r === null ? null : round(r) }
  })
  const details = Object.fromEntries(metrics.map((m) => [m.name, {
    min: round(m.psst.min), max: round(m.psst.max), runs: m.psst.runs, of: m.psst.of,
    baselineMin: round(m.baseline?.min ?? null), baselineMax: round(m.baseline?.max ?? null),
    baselineNoLevelDb: round(m.bare?.value ?? null),
    target: m.target === null ? null : `${m.target.op} ${m.target.value}`,
    met: misses(m).length === 0, note: m.note ?? null,
    ...(m.samples !== undefined ? { samples: m.samples.map((v) => round(v)) } : {})
  }]))
  const doc = {
    when: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    results,
    ...extra,
    details
  }
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n')
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Horizontal bar pairs, psst above raw, each row scaled to its own maximum (units differ). */
export function writeSvg (path: string, metrics: Metric[], title: string): void {
  const rows = metrics.filter((m) => m.psst.value !== null)
  const W = 760
  const left = 230
  const barW = W - left - 150
  const rowH = 46
  const top = 56
  const H = top + rows.length * rowH + 40
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<rect x="${left}" y="32" width="12" height="10" fill="#2b6cb0"/><text x="${left + 16}" y="41">psst</text>`,
    `<rect x="${left + 70}" y="32" width="12" height="10" fill="#a0aec0"/><text x="${left + 86}" y="41">raw hyperdht + LevelDB (same run)</text>`,
    `<text x="${left + 310}" y="41" fill="#c53030">| target</text>`
  ]
  rows.forEach((m, i) => {
    const y = top + i * rowH
    const base = m.baseline?.value ?? null
    const max = Math.max(m.psst.value!, base ?? 0, m.target?.value ?? 0) * 1.05 || 1
    const w = (v: number): number => Math.max(1, (v / max) * barW)
    out.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(m.name)}</text>`)
    out.push(`<text x="${left - 8}" y="${y + 30}" text-anchor="end" fill="#718096">${esc(m.unit)}${higherBetter(m) ? ', higher is better' : ''}</text>`)
    const missed = misses(m).length > 0
    out.push(`<rect x="${left}" y="${y + 4}" width="${w(m.psst.value!).toFixed(1)}" height="15" fill="${missed ? '#dd6b20' : '#2b6cb0'}"/>`)
    out.push(`<text x="${(left + w(m.psst.value!) + 4).toFixed(1)}" y="${y + 16}">${fmt(m.psst.value)}</text>`)
    if (base !== null) {
      out.push(`<rect x="${left}" y="${y + 21}" width="${w(base).toFixed(1)}" height="15" fill="#a0aec0"/>`)
      out.push(`<text x="${(left + w(base) + 4).toFixed(1)}" y="${y + 33}" fill="#4a5568">${fmt(base)}</text>`)
    } else {
      out.push(`<text x="${left + 4}" y="${y + 33}" fill="#a0aec0">no raw equivalent</text>`)
    }
    if (m.target !== null) {
      const x = left + w(m.target.value)
      out.push(`<line x1="${x.toFixed(1)}" y1="${y + 1}" x2="${x.toFixed(1)}" y2="${y + 39}" stroke="#c53030" stroke-width="2"/>`)
    }
  })
  out.push(`<text x="12" y="${H - 14}" fill="#718096">bars scaled per row; orange = psst misses its target. ${esc(new Date().toISOString())}</text>`)
  out.push('</svg>')
  writeFileSync(path, out.join('\n') + '\n')
}

const higherBetter = (m: Metric): boolean => m.target?.op === '>='
