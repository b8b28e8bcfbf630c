/**
 * The relay's public face for the CLI (`psst relay`, `psst relay status`), loaded lazily.
 */
import { Relay, type RelayOptions } from './relay.js'
import { callRelay, type RelayStatus } from './control.js'
import type { RelayLimits } from './limits.js'

export type { RelayStatus } from './control.js'
export type { RelayLimits } from './limits.js'
export { DEFAULT_LIMITS, LIMIT_FLAGS, resolveLimits } from './limits.js'
export { DEFAULT_RELAY_PORT, DEFAULT_HELPERS } from './relay.js'

export interface RunRelayOptions {
  home: string
  host?: string
  port?: number
  bootstrap?: string
  /** Bind address when it differs from --host. */
  dhtHost?: string
  /** Extra DHT nodes for an own network (default 2; see docs/relay.md). */
  helpers?: number
  log?: (line: string) => void
  /** Numbers (bytes, ms, counts) or the flags' text ("64M", "30d"). */
  limits?: Partial<RelayLimits> | Partial<Record<keyof RelayLimits, number | string | undefined>>
  /** Handle SIGINT/SIGTERM (default true). */
  signals?: boolean
}

/** Runs the relay until SIGTERM/SIGINT or a `stop` on its control socket; resolves after a clean stop. */
export async function runRelay (opts: RunRelayOptions): Promise<void> {
  const relayOpts: RelayOptions = { ...opts }
  const relay = await Relay.start(relayOpts)
  await new Promise<void>((resolve) => {
    const onStop = (): void => {
      process.off('SIGINT', onStop)
      process.off('SIGTERM', onStop)
      void relay.stop().then(resolve, resolve)
    }
    if (opts.signals !== false) {
      process.once('SIGINT', onStop)
      process.once('SIGTERM', onStop)
    }
    relay.onStopRequest = onStop
  })
}

/** The running relay's status (NO_DAEMON when none runs in `home`). Takes the home or `{ home }`. */
export async function relayStatus (home: string | { home: string }): Promise<RelayStatus> {
  return await callRelay<RelayStatus>(typeof home === 'string' ? home : home.home, 'status')
}

/** Asks the running relay to stop (it finishes cleanly); false when none runs. */
export async function stopRelay (home: string): Promise<boolean> {
  try {
    await callRelay(home, 'stop')
    return true
  } catch {
    return false
  }
}
