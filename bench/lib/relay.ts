/**
 * The relay's figures (issue 7): a real `psst relay` child process, its own private DHT on a
 * loopback address next to the bench's, and two hyperdht nodes in this process as the stream
 * ends. 1. MB/s of one transfer sent one way through the blind relay vs the same transfer over a
 * direct stream, alternating in the same run (relaying forced as in the fallback test:
 * holepunching off on both ends). 2. The relay's VmRSS idle, then holding many sealed messages
 * for many registered owners (deposited over the mailbox protocol), then after a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../../src/crypto/identity.js'
import { depositCapabilitySeed } from '../../src/crypto/seal.js'
import { DhtNode } from '../../src/net/dht-node.js'
import type { PeerStream } from '../../src/net/peer-stream.js'
import { MailboxClient } from '../../src/mailbox/client.js'
import { sealEnvelope } from '../../src/mailbox/envelope.js'
import { relayStatus, type RelayStatus } from '../../src/relay/index.js'
import { BIN, memory, psstEnv, sleep, tempDir, track, waitFor, type Memory } from './proc.js'
import { NONE, summarize } from './stats.js'
import { fmt, type Metric } from './report.js'

export interface RelayPlan {
  /** Bytes per transfer. */
  bytes: number
  chunk: number
  /** Transfers of each kind (direct, relayed) not counted, then counted; they alternate. */
  warmup: number
  runs: number
  /** Registered owners, and sealed messages deposited for each. */
  owners: number
  perOwner: number
  bodyBytes: number
  settleMs: number
  /** RSS samples, 500 ms apart, after settling. */
  samples: number
}

export interface RelayResults {
  host: string
  bytes: number
  /** MB/s (10^6 bytes) per counted transfer. */
  direct: number[]
  relayed: number[]
  /** What the relay counted as relayed during one counted relayed transfer (bytes, both directions). */
  carried: number
  /** Relayed attempts that hyperdht opened directly instead (retried, not counted). */
  bypassed: number
  idle: Memory | null
  held: Memory[]
  afterRestart: Memory | null
  owners: number
  messages: number
  /** Sealed bytes the relay holds. */
  heldBytes: number
  /** Time to register the owners and deposit their messages. */
  fillMs: number
  /** Figures that could not be measured, each with why (the run says so and exits 1). */
  missing: MissingFigure[]
}

export interface MissingFigure { figure: string, reason: string }

/** The relay's default port; it also binds port + 1 and + 2 for its helper DHT nodes. */
const RELAY_PORT = 49737
/** Addresses tried after the bench's own (the next ones up, 202–254 wrapping). */
const HOST_TRIES = 4

/** The raw HyperDHT behind a DhtNode (its escape hatch), for options DhtNode does not expose. */
interface RawDht {
  createServer (opts: Record<string, unknown>, onconnection: (s: PeerStream) => void): { listen (kp: KeyPair): Promise<unknown>, close (): Promise<void> }
  connect (pk: Buffer, opts: Record<string, unknown>): PeerStream
}

/** A `psst relay` child process in a bench temp home. */
class RelayChild {
  child: ChildProcess | null = null
  log = ''
  publicKey = ''

  constructor (readonly home: string, readonly host: string) {}

  get pid (): number { return this.child?.pid ?? 0 }

  async start (): Promise<void> {
    this.log = ''
    const child = track(spawn(process.execPath, [BIN, '--home', this.home, 'relay', '--host', this.host, '--port', String(RELAY_PORT), '--owners', 'open'],
      { env: psstEnv(), stdio: ['ignore', 'ignore', 'pipe'] }))
    this.child = child
    child.stderr!.on('data', (d) => { this.log += d })
    try {
      await waitFor(() => {
        if (child.exitCode !== null) throw new Error(`psst relay exited ${child.exitCode}: ${this.log.trim()}`)
        return /control socket/.test(this.log)
      }, 'psst relay', 20_000)
    } catch (err) {
      await this.stop('SIGKILL')
      throw err
    }
    this.publicKey = /relay ([0-9a-f]{64})/.exec(this.log)![1]
  }

