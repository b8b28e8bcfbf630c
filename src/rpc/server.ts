import { createServer, type Server, type Socket } from 'node:net'
import { chmodSync, unlinkSync, existsSync } from 'node:fs'
import { PsstError } from '../errors.js'
import { LineReader, writeJson } from './ndjson.js'
import { socketAnswers } from './client.js'

/** A slow reader holding more than this much unread output is disconnected. */
const MAX_BUFFERED = 64 * 1024 * 1024
/**
 * Past this much unread output, requests from that client are not read any more until it
 * reads: a client that sends without reading fills its own socket, not the daemon's memory.
 */
const PAUSE_BUFFERED = 1024 * 1024

/** One client's connection, as a method handler sees it. */
export interface Connection {
  /** Writes an unsolicited line (an event); a reader that lags too far behind is dropped instead. */
  push (value: unknown): void
  /** Runs `fn` when the connection closes (at once if it already has). */
  onClose (fn: () => void): void
}

/** Answers one request; a thrown PsstError goes back as `{code, message}`. */
export type Handler = (method: string, params: unknown) => Promise<unknown> | unknown

export interface RpcServerOptions {
  /** Says what already answers on the path, for the PROFILE_IN_USE error. */
  inUse: string
  /** Told about an error that is not a PsstError (a bug): the client only sees INTERNAL. */
  onInternalError?: (err: Error) => void
}

export interface RpcServer { close (): void }

/**
 * A control socket (docs/design.md, Control socket): newline-delimited JSON requests
 * `{id, method, params}` answered by `{id, result}` or `{id, error}`, on a Unix socket of mode
 * 0600 so only its owner can drive it. `open` is called once per connection and returns the
 * handler for that connection's requests (so per-connection state, like a subscription, lives there).
 */
export async function serveRpc (path: string, open: (conn: Connection) => Handler, opts: RpcServerOptions): Promise<RpcServer> {
  if (existsSync(path)) {
    if (await socketAnswers(path)) throw new PsstError('PROFILE_IN_USE', `${opts.inUse} answers on ${path}`)
    unlinkSync(path)
  }
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serveConnection(socket, open, opts)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  chmodSync(path, 0o600)
  return {
    close () {
      server.close()
      // Clients that stay connected (a TUI, `psst watch`) learn the server is gone instead of keeping it alive.
      for (const s of sockets) s.destroy()
    }
  }
}

function serveConnection (socket: Socket, open: (conn: Connection) => Handler, opts: RpcServerOptions): void {
  socket.on('error', () => {})
  const handler = open({
    push (value) {
      if (socket.writableLength > MAX_BUFFERED) return void socket.destroy()
      writeJson(socket, value)
    },
    onClose (fn) {
      if (socket.destroyed) fn()
      else socket.once('close', fn)
    }
  })
  const reader = new LineReader((line) => void answer(line), () => socket.destroy())
  socket.on('data', (chunk) => {
    reader.push(chunk)
    if (socket.writableLength > PAUSE_BUFFERED) socket.pause()
  })
  socket.on('drain', () => { if (socket.isPaused()) socket.resume() })
  const reply = (value: unknown): void => {
    if (socket.destroyed) return
    if (socket.writableLength > MAX_BUFFERED) return void socket.destroy()
    writeJson(socket, value)
    if (socket.writableLength > PAUSE_BUFFERED) socket.pause()
  }

  async function answer (line: string): Promise<void> {
    let id: unknown = null
    try {
      const req = JSON.parse(line) as { id?: unknown, method?: unknown, params?: unknown } | null
      if (typeof req !== 'object' || req === null) throw PsstError.usage('a request is a JSON object')
      id = req.id ?? null
      if (typeof req.method !== 'string') throw PsstError.usage('request needs a method')
      reply({ id, result: await handler(req.method, req.params) })
    } catch (err) {
      reply({ id, error: errorJson(err, opts) })
    }
  }
}

function errorJson (err: unknown, opts: RpcServerOptions): { code: string, message: string } {
  if (err instanceof PsstError) return err.toJSON()
  if (err instanceof SyntaxError) return { code: 'USAGE', message: 'request is not valid JSON' }
  opts.onInternalError?.(err as Error)
  return { code: 'INTERNAL', message: (err as Error).message }
}
