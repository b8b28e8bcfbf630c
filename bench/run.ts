/**
 * `npm run bench [-- --quick] [-- --profile]`: psst against raw hyperdht, measured side by side
 * in one run on a private loopback DHT (127.0.0.202–254, away from the tests' addresses), with
 * every daemon a real child process; then `psst relay` on a DHT of its own at the next address
 * up (bench/lib/relay.ts). Prints a table, writes bench/results.json and bench/results.svg. A missed target is printed, never an exit status; a phase that breaks is
 * reported and the others still run (exit 1 then, so a broken daemon is not mistaken for a figure).
 */
import { join } from 'node:path'
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, cpus } from 'node:os'
import { createLoopbackNetwork, loopbackHostFor, type LoopbackNetwork } from '../src/net/testnet.js'
import { BIN, ROOT, cleanup, installCleanup, runTimed, psst, rssMb, bareNodeMemory, type Memory } from './lib/proc.js'
import { BenchProfile } from './lib/profile.js'
import { measureRaw, type RawResults } from './lib/raw.js'
import { startPair, friendRequests, latency, throughput, coreLatency, coreThroughput, reconnects, type Pair, type ConnectSample, type LatencyResults } from './lib/pair.js'
import { fileTransfer, type FileResults } from './lib/files.js'
import { seed, idleRss, historyTimes, dhtRequestRate, type HistoryTimes, type IdleRss, type DhtRate } from './lib/seeded.js'
import { measureRelay, relayMetrics } from './lib/relay.js'
import { groupPhases, type GroupResults } from './lib/groups.js'
import { plan as makePlan, BODY_BYTES, BURST, CHUNK, RSS_FRIENDS, RSS_MESSAGES, HISTORY_MESSAGES, type Plan } from './lib/plan.js'
import { NONE, percentile, pooled, summarize, type Figure } from './lib/stats.js'
import { table, writeJson, writeSvg, misses, fmt, type Metric } from './lib/report.js'
import { summarize as summarizeProfile, render as renderProfile } from './cpuprof.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const profiling = args.includes('--profile')
/** `--only pair,raw`: just those phases (startup, raw, pair, files, seeded, groups, relay); results.json is left alone. `files` is the pair's file phase alone. */
const onlyAt = args.indexOf('--only')
const only = onlyAt < 0 ? null : new Set((args[onlyAt + 1] ?? '').split(','))
const runs = (name: string): boolean => only === null || only.has(name)
const PROFILES = join(ROOT, 'bench', 'profiles')

const errors: string[] = []
const notes: string[] = []
const t0 = Date.now()
const say = (s: string): void => { process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${s}\n`) }

async function phase<T> (name: string, fn: () => Promise<T>): Promise<T | null> {
  say(name)
  try {
    return await fn()
  } catch (err) {
    errors.push(`${name}: ${(err as Error).stack ?? err}`)
    say(`  FAILED: ${(err as Error).message}`)
    return null
  }
}

/** One percentile of a sample set, spread = the samples' min–max. */
function samples (values: number[] | null | undefined, p: number, of: string): Figure {
  if (values == null || values.length === 0) return NONE
  return { value: percentile(values, p), min: Math.min(...values), max: Math.max(...values), runs: values.length, of }
}

const p50 = (v: number[] | null | undefined): string => fmt(v == null || v.length === 0 ? null : percentile(v, 50))

function profArgs (name: string): string[] {
  if (!profiling) return []
  const dir = join(PROFILES, name)
  mkdirSync(dir, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-dir', dir]
}

async function startupTimes (p: Plan, bootstrap: string): Promise<{ psst: number[], node: number[] }> {
  const prof = new BenchProfile('startup', bootstrap)
  await prof.init()
  const idArgs = [...profArgs('startup'), BIN, '--home', prof.home, '--no-autostart', 'id', '--json']
  const time = async (argv: string[]): Promise<number[]> => {
    const out: number[] = []
    for (let i = 0; i < p.startup.warmup + p.startup.runs; i++) {
      const r = await runTimed(process.execPath, argv)
      if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr}`)
      if (i >= p.startup.warmup) out.push(r.ms)
    }
    return out
  }
  return { psst: await time(idArgs), node: await time(['-e', '0']) }
}

