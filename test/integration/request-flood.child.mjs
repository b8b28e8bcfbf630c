// A friend-request flood from one process (issue 15 item 7): `count` fresh key pairs, each dials the
// target's request key once through this process's own hyperdht node, sends a friendRequest and hangs up when the
// daemon closes the link (or after a short wait). At most `parallel` dials are in flight; the loop
// is bounded by `count`. Uses the built psst modules (a child process cannot load TypeScript).
// Usage: node request-flood.child.mjs <dist dir> <host> <bootstrapPort> <targetHex> <nospamHex> <count> <parallel>
// Prints "sent N" every 50 requests and "done N admitted M" at the end.
import Protomux from 'protomux'
import c from 'compact-encoding'

const [dist, host, port, targetHex, nospamHex, countText, parallelText] = process.argv.slice(2)
const { DhtNode, dhtKeyPair } = await import(`${dist}/src/net/dht-node.js`)
const { requestKeySeed } = await import(`${dist}/src/crypto/meet.js`)
const { encodeFrame } = await import(`${dist}/src/wire/frames.js`)
const { PROTOCOL, PROTOCOL_VERSION } = await import(`${dist}/src/wire/limits.js`)
const { generateKeyPair } = await import(`${dist}/src/crypto/identity.js`)
const { cryptoReady } = await import(`${dist}/src/crypto/sodium.js`)

await cryptoReady()
const node = await DhtNode.create({ bootstrap: [{ host, port: Number(port) }], host })
const nospam = Buffer.from(nospamHex, 'hex')
// Requests are taken on the key derived from the full ID, never the identity key (docs/design.md, Presence privacy).
const target = dhtKeyPair(requestKeySeed(Buffer.from(targetHex, 'hex'), nospam)).publicKey
const count = Number(countText)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

let next = 0
let sent = 0
let admitted = 0

async function one (i) {
  const stream = node.connect(target, generateKeyPair())
  const opened = await Promise.race([
    new Promise((resolve) => { stream.once('open', () => resolve(true)); stream.once('close', () => resolve(false)) }),
    sleep(4000).then(() => false)
  ])
  if (opened) {
    admitted++
    const channel = Protomux.from(stream).createChannel({ protocol: PROTOCOL, handshake: c.uint })
    const msg = channel.addMessage({ encoding: c.raw })
    channel.open(PROTOCOL_VERSION)
    msg.send(encodeFrame({ type: 'friendRequest', nospam, message: `flood ${i}`, name: `flood-${i}` }))
    await Promise.race([new Promise((resolve) => stream.once('close', resolve)), sleep(3000)])
  }
  stream.destroy()
  if (++sent % 50 === 0) process.stdout.write(`sent ${sent}\n`)
}

async function worker () {
  while (next < count) await one(next++)
}

await Promise.all(Array.from({ length: Number(parallelText) }, () => worker()))
process.stdout.write(`done ${sent} admitted ${admitted}\n`)
await node.destroy()
process.exit(0)
