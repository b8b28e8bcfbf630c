/**
 * `psst daemon install`: the profile's daemon as a systemd user service, so it is online from
 * login (or boot, with lingering) without a command starting it. The unit runs the daemon in the
 * foreground (systemd keeps its log); the daemon reads its network settings from the profile.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultHome, paths } from '../storage/home.js'
import { BIN_PATH } from './daemon-process.js'

export interface UnitOptions {
  home: string
  /** Flags for this service only (the profile's stored settings apply otherwise). */
  bootstrap?: string
  dhtHost?: string
  /** An encrypted profile's passphrase file: a service cannot ask. */
  passphraseFile?: string
  env?: NodeJS.ProcessEnv
}

export interface UnitInfo { name: string, path: string }

/** `psst.service` for the default profile; other homes get a name of their own. */
export function unitName (home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (home === defaultHome(env)) return 'psst.service'
  return `psst-${createHash('sha256').update(home).digest('hex').slice(0, 12)}.service`
}

export function unitInfo (home: string, env: NodeJS.ProcessEnv = process.env): UnitInfo {
  const name = unitName(home, env)
  return { name, path: join(paths.unitDir(env), name) }
}

/** One ExecStart word: quoted when needed; `%` and `$` escaped as systemd expects. */
export function unitWord (word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$')
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

export function unitText (opts: UnitOptions): string {
  const args = [process.execPath, BIN_PATH, '--home', opts.home]
  if (opts.bootstrap !== undefined) args.push('--bootstrap', opts.bootstrap)
  if (opts.dhtHost !== undefined) args.push('--dht-host', opts.dhtHost)
  if (opts.passphraseFile !== undefined) args.push('--passphrase-file', resolve(opts.passphraseFile))
  args.push('daemon')
  return [
    '# Written by `psst daemon install`; `psst daemon uninstall` removes it.',
    '[Unit]',
    `Description=psst daemon for ${opts.home.replace(/%/g, '%%')}`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${args.map(unitWord).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    ''
  ].join('\n')
}

/** Writes (or rewrites) the unit; returns where. */
export function installUnit (opts: UnitOptions): UnitInfo & { replaced: boolean } {
  const info = unitInfo(opts.home, opts.env)
  mkdirSync(paths.unitDir(opts.env), { recursive: true })
  const text = unitText(opts)
  const replaced = existsSync(info.path)
  if (!replaced || readFileSync(info.path, 'utf8') !== text) writeFileSync(info.path, text, { mode: 0o644 })
  return { ...info, replaced }
}

/** Removes the unit; false when there was none. */
export function uninstallUnit (home: string, env: NodeJS.ProcessEnv = process.env): UnitInfo & { removed: boolean } {
  const info = unitInfo(home, env)
  try {
    unlinkSync(info.path)
    return { ...info, removed: true }
  } catch {
    return { ...info, removed: false }
  }
}