interface PairResults {
  request: number[] | null
  coreLatency: number[][] | null
  latency: LatencyResults | null
  coreThroughput: number[] | null
  throughput: number[] | null
  connect: ConnectSample[] | null
  rss: number | null
  files: FileResults | null
}

async function pairPhases (p: Plan, net: LoopbackNetwork): Promise<PairResults> {
  const out: PairResults = { request: null, coreLatency: null, latency: null, coreThroughput: null, throughput: null, connect: null, rss: null, files: null }
  let pair: Pair | null = null
  try {
    pair = await startPair(net.bootstrapString, [])
    if (profiling) { pair.a.execArgv = profArgs('alice'); pair.b.execArgv = profArgs('bob') }
    const pr = pair
    out.request = await phase(`psst friend requests (${p.friendRequest.runs})`, () => friendRequests(pr, p.friendRequest.warmup, p.friendRequest.runs))
    if (out.request === null) return out
    if (profiling) {
      // Restart both under --cpu-prof now that they are friends: the profiles cover latency and throughput.
      await Promise.all([pr.a.stop(), pr.b.stop()])
      await Promise.all([pr.a.start(), pr.b.start()])
      pr.ca = await pr.a.client()
      pr.cb = await pr.b.client()
      await new Promise((r) => setTimeout(r, 1500))
    }
    if (!runs('pair')) {
      out.files = await phase(`psst file transfer (${p.fileBytes / 2 ** 20} MiB) vs a raw hyperdht stream`, () => fileTransfer(pr, net, p.fileBytes, 30))
      return out
    }
    out.coreLatency = await phase(`psst core latency (${p.latency.runs} × ${p.latency.perRun} messages)`, () => coreLatency(pr, p.latency.warmup, p.latency.runs, p.latency.perRun, BODY_BYTES))
    out.latency = await phase(`psst latency via control sockets (${p.latency.runs} × ${p.latency.perRun} messages)`, () => latency(pr, p.latency.warmup, p.latency.runs, p.latency.perRun, BODY_BYTES))
    out.coreThroughput = await phase(`psst core throughput (${p.throughput.runs} × ${BURST})`, () => coreThroughput(pr, p.throughput.warmup, p.throughput.runs, BURST, CHUNK, BODY_BYTES))
    out.throughput = await phase(`psst throughput via control socket (${p.throughput.runs} × ${BURST})`, () => throughput(pr, p.throughput.warmup, p.throughput.runs, BURST, CHUNK, BODY_BYTES))
    out.rss = await rssMb(pr.b.pid)
    out.files = await phase(`psst file transfer (${p.fileBytes / 2 ** 20} MiB) vs a raw hyperdht stream`, () => fileTransfer(pr, net, p.fileBytes, 30))
    out.connect = await phase(`psst reconnections (${p.reconnect.runs})`, () => reconnects(pr, p.reconnect.warmup, p.reconnect.runs, (m) => notes.push(m)))
  } finally {
    if (pair !== null) await Promise.all([pair.a.stop(), pair.b.stop()])
  }
  return out
}

