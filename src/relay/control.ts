/**
 * The relay's control socket, `<home>/control.sock` (0600): the same socket RPC as the daemon's
 * (src/rpc; docs/design.md, Control socket), with three methods: `status`, `invite` and `stop`.
 * `callRelay(home, method)` is its client.
 */
import { join } from 'node:path'
import { serveRpc, type RpcServer } from '../rpc/server.js'
import { RpcClient, trySocket } from '../rpc/client.js'
import { PsstError } from '../errors.js'
import type { RelayStatus } from './node.js'

export type { RelayStatus }

export interface RelayInvite { code: string, relay: string, expiresAt: number }

export interface RelayControl {
  status (): RelayStatus
  invite (validMs?: number): Promise<RelayInvite>
  stop (): void
}

export const relaySocketPath = (home: string): string => join(home, 'control.sock')

export async function serveRelayControl (path: string, control: RelayControl): Promise<RpcServer> {
  return await serveRpc(path, () => async (method, params) => {
    if (method === 'status') return control.status()
    if (method === 'invite') return await invite(control, params)
    if (method === 'stop') {
      // Answer first: the stop closes this socket.
      setImmediate(() => control.stop())
      return { stopping: true }
    }
    throw PsstError.usage(`the relay has no method "${method}" (status, invite, stop)`)
  }, { inUse: 'something already' })
}

async function invite (control: RelayControl, params: unknown): Promise<RelayInvite> {
  const ms = (params as { validMs?: unknown } | null)?.validMs
  try {
    return await control.invite(typeof ms === 'number' && Number.isSafeInteger(ms) && ms > 0 ? ms : undefined)
  } catch (err) {
    throw PsstError.internal(`the relay could not store the invite: ${(err as Error).message}`)
  }
}

/** Asks the relay running in `home`; NO_DAEMON when none answers. */
export async function callRelay<T> (home: string, method: 'status' | 'stop' | 'invite', timeoutMs = 5000, params: Record<string, unknown> = {}): Promise<T> {
  const noRelay = (): PsstError => new PsstError('NO_DAEMON', `no relay runs for ${home}; start it with: psst --home ${home} relay`)
  const socket = await trySocket(relaySocketPath(home))
  if (socket === null) throw noRelay()
  const rpc = new RpcClient(socket, noRelay)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PsstError('TIMEOUT', `the relay in ${home} did not answer`)), timeoutMs)
  })
  try {
    return await Promise.race([rpc.call(method, params), timeout]) as T
  } finally {
    clearTimeout(timer)
    await rpc.close()
  }
}
