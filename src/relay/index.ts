/**
 * `psst relay` (docs/relay.md), loaded lazily by the CLI: the core relay node plus the
 * blind relay, the control socket `<home>/control.sock`, a log, and a clean stop on SIGTERM/SIGINT.
 */
import { unlinkSync } from 'node:fs'
import { RelayNode, type RelayOptions } from './node.js'
import { BlindRelay } from './blind.js'
import { serveRelayControl, relaySocketPath, callRelay, type RelayStatus, type RelayInvite } from './control.js'

export type { RelayStatus, RelayInvite } from './control.js'
export { resolveAdmission, DEFAULT_INVITE_TTL_MS } from './admission.js'
export type { RelayLimits } from './limits.js'
export { DEFAULT_LIMITS, LIMIT_FLAGS, resolveLimits } from './limits.js'
export { DEFAULT_RELAY_PORT, DEFAULT_HELPERS } from './node.js'

/** The relay node's options (see RelayOptions), minus the blind-relay hook this module supplies. */
export interface RunRelayOptions extends Omit<RelayOptions, 'hook'> {
  /** Handle SIGINT/SIGTERM (default true). */
  signals?: boolean
}

const stamp = (line: string): void => { process.stderr.write(`${new Date().toISOString()} ${line}\n`) }

/** Runs the relay until SIGTERM/SIGINT or a `stop` on its control socket; resolves after a clean stop. */
export async function runRelay (opts: RunRelayOptions): Promise<void> {
  const log = opts.log ?? stamp
  const node = await RelayNode.start({ ...opts, log, hook: (rawDht) => new BlindRelay(rawDht) })
  let stop: () => void = () => {}
  const stopped = new Promise<void>((resolve) => { stop = resolve })
  const path = relaySocketPath(opts.home)
  let control
  try {
    control = await serveRelayControl(path, { status: () => node.status(), invite: async (ms) => await node.invite(ms), stop: () => stop() })
  } catch (err) {
    await node.stop()
    throw err
  }
  log(`control socket ${path} (pid ${process.pid})`)
  const onSignal = (): void => stop()
  if (opts.signals !== false) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  }
  await stopped
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  log('stopping')
  control.close()
  await node.stop()
  try { unlinkSync(path) } catch {}
  log('stopped')
}

/** The running relay's status (NO_DAEMON when none runs in `home`). Takes the home or `{ home }`. */
export async function relayStatus (home: string | { home: string }): Promise<RelayStatus> {
  return await callRelay<RelayStatus>(typeof home === 'string' ? home : home.home, 'status')
}

/** A new invite code from the running relay (NO_DAEMON when none runs in `home`). */
export async function relayInvite (home: string, validMs?: number): Promise<RelayInvite> {
  return await callRelay<RelayInvite>(home, 'invite', 5000, validMs === undefined ? {} : { validMs })
}