async function seededPhases (p: Plan, bootstrap: string): Promise<{ rss: IdleRss | null, dht: DhtRate | null, bare: Memory | null, h50: HistoryTimes | null, h200: HistoryTimes | null }> {
  const r = new BenchProfile('crowded', bootstrap)
  const h = new BenchProfile('longchat', bootstrap)
  h.execArgv = profArgs('history')
  await Promise.all([r.init(), h.init()])
  const [, hKeys] = await Promise.all([
    seed(r.home, Array.from({ length: RSS_FRIENDS }, () => RSS_MESSAGES / RSS_FRIENDS)),
    seed(h.home, [HISTORY_MESSAGES])
  ])
  let rss: IdleRss | null = null
  let dht: DhtRate | null = null
  const bare = await bareNodeMemory()
  try {
    const { spawnedAt } = await r.start()
    rss = await phase(`idle RSS (${RSS_FRIENDS} friends, ${RSS_MESSAGES} messages)`, () => idleRss(r, p.rss.earlyMs, p.rss.settleMs, p.rss.samples))
    dht = await phase(`DHT requests/s with ${RSS_FRIENDS} friends (${p.dhtWindowMs / 1000} s)`, () => dhtRequestRate(r, spawnedAt, p.dhtFromMs, p.dhtWindowMs))
  } finally { await r.stop() }
  let h50: HistoryTimes | null = null
  let h200: HistoryTimes | null = null
  try {
    await h.start()
    h50 = await phase(`history limit 50 of ${HISTORY_MESSAGES}`, () => historyTimes(h, hKeys[0], 50, p.history.warmup, p.history.runs))
    h200 = await phase(`history limit 200 of ${HISTORY_MESSAGES}`, () => historyTimes(h, hKeys[0], 200, p.history.warmup, p.history.runs))
  } finally { await h.stop() }
  return { rss, dht, bare, h50, h200 }
}

