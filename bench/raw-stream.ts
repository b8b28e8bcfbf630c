/**
 * The file-transfer baseline: a raw hyperdht Noise stream between two processes moving N bytes in
 * 256 KiB writes with back-pressure, no psst code. Driven over IPC by bench/lib/files.ts.
 * Bound to the bench's loopback address like bench/raw-peer.ts.
 */
import HyperDHT from 'hyperdht'
import NoiseSecretStream from '@hyperswarm/secret-stream'
import { createServer, connect, type Server } from 'node:net'

let dht: HyperDHT | null = null
let tcp: Server | null = null
const CHUNK = 256 * 1024

type Req = { id: number, cmd: string, args: any }
const reply = (id: number, result: unknown): void => { process.send?.({ id, result }) }
const fail = (id: number, err: Error): void => { process.send?.({ id, error: err.message }) }

async function listen (args: { bootstrap: Array<{ host: string, port: number }>, host: string, bytes: number }): Promise<{ publicKey: string }> {
  if (!/^127\./.test(args.host)) throw new Error('loopback only')
  dht = new HyperDHT({ bootstrap: args.bootstrap, host: args.host, ephemeral: true })
  const keyPair = HyperDHT.keyPair()
  const server = dht.createServer({ shareLocalAddress: false, firewall: () => false }, (stream: any) => {
    let got = 0
    stream.on('error', () => {})
    stream.on('data', (d: Buffer) => {
      got += d.byteLength
      if (got >= args.bytes) stream.write(Buffer.from('done'))
    })
  })
  await server.listen(keyPair)
  return { publicKey: keyPair.publicKey.toString('hex') }
}

/**
 * The same over TCP on loopback: a Noise secret stream (as hyperdht's) on a plain socket, for the
 * issue's "TCP path where the peers reach each other directly" (measured, not used by psst yet).
 */
async function listenTcp (args: { host: string, bytes: number }): Promise<{ port: number }> {
  if (!/^127\./.test(args.host)) throw new Error('loopback only')
  tcp = createServer((socket) => {
    const stream: any = new NoiseSecretStream(false, socket)
    let got = 0
    stream.on('error', () => {})
    stream.on('data', (d: Buffer) => {
      got += d.byteLength
      if (got >= args.bytes) stream.write(Buffer.from('done'))
    })
  })
  await new Promise<void>((resolve) => tcp!.listen(0, args.host, resolve))
  return { port: (tcp.address() as { port: number }).port }
}

async function sendTcp (args: { host: string, port: number, bytes: number }): Promise<number> {
  const stream: any = new NoiseSecretStream(true, connect(args.port, args.host))
  stream.on('error', () => {})
  await new Promise((resolve, reject) => { stream.once('open', resolve); stream.once('close', () => reject(new Error('closed before open'))) })
  return await pump(stream, args.bytes)
}

async function pump (stream: any, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(CHUNK, 7)
  const t0 = performance.now()
  const done = new Promise<void>((resolve) => stream.once('data', () => resolve()))
  for (let sent = 0; sent < bytes; sent += CHUNK) {
    if (!stream.write(chunk.subarray(0, Math.min(CHUNK, bytes - sent)))) await new Promise((resolve) => stream.once('drain', resolve))
  }
  await done
  const ms = performance.now() - t0
  stream.destroy()
  return ms
}

async function send (args: { bootstrap: Array<{ host: string, port: number }>, host: string, publicKey: string, bytes: number }): Promise<number> {
  dht ??= new HyperDHT({ bootstrap: args.bootstrap, host: args.host, ephemeral: true })
  const stream: any = dht.connect(Buffer.from(args.publicKey, 'hex'), { keyPair: HyperDHT.keyPair(), localConnection: false })
  stream.on('error', () => {})
  await new Promise((resolve, reject) => { stream.once('open', resolve); stream.once('close', () => reject(new Error('closed before open'))) })
  return await pump(stream, args.bytes)
}

process.on('message', (req: Req) => {
  if (req.cmd === 'exit') { tcp?.close(); void (dht?.destroy() ?? Promise.resolve()).finally(() => process.exit(0)); return }
  const cmds: Record<string, (args: any) => Promise<unknown>> = { listen, send, 'listen-tcp': listenTcp, 'send-tcp': sendTcp }
  const run = cmds[req.cmd]?.(req.args) ?? Promise.reject(new Error(`unknown ${req.cmd}`))
  run.then((r) => reply(req.id, r), (err: Error) => fail(req.id, err))
})
