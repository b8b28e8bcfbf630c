/**
 * The relay's control socket, `<home>/control.sock` (0600): the same socket RPC as the daemon's
 * (src/rpc, docs/design.md "Control socket"), with two methods: `status` and `stop`.
 * `callRelay(home, method)` is its client.
 */
import { join } from 'node:path'
import { serveRpc, type RpcServer } from '../rpc/server.js'
import { RpcClient, trySocket } from '../rpc/client.js'
import { PsstError } from '../errors.js'
import type { RelayStatus } from './node.js'

export type { RelayStatus }

export interface RelayControl {
  status (): RelayStatus
  stop (): void
}

export const relaySocketPath = (home: string): string => join(home, 'control.sock')

export async function serveRelayControl (path: string, control: RelayControl): Promise<RpcServer> {
  return await serveRpc(path, () => (method) => {
    if (method === 'status') return control.status()
    if (method === 'stop') {
      // Answer first: the stop closes this socket.
      setImmediate(() => control.stop())
      return { stopping: true }
    }
    throw PsstError.usage(`the relay has no method "${method}" (status, stop)`)
  }, { inUse: 'something already' })
}

/** Asks the relay running in `home`; NO_DAEMON when none answers. */
export async function callRelay<T> (home: string, method: 'status' | 'stop', timeoutMs = 5000): Promise<T> {
  const noRelay = (): PsstError => new PsstError('NO_DAEMON', `no relay runs for ${home}; start it with: psst --home ${home} relay`)
  const socket = await trySocket(relaySocketPath(home))
  if (socket === null) throw noRelay()
  const rpc = new RpcClient(socket, noRelay)
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((resolve, reject) => {
    timer = setTimeout(() => reject(new PsstError('TIMEOUT', `the relay in ${home} did not answer`)), timeoutMs)
  })
  try {
    return await Promise.race([rpc.call(method), timeout]) as T
  } finally {
    clearTimeout(timer)
    await rpc.close()
  }
}