function metrics (p: Plan, s: { psst: number[], node: number[] } | null, level: RawResults | null, bare: RawResults | null, pr: PairResults | null, sd: Awaited<ReturnType<typeof seededPhases>> | null): Metric[] {
  const conn = pr?.connect?.map((c) => c.fromListening) ?? null
  const latOf = (r: number[][] | null | undefined, q: number): Figure => r == null ? NONE : pooled(r, q, 'runs')
  const rawLat = (r: RawResults | null, q: number): Figure | null => r === null ? null : latOf(r.latencyMs, q)
  const spawn = pr?.connect?.map((c) => c.fromSpawn) ?? []
  return [
    { name: 'connect_p50_ms', unit: 'ms', psst: samples(conn, 50, 'reconnections'), baseline: level && samples(level.connectMs, 50, 'connects'), bare: bare && samples(bare.connectMs, 50, 'connects'), target: { op: '<', value: 100 },
      note: `bob's daemon restarted (SIGTERM, start): from its "listening as" log line to both daemons' "online:" lines; from process spawn: p50 ${fmt(spawn.length > 0 ? percentile(spawn, 50) : null)} ms. Raw: dht.connect → 'open'.`, samples: conn ?? undefined },
    { name: 'connect_p99_ms', unit: 'ms', psst: samples(conn, 99, 'reconnections'), baseline: level && samples(level.connectMs, 99, 'connects'), bare: bare && samples(bare.connectMs, 99, 'connects'), target: null },
    { name: 'friend_request_p50_ms', unit: 'ms', psst: samples(pr?.request, 50, 'requests'), baseline: null, bare: null, target: { op: '<', value: 500 },
      note: '`add` call → the recipient\'s friend-request event (emitted after the request is stored).' },
    { name: 'latency_p50_ms', unit: 'ms', psst: latOf(pr?.coreLatency, 50), baseline: rawLat(level, 50), bare: rawLat(bare, 50), target: { op: '<', value: 1 },
      note: `one way, ${BODY_BYTES}-byte texts, ping-pong between the two daemons: the \`send\` handler called in alice's daemon → the \`message\` event in bob's (and back), both stamped on the machine's monotonic clock; each side persists before its step (sender: outbox + history; receiver: history before the event). Raw: half the round trip, each side persisting as psst does.` },
    { name: 'latency_p99_ms', unit: 'ms', psst: latOf(pr?.coreLatency, 99), baseline: rawLat(level, 99), bare: rawLat(bare, 99), target: { op: '<', value: 5 } },
    { name: 'client_latency_p50_ms', unit: 'ms', psst: latOf(pr?.latency?.runs, 50), baseline: rawLat(level, 50), bare: rawLat(bare, 50), target: null,
      note: `what a CLI/TUI client sees: the same ping-pong driven from the bench process over both control sockets (a client's \`send\` → its subscription's \`message\` event: two socket hops and a third process more than the core figure). Breakdown (p50): send call → sender's \`sent\` event ${p50(pr?.latency?.senderSide)} ms; the send call's own round trip ${p50(pr?.latency?.sendCall)} ms; a trivial control call (id) ${p50(pr?.latency?.controlRtt)} ms.` },
    { name: 'client_latency_p99_ms', unit: 'ms', psst: latOf(pr?.latency?.runs, 99), baseline: rawLat(level, 99), bare: rawLat(bare, 99), target: null },
    { name: 'throughput_msgs_per_s', unit: 'msgs/s', psst: pr?.coreThroughput == null ? NONE : summarize(pr.coreThroughput), baseline: level && summarize(level.throughput), bare: bare && summarize(bare.throughput), target: { op: '>=', value: 50_000 }, minRatio: 0.7,
      note: `${BURST} × ${BODY_BYTES}-byte messages: alice's daemon calls \`sendMany\` in-process in chunks of ${CHUNK}, until \`waitDelivered\` for the last seq (stored by bob, his receipt processed); no subscriber attached. Raw: the same burst driven inside the raw peer.` },
    { name: 'client_throughput_msgs_per_s', unit: 'msgs/s', psst: pr?.throughput == null ? NONE : summarize(pr.throughput), baseline: level && summarize(level.throughput), bare: bare && summarize(bare.throughput), target: null,
      note: `the same burst from a client over alice's control socket (\`sendMany\` as JSON, a third process on the 2 cores).` },
    { name: 'file_mb_per_s', unit: 'MB/s', psst: pr?.files == null ? NONE : summarize([pr.files.psstMBps]), baseline: pr?.files == null ? null : summarize([pr.files.rawMBps]), bare: null, target: null, minRatio: 0.8,
      note: `${fmt(pr?.files == null ? null : pr.files.bytes / 2 ** 20)} MiB of random bytes, alice's file → bob's finished file: bob's fileAccept call → his file-complete event (hash list fetched, every block verified, synced, the whole file re-checked and renamed), UDX between two daemons. Baseline: a raw hyperdht stream between two processes moving the same bytes in 256 KiB writes (no hashing, no disk), the mean of one run just before and one just after (${pr?.files?.rawRunsMBps.map((v) => fmt(v)).join(' and ') ?? '—'} MB/s). Offer hashing (alice's fileSend) is not counted. The same raw stream over TCP on loopback (a Noise secret stream on a plain socket; psst has no TCP path yet): ${fmt(pr?.files?.rawTcpMBps ?? null)} MB/s.` },
    { name: 'file_chat_p99_ms', unit: 'ms', psst: samples(pr?.files?.chatDuringMs, 99, 'messages'), baseline: samples(pr?.files?.chatIdleMs, 99, 'messages'), bare: null, target: null, maxRatio: 5,
      note: `chat while the file moves: a client's send on alice's socket → bob's message event, one every 100 ms during the transfer (p50 ${p50(pr?.files?.chatDuringMs)} ms); the baseline column is the same measured idle just before (p50 ${p50(pr?.files?.chatIdleMs)} ms). Target: during < 5 × idle.` },
    { name: 'idle_rss_mb', unit: 'MB', psst: sd?.rss == null ? NONE : summarize(sd.rss.late.map((m) => m.rss), 'samples'), baseline: null, bare: null, target: { op: '<', value: 80 },
      note: `VmRSS of a daemon with ${RSS_FRIENDS} friends (offline) and ${RSS_MESSAGES} stored messages, ${p.rss.settleMs / 1000} s after start; earlier, at ${p.rss.earlyMs / 1000} s while it still dials those friends, ${fmt(sd?.rss == null ? null : percentile(sd.rss.early.map((m) => m.rss), 50))} MB (garbage of the failed dials, not yet collected). Of the last sample ${fmt(sd?.rss?.late.at(-1)?.anon)} MB anonymous (heaps, wasm) and ${fmt(sd?.rss?.late.at(-1)?.file)} MB file-backed (mostly the node binary). For scale, in this run: an idle bare \`node\` ${fmt(sd?.bare?.rss)} MB (${fmt(sd?.bare?.file)} file-backed); a raw hyperdht peer listening, before traffic, ${fmt(bare?.idleRssMb)} MB (with LevelDB open ${fmt(level?.idleRssMb)} MB); bob after the message phases ${fmt(pr?.rss)} MB.` },
    { name: 'dht_requests_per_s_100_friends', unit: 'req/s', psst: sd?.dht == null ? NONE : summarize([sd.dht.perSecond], 'window'), baseline: null, bare: null, target: { op: '<', value: 5 },
      note: `every DHT request the daemon of the seeded profile (${RSS_FRIENDS} friends, all offline: the costly case, each is looked up again until it counts as absent, then every 5 min) sent over ${p.dhtWindowMs / 1000} s, from ${fmt(sd?.dht == null ? null : sd.dht.sinceStartMs / 1000)} s after its start (status.dht.requests, hyperdht's own counter); before that window it had sent ${fmt(sd?.dht?.beforeWindow)} (start: listening, ${RSS_FRIENDS} pointer puts, the first lookups).` },
    { name: 'history_open_ms', unit: 'ms', psst: sd?.h50 == null ? NONE : summarize(sd.h50.samples, 'calls'), baseline: null, bare: null, target: { op: '<', value: 50 },
      note: `control-socket history {limit: 50} of ${HISTORY_MESSAGES} stored; first call after daemon start ${fmt(sd?.h50?.first)} ms.` },
    { name: 'tui_history_open_ms', unit: 'ms', psst: sd?.h200 == null ? NONE : summarize(sd.h200.samples, 'calls'), baseline: null, bare: null, target: { op: '<', value: 200 },
      note: `history {limit: 200} (the TUI's first screen) of ${HISTORY_MESSAGES}; first call ${fmt(sd?.h200?.first)} ms.` },
    { name: 'startup_ms', unit: 'ms', psst: s === null ? NONE : summarize(s.psst), baseline: s === null ? null : summarize(s.node), bare: null, target: { op: '<', value: 300 },
      note: '`psst id --json` with no daemon running (opens the profile in-process), whole process; baseline `node -e 0`.' }
  ]
}

