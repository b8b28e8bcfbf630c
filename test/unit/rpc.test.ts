import { describe, it, expect, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveRpc, type RpcServer } from '../../src/rpc/server.js'
import { RpcClient, trySocket } from '../../src/rpc/client.js'
import { PsstError } from '../../src/errors.js'

/** The one socket RPC under the daemon's and the relay's control sockets. */
const dirs: string[] = []
const servers: RpcServer[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function socketPath (): string {
  const dir = mkdtempSync(join(tmpdir(), 'psst-rpc-'))
  dirs.push(dir)
  return join(dir, 'control.sock')
}

async function echoServer (path: string, internal: Error[] = []): Promise<RpcServer> {
  const server = await serveRpc(path, (conn) => async (method, params) => {
    if (method === 'echo') return params
    if (method === 'push') { conn.push({ event: params }); return 'pushed' }
    if (method === 'crash') throw new Error('boom')
    if (method === 'hang') return await new Promise(() => {})
    throw PsstError.usage(`no method ${method}`)
  }, { inUse: 'a test server', onInternalError: (e) => internal.push(e) })
  servers.push(server)
  return server
}

async function client (path: string): Promise<RpcClient> {
  const s = await trySocket(path)
  if (s === null) throw new Error('no server')
  return new RpcClient(s, () => new PsstError('NO_DAEMON', 'closed'))
}

/** Writes raw lines and collects the parsed answers. */
async function raw (path: string, lines: string[], answers: number): Promise<unknown[]> {
  return await new Promise((resolve) => {
    const s = connect(path)
    const got: unknown[] = []
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString()
      const parts = buf.split('\n')
      buf = parts.pop() ?? ''
      for (const p of parts) got.push(JSON.parse(p))
      if (got.length >= answers) { s.destroy(); resolve(got) }
    })
    s.on('connect', () => { for (const l of lines) s.write(l + '\n') })
  })
}

describe('socket rpc', () => {
  it('answers calls in the JSON shapes of the control socket, with mode 0600', async () => {
    const path = socketPath()
    await echoServer(path)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const c = await client(path)
    expect(await c.call('echo', { a: 1 })).toEqual({ a: 1 })
    await expect(c.call('nope')).rejects.toMatchObject({ code: 'USAGE', message: 'no method nope' })
    const events: unknown[] = []
    c.onEvent = (e) => events.push(e)
    expect(await c.call('push', { type: 'x' })).toBe('pushed')
    expect(events).toEqual([{ type: 'x' }])
    await c.close()
  })

  it('turns bad requests into usage errors and a handler bug into INTERNAL, and keeps serving', async () => {
    const path = socketPath()
    const internal: Error[] = []
    await echoServer(path, internal)
    const answers = await raw(path, ['not json', '42', '{"id":7}', '{"id":8,"method":"crash"}', '{"id":9,"method":"echo","params":"ok"}'], 5)
    expect(answers).toEqual([
      { id: null, error: { code: 'USAGE', message: 'request is not valid JSON' } },
      { id: null, error: { code: 'USAGE', message: 'a request is a JSON object' } },
      { id: 7, error: { code: 'USAGE', message: 'request needs a method' } },
      { id: 8, error: { code: 'INTERNAL', message: 'boom' } },
      { id: 9, result: 'ok' }
    ])
    expect(internal.map((e) => e.message)).toEqual(['boom'])
  })

  it('replaces a stale socket file, refuses a live one, and fails pending calls when the server closes', async () => {
    const path = socketPath()
    writeFileSync(path, '')
    const server = await echoServer(path)
    await expect(echoServer(path)).rejects.toMatchObject({ code: 'PROFILE_IN_USE' })
    const c = await client(path)
    let closed = false
    c.onClose(() => { closed = true })
    const pending = c.call('hang', null).catch((e: PsstError) => e)
    expect(await c.call('echo', 1)).toBe(1) // the hang request has reached the server
    server.close()
    expect(await pending).toMatchObject({ code: 'NO_DAEMON', message: 'closed' })
    expect(closed).toBe(true)
  })
})
