import { connect as netConnect, type Socket } from 'node:net'
import { PsstError } from '../errors.js'
import { LineReader, writeJson } from './ndjson.js'

interface Pending { resolve: (v: unknown) => void, reject: (e: Error) => void }

/**
 * The client end of a control socket (see server.ts): numbers requests, matches each answer to
 * its request, turns `{error}` back into a PsstError, and hands `{event}` lines to `onEvent`.
 * When the socket closes, every pending call fails with `closedError()`.
 */
export class RpcClient {
  readonly #socket: Socket
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #closeFns: Array<() => void> = []
  onEvent: ((event: unknown) => void) | null = null

  constructor (socket: Socket, closedError: () => PsstError) {
    this.#socket = socket
    const reader = new LineReader((line) => this.#onLine(line), () => socket.destroy())
    socket.on('data', (chunk) => reader.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      const err = closedError()
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
      for (const fn of this.#closeFns) fn()
    })
  }

  get closed (): boolean { return this.#socket.destroyed }

  #onLine (line: string): void {
    let msg: { id?: number, result?: unknown, error?: unknown, event?: unknown }
    try { msg = JSON.parse(line) } catch { return }
    if (msg.event !== undefined) { this.onEvent?.(msg.event); return }
    const p = this.#pending.get(msg.id as number)
    if (p === undefined) return
    this.#pending.delete(msg.id as number)
    if (msg.error !== undefined) p.reject(PsstError.fromJSON(msg.error))
    else p.resolve(msg.result)
  }

  /** Sends one request; the socket must be open. */
  async call (method: string, params?: unknown): Promise<unknown> {
    const id = this.#nextId++
    return await new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      writeJson(this.#socket, { id, method, params })
    })
  }

  onClose (fn: () => void): void { this.#closeFns.push(fn) }

  async close (): Promise<void> {
    if (this.#socket.destroyed) return
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve())
      this.#socket.end()
      this.#socket.destroy()
    })
  }
}

/** Connects to a Unix socket; null when nothing listens there. */
export async function trySocket (path: string): Promise<Socket | null> {
  return await new Promise((resolve) => {
    const s = netConnect(path)
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s) })
    s.once('error', () => resolve(null))
  })
}

/** True if something answers on the socket (a live server), false for a stale file. */
export async function socketAnswers (path: string, timeoutMs = 1000): Promise<boolean> {
  return await new Promise((resolve) => {
    const s = netConnect(path)
    const timer = setTimeout(() => { s.destroy(); resolve(false) }, timeoutMs)
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true) })
    s.once('error', () => { clearTimeout(timer); resolve(false) })
  })
}