  /** What `psst relay status --json` prints, asked on the relay's control socket from this process. */
  async status (): Promise<RelayStatus> {
    return await relayStatus(this.home)
  }

  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child
    this.child = null
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    let timer: NodeJS.Timeout | undefined
    const gone = new Promise((resolve) => { child.once('exit', resolve); timer = setTimeout(resolve, 10_000) })
    child.kill(signal)
    await gone
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

/** The next loopback address after `host` within 127.0.0.202–254. */
function nextHost (host: string, step: number): string {
  const n = Number(host.split('.')[3])
  const i = (n - 202 + step) % 53
  return `127.0.0.${202 + (i < 0 ? i + 53 : i)}`
}

/** Starts the relay on the first address after the bench's own whose ports are free. */
async function startRelay (benchHost: string): Promise<RelayChild> {
  const home = tempDir('relay')
  let last: unknown = null
  for (let step = 1; step <= HOST_TRIES; step++) {
    const relay = new RelayChild(home, nextHost(benchHost, step))
    try {
      await relay.start()
      return relay
    } catch (err) { last = err }
  }
  throw new Error(`psst relay did not start on ${HOST_TRIES} addresses after ${benchHost}: ${(last as Error).message}`)
}

/**
 * Makes a node look firewalled to hyperdht for good: it never reports a public address, so a
 * peer never gets a direct path to it (hyperdht connects straight to a node it sees as OPEN,
 * relayThrough or not, and on loopback every node is OPEN once it has checked). Two such nodes
 * with holepunching off can only meet through the relay: "relayed" is so by construction, not
 * by luck (issue 15, item 10).
 */
function neverReachable (node: DhtNode): void {
  const raw = node.dht as unknown as { firewalled: boolean, io: { firewalled: boolean }, _updateNetworkState: () => Promise<boolean> }
  raw._updateNetworkState = async () => false
  raw.firewalled = raw.io.firewalled = true
}

/** One transfer of plan.bytes, A → B, timed from the stream's open to the last byte received. */
async function transfer (a: DhtNode, b: DhtNode, relayKey: Buffer | null, plan: RelayPlan, chunk: Buffer): Promise<number> {
  const kp = generateKeyPair()
  let done: (t: number) => void = () => {}
  const received = new Promise<number>((resolve) => { done = resolve })
  const serverOpts = relayKey !== null ? { relayThrough: relayKey, holepunch: false, shareLocalAddress: false } : { shareLocalAddress: false }
  const server = (b.dht as RawDht).createServer(serverOpts, (s) => {
    let got = 0
    s.on('error', () => {})
    s.on('data', (d: Buffer) => { got += d.byteLength; if (got >= plan.bytes) done(performance.now()) })
  })
  await server.listen(kp)
  const clientOpts = relayKey !== null
    ? { keyPair: generateKeyPair(), relayThrough: relayKey, holepunch: () => false, fastOpen: false, localConnection: false }
    : { keyPair: generateKeyPair(), localConnection: false }
  const client = (a.dht as RawDht).connect(kp.publicKey, clientOpts)
  client.on('error', () => {})
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve)
      client.once('close', () => reject(new Error('the stream closed before it opened')))
    })
    const t0 = performance.now()
    for (let sent = 0; sent < plan.bytes; sent += chunk.byteLength) {
      if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve))
    }
    let timer: NodeJS.Timeout | undefined
    const t1 = await Promise.race([received, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error('transfer timed out')), 120_000) })])
      .finally(() => clearTimeout(timer))
    return plan.bytes / 1e6 / ((t1 - t0) / 1000)
  } finally {
    client.destroy()
    await server.close()
  }
}

/** Tries per relayed sample before the phase gives up; the pause before a retry grows by a second each time. */
const RELAYED_ATTEMPTS = 6

