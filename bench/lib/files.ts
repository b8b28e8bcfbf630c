/**
 * `file_mb_per_s`: a file between the pair's two daemons (alice's file → bob's finished, verified
 * file: from bob's accept to his file-complete event), beside a raw hyperdht stream moving the
 * same bytes between two processes (bench/raw-stream.ts) in the same run, just before and just after
 * (the baseline is their mean: the machine's speed drifts within a minute); and chat latency (alice's
 * send call → bob's message event) idle and while the file moves.
 */
import { join } from 'node:path'
import { openSync, writeSync, closeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import type { ChildProcess } from 'node:child_process'
import type { HostPort } from '../../src/net/bootstrap.js'
import { Events, type Pair } from './pair.js'
import { forkTracked, sleep, tempDir } from './proc.js'

const RAW = join(import.meta.dirname, '..', 'raw-stream.js')
const MiB = 1024 * 1024

export interface FileResults {
  bytes: number
  /** MB/s (10^6 bytes), psst daemons and raw stream. */
  psstMBps: number
  rawMBps: number
  /** The raw stream measured just before and just after the psst transfer (the machine's speed drifts). */
  rawRunsMBps: number[]
  /** The same raw stream over TCP on loopback (a Noise secret stream on a plain socket), after the rest. */
  rawTcpMBps: number | null
  chatIdleMs: number[]
  chatDuringMs: number[]
}

function randomFile (path: string, bytes: number): void {
  const fd = openSync(path, 'w')
  try {
    for (let at = 0; at < bytes; at += 4 * MiB) writeSync(fd, randomBytes(Math.min(4 * MiB, bytes - at)))
  } finally {
    closeSync(fd)
  }
}

async function chatSample (p: Pair, ev: Events, n: number): Promise<number> {
  const text = `bench-file-chat-${n}`
  const arrived = ev.next((e) => e.type === 'message' && e.text === text, 60_000)
  const t0 = performance.now()
  await p.ca.call('send', { friend: p.b.publicKey, text })
  return (await arrived) - t0
}

export async function fileTransfer (p: Pair, net: { host: string, bootstrap: HostPort[] }, bytes: number, idleSamples: number): Promise<FileResults> {
  const dir = tempDir('files')
  const path = join(dir, 'bench.bin')
  randomFile(path, bytes)
  const ev = await Events.open(p.b, ['message', 'file-offer', 'file-complete', 'file-failed'])
  const rawMBps = async (): Promise<number> => bytes / 1e6 / ((await rawStream(net, bytes)) / 1000)
  try {
    const rawBefore = await rawMBps()
    const chatIdleMs: number[] = []
    for (let i = 0; i < idleSamples; i++) { chatIdleMs.push(await chatSample(p, ev, i)); await sleep(20) }

    let fileId = ''
    const offered = ev.next((e) => e.type === 'file-offer', 120_000)
    const sent = await p.ca.call('fileSend', { friend: p.b.publicKey, path })
    fileId = sent.fileId
    await offered
    const finished = ev.next((e) => (e.type === 'file-complete' || e.type === 'file-failed') && e.fileId === fileId, 600_000)
    let done = false
    const t0 = performance.now()
    await p.cb.call('fileAccept', { fileId, to: join(dir, 'in') })
    const chatDuringMs: number[] = []
    const chatter = (async () => {
      for (let i = 0; !done; i++) { chatDuringMs.push(await chatSample(p, ev, 100_000 + i)); await sleep(100) }
    })()
    await finished
    const ms = performance.now() - t0
    done = true
    await chatter
    const end = (await p.cb.call('fileList', {})).find((f) => f.fileId === fileId)
    if (end?.state !== 'complete') throw new Error(`the file did not arrive: ${end?.state} ${end?.reason ?? ''}`)
    const rawRunsMBps = [rawBefore, await rawMBps()]
    const rawTcpMBps = await rawTcp(net.host, bytes).then((ms) => bytes / 1e6 / (ms / 1000), () => null)
    return { bytes, psstMBps: bytes / 1e6 / (ms / 1000), rawMBps: (rawRunsMBps[0] + rawRunsMBps[1]) / 2, rawRunsMBps, rawTcpMBps, chatIdleMs, chatDuringMs }
  } finally {
    await ev.close()
  }
}

async function rawStream (net: { host: string, bootstrap: HostPort[] }, bytes: number): Promise<number> {
  const server = forkTracked(RAW)
  const client = forkTracked(RAW)
  try {
    const { publicKey } = await call<{ publicKey: string }>(server, 'listen', { bootstrap: net.bootstrap, host: net.host, bytes })
    await sleep(500)
    return await call<number>(client, 'send', { bootstrap: net.bootstrap, host: net.host, publicKey, bytes })
  } finally {
    for (const c of [server, client]) { c.send({ id: 0, cmd: 'exit' }); setTimeout(() => c.kill('SIGKILL'), 3000).unref() }
  }
}

async function rawTcp (host: string, bytes: number): Promise<number> {
  const server = forkTracked(RAW)
  const client = forkTracked(RAW)
  try {
    const { port } = await call<{ port: number }>(server, 'listen-tcp', { host, bytes })
    return await call<number>(client, 'send-tcp', { host, port, bytes })
  } finally {
    for (const c of [server, client]) { c.send({ id: 0, cmd: 'exit' }); setTimeout(() => c.kill('SIGKILL'), 3000).unref() }
  }
}

let nextId = 1
function call<T> (child: ChildProcess, cmd: string, args: unknown): Promise<T> {
  const id = nextId++
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`raw stream: ${cmd} timed out`)), 600_000)
    const onMessage = (m: { id: number, result?: T, error?: string }): void => {
      if (m.id !== id) return
      child.off('message', onMessage)
      clearTimeout(timer)
      if (m.error !== undefined) reject(new Error(m.error))
      else resolve(m.result as T)
    }
    child.on('message', onMessage)
    child.send({ id, cmd, args })
  })
}
