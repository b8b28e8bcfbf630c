/**
 * The core's public face for the apps (cli, tui) and the tests. Apps import only this module
 * and src/daemon/api.ts types (plus src/crypto/id.ts to parse IDs). A program that runs a
 * daemon inside itself (the bench, the demo) uses src/daemon/embed.ts.
 */
export type * from './api.js'
export { resolveHome } from '../storage/home.js'
export { initProfile, profileExists, isProfileEncrypted, profileProtection } from './profile.js'
export { connect, type Client, type ConnectOptions } from './control-client.js'
export { connectResilient, type ResilientClient, type ConnectionState } from './resilient-client.js'
export type { DaemonOptions } from './daemon.js'

/** The daemon (and with it hyperdht) is loaded only by the commands that run one. */
export async function runDaemon (opts: import('./daemon.js').DaemonOptions): Promise<void> {
  const { runDaemon: run } = await import('./daemon.js')
  return await run(opts)
}
export { startDaemonDetached, daemonStatus, stopDaemon } from './daemon-process.js'

/** `psst passwd`: re-encrypts the profile (the daemon must not run); loaded on use. */
export async function changePassphrase (home: string, oldPassphrase: string | null, newPassphrase: string | null): Promise<import('../storage/rekey.js').RekeyResult> {
  const [{ rekeyProfile }, { cryptoReady }] = await Promise.all([import('../storage/rekey.js'), import('../crypto/sodium.js')])
  await cryptoReady()
  return await rekeyProfile(home, oldPassphrase, newPassphrase)
}
export { installUnit, uninstallUnit } from './service-unit.js'
export { fileLogger } from './log-file.js'
export { checkRunningMatches } from './settings.js'

export type { Demo } from '../apps/demo/demo.js'

/** `psst demo`: a private network, an echo bot and a throwaway profile (loaded on use). */
export async function startDemo (log?: (line: string) => void): Promise<import('../apps/demo/demo.js').Demo> {
  const { startDemo: start } = await import('../apps/demo/demo.js')
  return await start(log)
}

/** The relay's limit flags (light: no network code), for `psst relay --help`. */
export { LIMIT_FLAGS } from '../relay/limits.js'

/** `psst device link` (loaded on use: it runs a DHT node of its own). */
export async function linkDevice (opts: import('./link-device.js').LinkOptions): Promise<{ id: string, deviceKey: string }> {
  const { linkDevice: link } = await import('./link-device.js')
  return await link(opts)
}