async function throughputs (relay: RelayChild, nodes: { a: DhtNode, b: DhtNode, ra: DhtNode, rb: DhtNode }, plan: RelayPlan): Promise<{ direct: number[], relayed: number[], carried: number, bypassed: number }> {
  const relayKey = Buffer.from(relay.publicKey, 'hex')
  const chunk = randomBytes(plan.chunk)
  const out = { direct: [] as number[], relayed: [] as number[], carried: 0, bypassed: 0 }
  for (let i = 0; i < plan.warmup + plan.runs; i++) {
    for (const mode of ['direct', 'relayed'] as const) {
      let mbs = 0
      let carried = 0
      // The relayed ends cannot reach each other (neverReachable); should a transfer still not
      // go through the relay, it is retried, counted in the note, and never taken as a figure.
      for (let attempt = 1; ; attempt++) {
        const before = (await relay.status()).relayedBytes
        mbs = mode === 'relayed' ? await transfer(nodes.ra, nodes.rb, relayKey, plan, chunk) : await transfer(nodes.a, nodes.b, null, plan, chunk)
        carried = (await relay.status()).relayedBytes - before
        if (mode === 'direct' || carried >= plan.bytes) break
        out.bypassed++
        if (attempt === RELAYED_ATTEMPTS) throw new Error(`relayed transfer: the relay carried only ${carried} of ${plan.bytes} bytes, ${attempt} times`)
        // Bypasses came in runs (three in a row in one of three bench runs): give the DHT time.
        await sleep(1000 * attempt)
      }
      if (mode === 'direct' && carried > 1024 * 1024) throw new Error(`direct transfer: the relay carried ${carried} bytes`)
      if (i < plan.warmup) continue
      out[mode].push(mbs)
      if (mode === 'relayed') out.carried = carried
    }
  }
  return out
}

/** Registers plan.owners owners and deposits plan.perOwner sealed messages for each (one capability per owner keeps each under the per-key rate limit). */
async function fill (relay: RelayChild, a: DhtNode, plan: RelayPlan): Promise<void> {
  const relayKey = Buffer.from(relay.publicKey, 'hex')
  const sender = generateKeyPair()
  let ok = 0
  for (let o = 0; o < plan.owners; o++) {
    const owner = generateKeyPair()
    // Only a capability the owner registered may deposit (docs/relay.md): the sender's, for this owner.
    const cap = keyPairFromSeed(depositCapabilitySeed(sender.secretKey, owner.publicKey, owner.publicKey, relayKey))
    const oc = new MailboxClient(a.connect(relayKey, owner))
    try {
      const r = await oc.register()
      if (r.code !== 'ok') throw new Error(`register: ${r.code}`)
      const c = await oc.caps([cap.publicKey])
      if (c.code !== 'ok') throw new Error(`caps: ${c.code}`)
    } finally { oc.close() }
    const dc = new MailboxClient(a.connect(relayKey, cap))
    try {
      const answers = await Promise.all(Array.from({ length: plan.perOwner }, async (_, i) => await dc.deposit(owner.publicKey,
        sealEnvelope(sender, owner.publicKey, Buffer.alloc(16), { id: randomBytes(16), seq: i + 1, sentAt: Date.now(), kind: 'text', body: `message ${i} `.padEnd(plan.bodyBytes, '.') }))))
      const refused = answers.filter((x) => x.code !== 'ok')
      if (refused.length > 0) throw new Error(`deposit refused ${refused.length} times (${refused[0].code})`)
      ok += answers.length
    } finally { dc.close() }
  }
  const s = await relay.status()
  if (s.owners !== plan.owners || s.held !== ok) throw new Error(`the relay reports ${s.owners} owners and ${s.held} held, expected ${plan.owners} and ${ok}`)
}

async function rssSamples (pid: number, plan: RelayPlan): Promise<Memory[]> {
  await sleep(plan.settleMs)
  const out: Memory[] = []
  for (let i = 0; i < plan.samples; i++) {
    if (i > 0) await sleep(500)
    const m = await memory(pid)
    if (m === null) throw new Error(`no /proc/${pid}/status: the relay is gone`)
    out.push(m)
  }
  return out
}

