/**
 * The relay's control socket, `<home>/control.sock` (0600): the same newline-delimited JSON as the
 * daemon's (DESIGN.md §6), with three methods: `status`, `invite` and `stop`. `relayStatus(home)` is its client.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import { chmodSync, existsSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { LineReader, writeJson } from '../daemon/ndjson.js'
import { socketAnswers } from '../daemon/control-server.js'
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

export async function serveRelayControl (path: string, control: RelayControl): Promise<Server> {
  if (existsSync(path)) {
    if (await socketAnswers(path)) throw new PsstError('PROFILE_IN_USE', `something already answers on ${path}`)
    unlinkSync(path)
  }
  const server = createServer((socket) => serveClient(socket, control))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => { server.off('error', reject); resolve() })
  })
  chmodSync(path, 0o600)
  return server
}

function serveClient (socket: Socket, control: RelayControl): void {
  socket.on('error', () => {})
  const reader = new LineReader((line) => answer(line), () => socket.destroy())
  socket.on('data', (chunk) => reader.push(chunk))

  function answer (line: string): void {
    let id: unknown = null
    try {
      const req = JSON.parse(line) as { id?: unknown, method?: unknown, params?: { validMs?: unknown } }
      id = req.id ?? null
      if (req.method === 'status') return void writeJson(socket, { id, result: control.status() })
      if (req.method === 'invite') {
        const ms = req.params?.validMs
        control.invite(typeof ms === 'number' && Number.isSafeInteger(ms) && ms > 0 ? ms : undefined).then(
          (result) => writeJson(socket, { id, result }),
          (err: Error) => writeJson(socket, { id, error: { code: 'INTERNAL', message: `the relay could not store the invite: ${err.message}` } }))
        return
      }
      if (req.method === 'stop') {
        writeJson(socket, { id, result: { stopping: true } })
        setImmediate(() => control.stop())
        return
      }
      writeJson(socket, { id, error: { code: 'USAGE', message: `the relay has no method "${String(req.method)}" (status, invite, stop)` } })
    } catch {
      writeJson(socket, { id, error: { code: 'USAGE', message: 'request is not valid JSON' } })
    }
  }
}

/** Asks the relay running in `home`; NO_DAEMON when none answers. */
export async function callRelay<T> (home: string, method: 'status' | 'stop' | 'invite', timeoutMs = 5000, params: Record<string, unknown> = {}): Promise<T> {
  const path = relaySocketPath(home)
  return await new Promise<T>((resolve, reject) => {
    const s = netConnect(path)
    const fail = (err: PsstError): void => { clearTimeout(timer); s.destroy(); reject(err) }
    const timer = setTimeout(() => fail(new PsstError('TIMEOUT', `the relay in ${home} did not answer`)), timeoutMs)
    s.once('error', () => fail(new PsstError('NO_DAEMON', `no relay runs for ${home}; start it with: psst --home ${home} relay`)))
    const reader = new LineReader((line) => {
      let msg: { result?: T, error?: unknown }
      try { msg = JSON.parse(line) } catch { return fail(PsstError.internal('the relay sent a bad answer')) }
      clearTimeout(timer)
      s.destroy()
      if (msg.error !== undefined) reject(PsstError.fromJSON(msg.error))
      else resolve(msg.result as T)
    }, () => fail(PsstError.internal('the relay sent a bad answer')))
    s.on('data', (chunk) => reader.push(chunk))
    s.once('connect', () => { writeJson(s, { id: 1, method, params }) })
  })
}
