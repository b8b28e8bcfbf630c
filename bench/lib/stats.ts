/** Small statistics for the bench: percentiles (nearest rank), median, spread. */

export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}

export const median = (values: number[]): number => percentile(values, 50)

/** A measured figure: the value reported, the spread over counted runs and how many there were. */
export interface Figure {
  value: number | null
  min: number | null
  max: number | null
  runs: number
  /** What `runs` counts (runs, samples, reconnections…). */
  of: string
}

export const NONE: Figure = { value: null, min: null, max: null, runs: 0, of: '' }

/** The median of per-run values, with their min–max. */
export function summarize (perRun: number[], of = 'runs'): Figure {
  if (perRun.length === 0) return NONE
  return { value: median(perRun), min: Math.min(...perRun), max: Math.max(...perRun), runs: perRun.length, of }
}

/**
 * Pooled samples of several runs: the percentile over all samples, the spread being that
 * percentile's min–max across runs.
 */
export function pooled (runs: number[][], p: number, of = 'runs'): Figure {
  const all = runs.flat()
  if (all.length === 0) return NONE
  const per = runs.filter((r) => r.length > 0).map((r) => percentile(r, p))
  return { value: percentile(all, p), min: Math.min(...per), max: Math.max(...per), runs: runs.length, of: `${of} × ${Math.round(all.length / Math.max(1, runs.length))}` }
}

export function round (n: number | null, digits = 3): number | null {
  if (n === null || !Number.isFinite(n)) return null
  const f = 10 ** digits
  return Math.round(n * f) / f
}