function groupMetrics (p: Plan, g: GroupResults | null): Metric[] {
  const catchup = g?.catchupMs ?? null
  return [
    { name: 'group_latency_p50_ms', unit: 'ms', psst: samples(g?.latencyMs, 50, 'lines'), baseline: null, bare: null, target: { op: '<', value: 5 },
      note: `a ${p.groups.members}-member group, ${p.groups.members} psst daemons whose friendships form a ring with chords (each a friend of the next two): a client's \`groupSend\` on one member (round the group) → the group-message event of the last of the other ${p.groups.members - 1} members to get it, all clients in the bench process; to the first member: p50 ${p50(g?.firstMs)} ms.` },
    { name: 'group_latency_p99_ms', unit: 'ms', psst: samples(g?.latencyMs, 99, 'lines'), baseline: null, bare: null, target: { op: '<', value: 25 } },
    { name: 'group_catchup_ms', unit: 'ms', psst: catchup === null ? NONE : summarize([catchup]), baseline: null, bare: null, target: { op: '<', value: 1000 },
      note: `a member stopped while another sends ${p.groups.catchup} lines, then started: its "listening as" log line → its event for the last missed line (served by its friends in the group, not the founder alone); of which the links coming up (to the first missed line): ${fmt(g?.catchupFirstMs ?? null)} ms.` }
  ]
}

function printProfiles (): void {
  const newest = (dir: string): string | null => {
    try {
      const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))
      return files.sort((a, b) => statSync(b).size - statSync(a).size)[0] ?? null
    } catch { return null }
  }
  for (const name of ['alice', 'bob', 'history', 'startup']) {
    const file = newest(join(PROFILES, name))
    if (file !== null) console.log('\n' + renderProfile(summarizeProfile(file, 12), `${name} (${file.slice(ROOT.length + 1)})`))
  }
}

