import { createServer, type Server, type Socket } from 'node:net'
import { chmodSync, unlinkSync, existsSync } from 'node:fs'
import type { Messenger } from '../contacts/messenger.js'
import type { PsstEvent } from './api.js'
import { handle } from './service.js'
import { PsstError } from '../errors.js'
import { LineReader, writeJson } from './ndjson.js'
import { socketAnswers } from './control-client.js'

// Kept importable from here (the relay's control socket uses it).
export { socketAnswers }

/** A slow subscriber holding more than this much unread output is disconnected. */
const MAX_BUFFERED = 64 * 1024 * 1024

/**
 * The control socket (DESIGN §6): newline-delimited JSON requests and responses, plus the
 * event stream for subscribers. Mode 0600 so only the profile's owner can drive it.
 */
export interface ControlServer { close (): void }

export async function serveControl (m: Messenger, path: string): Promise<ControlServer> {
  if (existsSync(path)) {
    if (await socketAnswers(path)) throw new PsstError('PROFILE_IN_USE', `another daemon answers on ${path}`)
    unlinkSync(path)
  }
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serveClient(m, socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  chmodSync(path, 0o600)
  return {
    close () {
      server.close()
      // Clients (a TUI, `psst watch`) learn the daemon is gone instead of keeping it alive.
      for (const s of sockets) s.destroy()
    }
  }
}

function serveClient (m: Messenger, socket: Socket): void {
  let onEvent: ((e: PsstEvent) => void) | null = null
  socket.on('error', () => {})
  socket.on('close', () => { if (onEvent) m.off('event', onEvent) })
  const reader = new LineReader((line) => void answer(line), () => socket.destroy())
  socket.on('data', (chunk) => reader.push(chunk))

  async function answer (line: string): Promise<void> {
    let id: unknown = null
    try {
      const req = JSON.parse(line) as { id?: unknown, method?: unknown, params?: unknown }
      id = req.id ?? null
      if (typeof req.method !== 'string') throw PsstError.usage('request needs a method')
      const result = await handle(m, req.method, req.params)
      if (req.method === 'subscribe' && onEvent === null) {
        const wanted = eventFilter(req.params)
        onEvent = (event) => {
          if (wanted !== null && !wanted.has(event.type)) return
          if (socket.writableLength > MAX_BUFFERED) return socket.destroy()
          writeJson(socket, { event })
        }
        m.on('event', onEvent)
      }
      writeJson(socket, { id, result })
    } catch (err) {
      const error = err instanceof PsstError ? err.toJSON() : err instanceof SyntaxError
        ? { code: 'USAGE', message: 'request is not valid JSON' }
        : { code: 'INTERNAL', message: (err as Error).message }
      if (!(err instanceof PsstError) && !(err instanceof SyntaxError)) m.log(`internal error: ${(err as Error).stack ?? err}`)
      writeJson(socket, { id, error })
    }
  }
}

/** The event types a subscribe request asks for; null for all. */
function eventFilter (params: unknown): Set<string> | null {
  const types = (params as { types?: unknown } | null)?.types
  return Array.isArray(types) && types.every((t) => typeof t === 'string') ? new Set(types as string[]) : null
}