export async function measureRelay (benchHost: string, plan: RelayPlan): Promise<RelayResults> {
  await cryptoReady()
  const relay = await startRelay(benchHost)
  let a: DhtNode | null = null
  let b: DhtNode | null = null
  let ra: DhtNode | null = null
  let rb: DhtNode | null = null
  const missing: MissingFigure[] = []
  try {
    const idle = (await rssSamples(relay.pid, { ...plan, samples: 1 }))[0]
    const bootstrap = [{ host: relay.host, port: RELAY_PORT }]
    a = await DhtNode.create({ bootstrap, host: relay.host })
    b = await DhtNode.create({ bootstrap, host: relay.host })
    ra = await DhtNode.create({ bootstrap, host: relay.host })
    rb = await DhtNode.create({ bootstrap, host: relay.host })
    neverReachable(ra)
    neverReachable(rb)
    // A figure that cannot be measured is reported by name with its reason; the others still are.
    let speeds = { direct: [] as number[], relayed: [] as number[], carried: 0, bypassed: 0 }
    try {
      speeds = await throughputs(relay, { a, b, ra, rb }, plan)
    } catch (err) {
      missing.push({ figure: 'relay_mb_per_s', reason: (err as Error).message })
    }
    const { direct, relayed, carried, bypassed } = speeds
    await Promise.all([ra.destroy(), rb.destroy()])
    ra = rb = null
    let fillMs = 0
    let held: Memory[] = []
    let afterRestart: Memory | null = null
    let s: RelayStatus = await relay.status()
    try {
      const t0 = performance.now()
      await fill(relay, a, plan)
      fillMs = performance.now() - t0
      await Promise.all([a.destroy(), b.destroy()])
      a = b = null
      held = await rssSamples(relay.pid, plan)
      s = await relay.status()
      await relay.stop()
      await relay.start()
      afterRestart = (await rssSamples(relay.pid, { ...plan, samples: 1 }))[0]
    } catch (err) {
      missing.push({ figure: 'relay_rss_mb', reason: (err as Error).message })
    }
    return { host: relay.host, bytes: plan.bytes, direct, relayed, carried, bypassed, idle, held, afterRestart, owners: s.owners, messages: s.held, heldBytes: s.bytes, fillMs, missing }
  } finally {
    await Promise.all([a?.destroy(), b?.destroy(), ra?.destroy(), rb?.destroy()])
    await relay.stop()
  }
}

const MiB = 1024 * 1024

/** The bench rows: relayed MB/s against direct in the same run, and the relay's RSS holding mail. */
export function relayMetrics (plan: RelayPlan, r: RelayResults | null): Metric[] {
  const mb = (m: Memory | null | undefined): string => fmt(m?.rss)
  const last = r?.held.at(-1)
  return [
    { name: 'relay_mb_per_s', unit: 'MB/s', psst: r === null || r.relayed.length === 0 ? NONE : summarize(r.relayed), baseline: r === null ? null : summarize(r.direct), bare: null, target: null,
      note: `${plan.bytes / MiB} MiB one way over a raw hyperdht stream through \`psst relay\`'s blind relay (a child process on ${r?.host ?? '—'}; holepunching off on both ends, as PSST_FORCE_RELAY does, and both ends kept from ever offering a direct path, so the transfer can only go through the relay), timed from 'open' to the last byte received; baseline: the same transfer over a direct stream, alternating with the relayed ones in this run (${plan.warmup} warm-up each). Both ends are hyperdht nodes in the bench process. The relay counted ${fmt(r === null ? null : r.carried / 1e6)} MB relayed per transfer; relayed attempts that went direct and were retried: ${r?.bypassed ?? '—'}.` },
    { name: 'relay_rss_mb', unit: 'MB', psst: r === null || r.held.length === 0 ? NONE : summarize(r.held.map((m) => m.rss), 'samples'), baseline: null, bare: null, target: null,
      note: `VmRSS of the \`psst relay\` process holding ${r?.messages ?? plan.owners * plan.perOwner} sealed messages (${fmt(r === null ? null : r.heldBytes / 1e6)} MB) for ${r?.owners ?? plan.owners} registered owners, deposited over the mailbox protocol (${fmt(r === null ? null : r.fillMs / 1000)} s), ${plan.settleMs / 1000} s after the last; of the last sample ${fmt(last?.anon)} MB anonymous, ${fmt(last?.file)} MB file-backed. The same relay idle before any traffic ${mb(r?.idle)} MB; restarted with that mail held ${mb(r?.afterRestart)} MB.` }
  ]
}
