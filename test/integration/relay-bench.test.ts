/**
 * Relay measurements (issue 7 acceptance), run on demand:
 *
 *   PSST_RELAY_BENCH=1 npx vitest run test/integration/relay-bench.test.ts
 *
 * 1. MB/s of 64 MiB sent one way over a raw hyperdht stream, direct and through the blind relay,
 *    in the same run (relaying forced as in the fallback test: holepunching off on both ends).
 * 2. The relay process's RSS idle, then with 100 registered owners and 10 000 held messages.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { readFileSync } from 'node:fs'
import { testHost } from '../helpers/psst.js'
import { RelayProcess } from '../helpers/relay.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, randomBytes, type KeyPair } from '../../src/crypto/identity.js'
import { DhtNode } from '../../src/dht/node.js'
import type { PeerStream } from '../../src/dht/stream.js'
import { MailboxClient } from '../../src/core/mailbox-client.js'
import { sealEnvelope } from '../../src/core/mailbox-envelope.js'

const HOST = testHost(63)
const BYTES = 64 * 1024 * 1024
const CHUNK = 64 * 1024
const run = process.env.PSST_RELAY_BENCH === '1'

/** The raw HyperDHT behind a DhtNode (its escape hatch), for options DhtNode does not expose. */
interface RawDht {
  createServer (opts: Record<string, unknown>, onconnection: (s: PeerStream) => void): { listen (kp: KeyPair): Promise<unknown>, close (): Promise<void> }
  connect (pk: Buffer, opts: Record<string, unknown>): PeerStream
}

function rssKiB (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? -1 : Number(m[1])
}

async function transfer (client: PeerStream, received: Promise<number>): Promise<number> {
  await new Promise<void>((resolve, reject) => { client.once('open', resolve); client.once('close', () => reject(new Error('closed before open'))) })
  const chunk = randomBytes(CHUNK)
  const t0 = process.hrtime.bigint()
  for (let sent = 0; sent < BYTES; sent += CHUNK) {
    if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve))
  }
  const t1 = await received
  return BYTES / 1e6 / (Number(t1 - Number(t0)) / 1e9)
}

describe.skipIf(!run)('relay bench', () => {
  let relay: RelayProcess
  let a: DhtNode
  let b: DhtNode
  const results: Record<string, unknown> = {}

  beforeAll(async () => {
    await cryptoReady()
    relay = await new RelayProcess({ host: HOST }).start()
    const bootstrap = [{ host: HOST, port: relay.port }]
    a = await DhtNode.create({ bootstrap, host: HOST })
    b = await DhtNode.create({ bootstrap, host: HOST })
  })

  afterAll(async () => {
    console.log('RELAY BENCH', JSON.stringify(results, null, 2))
    await a?.destroy()
    await b?.destroy()
    await relay?.teardown()
  })

  it('64 MiB one way: direct vs through the blind relay', async () => {
    const relayKey = Buffer.from(relay.publicKey, 'hex')
    const rawA = a.dht as RawDht
    const rawB = b.dht as RawDht
    for (const mode of ['direct', 'relayed', 'direct', 'relayed'] as const) {
      const kp = generateKeyPair()
      let done: (t: number) => void = () => {}
      const received = new Promise<number>((resolve) => { done = (t) => resolve(t) })
      const serverOpts = mode === 'relayed' ? { relayThrough: relayKey, holepunch: false, shareLocalAddress: false } : { shareLocalAddress: false }
      const server = rawB.createServer(serverOpts, (s) => {
        let got = 0
        s.on('error', () => {})
        s.on('data', (d: Buffer) => { got += d.byteLength; if (got >= BYTES) done(Number(process.hrtime.bigint())) })
      })
      await server.listen(kp)
      const clientOpts = mode === 'relayed'
        ? { keyPair: generateKeyPair(), relayThrough: relayKey, holepunch: () => false, fastOpen: false, localConnection: false }
        : { keyPair: generateKeyPair(), localConnection: false }
      const before = (await relay.status()).relayedBytes
      const client = rawA.connect(kp.publicKey, clientOpts)
      client.on('error', () => {})
      const mbs = await transfer(client, received)
      const carried = (await relay.status()).relayedBytes - before
      const key = `${mode} MB/s`
      results[key] = [...(results[key] as number[] | undefined ?? []), Math.round(mbs * 10) / 10]
      if (mode === 'relayed') expect(carried).toBeGreaterThan(BYTES)
      else expect(carried).toBeLessThan(1024 * 1024)
      client.destroy()
      await server.close()
    }
  }, 120_000)

  it('relay RSS with 100 owners and 10 000 held messages', async () => {
    const pid = relay.child!.pid!
    results['relay RSS idle (MiB)'] = Math.round(rssKiB(pid) / 1024)
    const relayKey = Buffer.from(relay.publicKey, 'hex')
    const sender = generateKeyPair()
    let total = 0
    for (let o = 0; o < 100; o++) {
      const owner = generateKeyPair()
      const oc = new MailboxClient(a.connect(relayKey, owner))
      expect((await oc.register()).code).toBe('ok')
      oc.close()
      // One depositor key per owner keeps each under the default 600/min.
      const dc = new MailboxClient(a.connect(relayKey, generateKeyPair()))
      const answers = await Promise.all(Array.from({ length: 100 }, async (_, i) => await dc.deposit(owner.publicKey,
        sealEnvelope(sender, owner.publicKey, { id: randomBytes(16), seq: i + 1, sentAt: Date.now(), kind: 'text', body: `message ${i} `.padEnd(200, '.') }))))
      total += answers.filter((x) => x.code === 'ok').length
      dc.close()
    }
    expect(total).toBe(10_000)
    const s = await relay.status()
    expect([s.owners, s.held]).toEqual([100, 10_000])
    await new Promise((resolve) => setTimeout(resolve, 2000))
    results['relay RSS, 100 owners + 10 000 held (MiB)'] = Math.round(rssKiB(pid) / 1024)
    results['held bytes (MiB)'] = Math.round(s.bytes / 1024 / 1024 * 10) / 10
    await relay.stop()
    await relay.start()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    results['relay RSS after restart with 10 000 held (MiB)'] = Math.round(rssKiB(relay.child!.pid!) / 1024)
  }, 300_000)
})
