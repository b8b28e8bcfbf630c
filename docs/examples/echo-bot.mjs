#!/usr/bin/env node
// A psst bot in 40 lines: answers every message with "echo: <text>".
// Usage: node docs/examples/echo-bot.mjs [home]   (the profile's daemon must run: psst daemon --detach)
// Protocol: docs/control-protocol.md. Needs nothing but Node.
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { homedir } from 'node:os'

const home = process.argv[2] ?? process.env.PSST_HOME ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'psst')
const socket = createConnection(join(home, 'control.sock'))
let nextId = 1
const pending = new Map()

/** One request; resolves with its result, rejects with its error ({code, message}). */
function call (method, params = {}) {
  const id = nextId++
  socket.write(JSON.stringify({ id, method, params }) + '\n')
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
}

let buffered = ''
socket.setEncoding('utf8')
socket.on('data', (chunk) => {
  buffered += chunk
  for (let nl; (nl = buffered.indexOf('\n')) >= 0;) {
    const line = JSON.parse(buffered.slice(0, nl))
    buffered = buffered.slice(nl + 1)
    if (line.event !== undefined) { onEvent(line.event); continue }
    const p = pending.get(line.id)
    pending.delete(line.id)
    if (line.error !== undefined) p?.reject(Object.assign(new Error(line.error.message), line.error))
    else p?.resolve(line.result)
  }
})
socket.on('close', () => process.exit(0))

function onEvent (e) {
  if (e.type !== 'message' || e.from === 'me') return // my own messages come as events too
  call('send', { friend: e.friend, text: `echo: ${e.text}` }).catch((err) => console.error(`send failed: ${err.code} ${err.message}`))
}

const me = await call('id')
await call('subscribe', { types: ['message'] })
console.log(`echo bot running as ${me.name} (${me.publicKey.slice(0, 8)})`)
