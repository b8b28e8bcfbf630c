import type { Messenger } from '../contacts/messenger.js'
import type { PsstEvent } from './api.js'
import { handle } from './service.js'
import { serveRpc, type Connection, type Handler, type RpcServer } from '../rpc/server.js'

/**
 * The daemon's control socket (docs/design.md, Control socket): the methods of service.ts
 * over the shared socket RPC, plus the event stream for subscribers.
 */
export type ControlServer = RpcServer

export async function serveControl (m: Messenger, path: string): Promise<ControlServer> {
  return await serveRpc(path, (conn) => clientHandler(m, conn), {
    inUse: 'another daemon',
    onInternalError: (err) => m.log(`internal error: ${err.stack ?? String(err)}`)
  })
}

function clientHandler (m: Messenger, conn: Connection): Handler {
  let subscribed = false
  return async (method, params) => {
    const result = await handle(m, method, params)
    if (method === 'subscribe' && !subscribed) {
      subscribed = true
      forwardEvents(m, conn, eventFilter(params))
    }
    return result
  }
}

function forwardEvents (m: Messenger, conn: Connection, wanted: Set<string> | null): void {
  const onEvent = (event: PsstEvent): void => {
    if (wanted === null || wanted.has(event.type)) conn.push({ event })
  }
  m.on('event', onEvent)
  conn.onClose(() => m.off('event', onEvent))
}

/** The event types a subscribe request asks for; null for all. */
function eventFilter (params: unknown): Set<string> | null {
  const types = (params as { types?: unknown } | null)?.types
  return Array.isArray(types) && types.every((t) => typeof t === 'string') ? new Set(types as string[]) : null
}