async function main (): Promise<void> {
  installCleanup()
  const p = makePlan(quick)
  if (profiling) rmSync(PROFILES, { recursive: true, force: true })
  const host = loopbackHostFor(200 + Math.floor(Math.random() * 53))
  const loadBefore = loadavg()[0]
  say(`${quick ? 'quick' : 'full'} run${profiling ? ' (profiling: figures inflated by --cpu-prof)' : ''}; loopback DHT on ${host}`)
  await psst(['--version']).catch((err) => { throw new Error(`the psst bin does not run (npm run build?): ${(err as Error).message}`) })
  const net = await createLoopbackNetwork({ host })
  let ms: Metric[] = []
  try {
    const s = runs('startup') ? await phase(`startup (${p.startup.runs} runs each)`, () => startupTimes(p, net.bootstrapString)) : null
    const level = runs('raw') ? await phase('raw hyperdht baseline with LevelDB', () => measureRaw(net, true, p.raw)) : null
    const bare = runs('raw') ? await phase('raw hyperdht baseline without LevelDB', () => measureRaw(net, false, p.raw)) : null
    const pr = runs('pair') || runs('files') ? await phase('psst pair', () => pairPhases(p, net)) : null
    const sd = runs('seeded') ? await phase('seeded profiles', () => seededPhases(p, net.bootstrapString)) : null
    const gr = runs('groups') ? await phase(`group chat (${p.groups.members} daemons, ${p.groups.samples} lines, catch-up of ${p.groups.catchup})`, () => groupPhases(net.bootstrapString, p.groups)) : null
    ms = [...metrics(p, s, level, bare, pr, sd), ...groupMetrics(p, gr)]
  } finally {
    await net.destroy()
  }
  const relay = !runs('relay') ? null : await phase(`relay: ${p.relay.bytes / 2 ** 20} MiB relayed vs direct, RSS with ${p.relay.owners} owners × ${p.relay.perOwner} messages`, () => measureRelay(host, p.relay))
  ms.push(...relayMetrics(p.relay, relay))
  for (const m of relay?.missing ?? []) errors.push(`${m.figure} was not measured: ${m.reason}`)
  const took = (Date.now() - t0) / 1000
  const load = `load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (${cpus().length} CPUs)`
  console.log(`\npsst bench (${quick ? 'quick' : 'full'}${profiling ? ', PROFILED' : ''}), ${took.toFixed(0)} s, node ${process.version}, loopback ${host}, ${load}`)
  console.log('psst = median (or the named percentile) over the counted runs, after warm-up; ratio = psst / raw+LevelDB (relay_mb_per_s: relayed / direct)\n')
  console.log(table(ms))
  for (const m of ms) if (m.note !== undefined) console.log(`  ${m.name}: ${m.note}`)
  const missed = ms.flatMap(misses)
  console.log(missed.length === 0 ? '\nall targets met' : `\ntargets missed (${missed.length}):\n${missed.map((x) => `  - ${x}`).join('\n')}`)
  for (const n of notes) console.log(`note: ${n}`)
  const extra = { mode: quick ? 'quick' : 'full', profiled: profiling, seconds: Math.round(took), host, load, missed, notes, errors }
  if (only === null) {
    writeJson(join(ROOT, 'bench', 'results.json'), ms, extra)
    writeSvg(join(ROOT, 'bench', 'results.svg'), ms, `psst vs raw hyperdht (${quick ? 'quick' : 'full'} run, ${new Date().toISOString().slice(0, 10)})`)
    console.log('wrote bench/results.json and bench/results.svg')
  } else {
    console.log(`partial run (--only ${[...only].join(',')}): bench/results.json left as it was`)
  }
  if (profiling) printProfiles()
  if (errors.length > 0) {
    console.error(`\n${errors.length} phase(s) failed:\n${errors.join('\n')}`)
    process.exitCode = 1
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).stack ?? err}`)
  process.exitCode = 1
}).finally(cleanup)
