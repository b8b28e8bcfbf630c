/**
 * Running file transfers as the TUI shows them, in the manner of irssi's and WeeChat's DCC lines and
 * toxic's transfer lines: one line per transfer in its conversation (name, %, a bar, rate, ETA),
 * redrawn in place as progress events come, then left showing how it ended; and a short summary of
 * what is running in the status bar. Pure bookkeeping and text; events.ts draws.
 */
import type { FileInfo } from '../../daemon/api.js'
import type { SysEntry } from './buffer.js'
import { sanitize } from '../text/sanitize.js'

export interface TransferView {
  info: FileInfo
  /** When this TUI first saw it, and the bytes held then (a resumed transfer's rate counts only new bytes). */
  since: number
  sinceBytes: number
  lastAt: number
  lastBytes: number
  /** Bytes a second, smoothed. */
  rate: number
  /** The conversation line redrawn in place. */
  entry: SysEntry | null
}

/** Weight of the newest rate sample: smooth enough not to flicker, quick enough to follow a change. */
const RATE_WEIGHT = 0.3
const BAR_CELLS = 20

export class TransferBoard {
  readonly #running = new Map<string, TransferView>()

  /** Records a progress (or an offer being accepted): the view, with its rate updated. */
  update (info: FileInfo, now: number): TransferView {
    let v = this.#running.get(info.fileId)
    if (v === undefined) {
      v = { info, since: now, sinceBytes: info.bytes, lastAt: now, lastBytes: info.bytes, rate: 0, entry: null }
      this.#running.set(info.fileId, v)
      return v
    }
    const dt = (now - v.lastAt) / 1000
    if (dt > 0 && info.bytes >= v.lastBytes) {
      const sample = (info.bytes - v.lastBytes) / dt
      v.rate = v.rate === 0 ? sample : v.rate * (1 - RATE_WEIGHT) + sample * RATE_WEIGHT
      v.lastAt = now
      v.lastBytes = info.bytes
    }
    v.info = info
    return v
  }

  /** The transfer ended: its view (if it was shown), no longer running. */
  end (info: FileInfo): TransferView | undefined {
    const v = this.#running.get(info.fileId)
    this.#running.delete(info.fileId)
    if (v !== undefined) v.info = info
    return v
  }

  get running (): TransferView[] { return [...this.#running.values()] }
}

export function formatBytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (x: number): string => String(x).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

const percent = (f: FileInfo): number => f.size === 0 ? 100 : Math.min(100, Math.floor(f.bytes * 100 / f.size))
const arrow = (f: FileInfo): string => f.direction === 'in' ? '↓' : '↑'

function bar (f: FileInfo): string {
  const full = Math.round(percent(f) * BAR_CELLS / 100)
  return `[${'#'.repeat(full)}${'.'.repeat(BAR_CELLS - full)}]`
}

/** `↓ big.iso  45% [#########...........] 1.2 GiB/2.6 GiB  38 MiB/s  ETA 0:41` */
export function progressLine (v: TransferView): string {
  const f = v.info
  const eta = v.rate > 0 ? formatDuration((f.size - f.bytes) / v.rate) : '--:--'
  const rate = v.rate > 0 ? `${formatBytes(v.rate)}/s` : 'waiting'
  return `${arrow(f)} ${sanitize(f.name, true)}  ${String(percent(f)).padStart(3)}% ${bar(f)} ${formatBytes(f.bytes)}/${formatBytes(f.size)}  ${rate}  ETA ${eta}`
}

/** How the line reads once the transfer ended: done (size, time, mean rate), or failed/cancelled and why. */
export function endLine (v: TransferView, now: number): string {
  const f = v.info
  const head = `${arrow(f)} ${sanitize(f.name, true)}`
  if (f.state === 'complete') {
    const secs = Math.max(0.001, (now - v.since) / 1000)
    return `${head}  done: ${formatBytes(f.size)} in ${formatDuration(secs)}, ${formatBytes((f.size - v.sinceBytes) / secs)}/s`
  }
  const why = f.reason !== undefined ? `: ${sanitize(f.reason, true)}` : ''
  return `${head}  ${f.state} at ${percent(f)}%${why}`
}

/** The status bar's part: the one transfer, or how many run and their overall %. */
export function statusSummary (running: TransferView[]): string {
  if (running.length === 0) return ''
  if (running.length === 1) {
    const v = running[0]
    const eta = v.rate > 0 ? ` ETA ${formatDuration((v.info.size - v.info.bytes) / v.rate)}` : ''
    return `${arrow(v.info)} ${sanitize(v.info.name, true).slice(0, 16)} ${percent(v.info)}%${eta}`
  }
  const size = running.reduce((a, v) => a + v.info.size, 0)
  const bytes = running.reduce((a, v) => a + v.info.bytes, 0)
  return `${running.length} transfers ${size === 0 ? 100 : Math.floor(bytes * 100 / size)}%`
}
