import type { Client } from './control-client.js'
import type { Method, Params, Result, PsstEvent, EventType } from './api.js'
import type { Messenger } from '../contacts/messenger.js'
import { handle } from './service.js'
import { PsstError } from '../errors.js'

/**
 * The control API served in the daemon's own process: the same handlers and events as the
 * socket, minus the JSON and the socket hops. embed.ts hands these to a program that runs a
 * daemon inside itself (the bench's core measurements tell the core's own cost from its clients').
 */
export function localClient (m: Messenger): Client {
  let closed = false
  const listeners: Array<(e: PsstEvent) => void> = []
  const closeFns: Array<() => void> = []
  return {
    async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
      if (closed) throw new PsstError('NO_DAEMON', 'the client is closed')
      return await handle(m, method, params) as Result<M>
    },
    async subscribe (onEvent: (e: PsstEvent) => void, types?: EventType[]) {
      const wanted = types === undefined ? null : new Set<string>(types)
      const fn = (e: PsstEvent): void => { if (wanted === null || wanted.has(e.type)) onEvent(e) }
      listeners.push(fn)
      m.on('event', fn)
    },
    onClose (fn) { closeFns.push(fn) },
    async close () {
      if (closed) return
      closed = true
      for (const fn of listeners.splice(0)) m.off('event', fn)
      for (const fn of closeFns) fn()
    }
  }
}
