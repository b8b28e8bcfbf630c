/**
 * The daemon's network settings: what the profile stores, what a flag or env var overrides for
 * one run, and the check that a running daemon matches what a command asks for.
 */
import type { NetworkSettings, Settings, HistoryCaps } from './api.js'
import { HISTORY_CAP_OFF, type SettingsRecord } from '../wire/records.js'
import { checkCaps } from '../chat/history-cap.js'
import { parseBootstrap, formatBootstrap, isIPv4 } from '../net/bootstrap.js'
import { PsstError } from '../errors.js'

/** A stored cap: 0 is the default (null), HISTORY_CAP_OFF no cap (0). */
const capFromRecord = (v: number | undefined): number | null => v === undefined || v === 0 ? null : v === HISTORY_CAP_OFF ? 0 : v
const capToRecord = (v: number | null | undefined): number => v == null ? 0 : v === 0 ? HISTORY_CAP_OFF : v

export function fromRecord (r: SettingsRecord): Settings {
  return {
    bootstrap: r.bootstrap === '' ? null : r.bootstrap,
    dhtHost: r.dhtHost === '' ? null : r.dhtHost,
    lan: r.lan,
    historyMaxBytes: capFromRecord(r.historyMaxBytes),
    historyMaxMessages: capFromRecord(r.historyMaxMessages)
  }
}

export function toRecord (s: NetworkSettings & Partial<HistoryCaps>): SettingsRecord {
  return {
    bootstrap: s.bootstrap ?? '',
    dhtHost: s.dhtHost ?? '',
    lan: s.lan !== false,
    historyMaxBytes: capToRecord(s.historyMaxBytes),
    historyMaxMessages: capToRecord(s.historyMaxMessages)
  }
}

/** A cap as given: a whole number (0 = no cap), or null for the default. Throws a usage error. */
function normalCap (value: unknown, what: string): number | null {
  if (value === null) return null
  const n = typeof value === 'number' ? value : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0 || n >= HISTORY_CAP_OFF) throw PsstError.usage(`${what} must be a whole number (0 for no cap)`)
  return n
}

/** The history caps of a change, checked; absent ones stay absent. */
export function normalizeCaps (s: Partial<HistoryCaps>): Partial<HistoryCaps> {
  const out: Partial<HistoryCaps> = {}
  if (s.historyMaxBytes !== undefined) out.historyMaxBytes = normalCap(s.historyMaxBytes, 'history-max-bytes')
  if (s.historyMaxMessages !== undefined) out.historyMaxMessages = normalCap(s.historyMaxMessages, 'history-max-messages')
  checkCaps(out)
  return out
}

/** A bootstrap list in its one spelling (so two spellings of one list compare equal); throws a usage error. */
export function normalBootstrap (value: string): string {
  return formatBootstrap(parseBootstrap(value))
}

/** An IPv4 bind address; `localhost` is 127.0.0.1. Throws a usage error. */
export function normalDhtHost (value: string): string {
  const v = value.trim()
  if (v.toLowerCase() === 'localhost') return '127.0.0.1'
  if (!isIPv4(v)) throw PsstError.usage(`bad DHT bind address "${value}": expected an IPv4 address`)
  return v
}

/** on/off (true/false, yes/no); null is the default, on. Throws a usage error. */
export function normalLan (value: unknown): boolean {
  if (value === null || value === true || value === false) return value !== false
  const v = String(value).trim().toLowerCase()
  if (['on', 'true', 'yes', '1'].includes(v)) return true
  if (['off', 'false', 'no', '0'].includes(v)) return false
  throw PsstError.usage(`bad value "${String(value)}" for lan: expected on or off`)
}

export function normalize (s: Partial<NetworkSettings>): Partial<NetworkSettings> {
  const out: Partial<NetworkSettings> = {}
  if (s.bootstrap !== undefined) out.bootstrap = s.bootstrap === null || s.bootstrap.trim() === '' ? null : normalBootstrap(s.bootstrap)
  if (s.dhtHost !== undefined) out.dhtHost = s.dhtHost === null || s.dhtHost.trim() === '' ? null : normalDhtHost(s.dhtHost)
  if (s.lan !== undefined) out.lan = normalLan(s.lan)
  return out
}

/** One run's settings: each override (flag or env var) wins over what the profile stores. */
export function effective (stored: NetworkSettings, override: Partial<NetworkSettings>): NetworkSettings {
  const o = normalize(override)
  return { bootstrap: o.bootstrap ?? stored.bootstrap, dhtHost: o.dhtHost ?? stored.dhtHost, lan: o.lan ?? stored.lan ?? true }
}

/**
 * Throws when a command asks for network settings a running daemon does not have: the flag
 * cannot apply, and ignoring it silently would leave the user on another network than asked.
 */
export function checkRunningMatches (home: string, running: NetworkSettings, asked: Partial<NetworkSettings>, boundHost: string | null = null): void {
  const want = normalize(asked)
  const clash: string[] = []
  // With no address set, the one the daemon chose is as good as asked for.
  const host = running.dhtHost ?? boundHost
  if (want.bootstrap != null && want.bootstrap !== running.bootstrap) clash.push(`bootstrap ${running.bootstrap ?? '(public)'}`)
  if (want.dhtHost != null && want.dhtHost !== host) clash.push(`DHT address ${host ?? '(automatic)'}`)
  if (want.lan === false && running.lan !== false) clash.push('LAN discovery on')
  if (clash.length === 0) return
  throw new PsstError('DAEMON_SETTINGS', `the daemon for ${home} already runs with ${clash.join(' and ')}; ` +
    'stop it first (psst daemon stop) to use other settings, or drop the flag (psst config set keeps them)')
}
