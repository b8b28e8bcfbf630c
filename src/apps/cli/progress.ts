/**
 * A one-line progress bar on stderr (only for a terminal; callers check): percentage, bytes, rate
 * over the last seconds, and ETA. Redrawn in place with \r, at most a few times a second.
 */
export interface TtyLike { write (s: string): unknown, columns?: number }

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++ }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

export class ProgressBar {
  readonly #out: TtyLike
  readonly #label: string
  readonly #total: number
  readonly #samples: Array<{ t: number, bytes: number }> = []
  #last = 0

  constructor (out: TtyLike, label: string, total: number, now = Date.now()) {
    this.#out = out
    this.#label = label.length > 24 ? label.slice(0, 23) + '…' : label
    this.#total = total
    this.#samples.push({ t: now, bytes: 0 })
  }

  update (bytes: number, now = Date.now()): void {
    this.#samples.push({ t: now, bytes })
    while (this.#samples.length > 2 && now - this.#samples[0].t > 5000) this.#samples.shift()
    this.#last = bytes
    this.#out.write('\r' + this.render(now) + '\x1b[K')
  }

  done (ok: boolean): void {
    if (ok) this.#last = this.#total
    this.#out.write('\r' + this.render(Date.now()) + '\x1b[K\n')
  }

  /** The line without control characters (tested on its own). */
  render (now: number): string {
    const first = this.#samples[0]
    const seconds = (now - first.t) / 1000
    const rate = seconds > 0 ? (this.#last - first.bytes) / seconds : 0
    const pct = this.#total === 0 ? 100 : Math.floor(this.#last / this.#total * 100)
    const width = 20
    const filled = Math.round(width * pct / 100)
    const eta = rate > 0 ? formatDuration((this.#total - this.#last) / rate) : '--:--'
    return `${this.#label} ${String(pct).padStart(3)}% [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
      `${formatBytes(this.#last)}/${formatBytes(this.#total)} ${formatBytes(Math.round(rate))}/s ETA ${eta}`
  }
}
