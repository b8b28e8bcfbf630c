/**
 * The daemon's side of mailboxes (docs/relay.md, Delivery through the mailbox) and of the blind-relay fallback (docs/relay.md, Relay fallback for connections).
 *
 * - Depositing: a friend who stays offline and announced a mailbox in their hello gets my unacked
 *   outbox entries deposited there, sealed and signed, over a connection made with my deposit
 *   capability for that friend and relay (the key the friend registered for me, derived by both of
 *   us: crypto/seal.ts), from a DHT node of its own per relay (so the relay cannot link the
 *   capability to my identity's address), made on demand and closed when idle. "Deposited up to"
 *   is kept in memory only: after a restart the same messages may be deposited again, which the
 *   receiver's dedupe absorbs.
 * - Fetching (mine): see mailbox-owner.ts. Nothing leaves the relay before it is on my disk.
 * - Relaying: which blind relay a connection may fall back to, and PSST_FORCE_RELAY for tests.
 *
 * All per-daemon state lives in a WeakMap beside the Messenger, so the rest of the core only calls
 * startMailbox / stopMailbox (daemon.ts) and relayOptionsFor / listenOptions (messenger, daemon).
 */
import { personal } from '../wire/log-line.js'
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { OutboxRecord } from '../wire/records.js'
import type { Answer, MailboxCode } from '../wire/mailbox.js'
import { MailboxClient } from './client.js'
import { backoff } from '../net/backoff.js'
import { OwnerSession, type FetchSummary } from './owner.js'
import { sealEnvelope } from './envelope.js'
import { depositCapabilitySeed } from '../crypto/seal.js'
import type { DhtNode } from '../net/dht-node.js'
import { cryptoReady } from '../crypto/sodium.js'
import { keyPairFromSeed, toHex, fromHex } from '../crypto/identity.js'

export { acceptFromMailbox, type FetchSummary } from './owner.js'

/** A friend must have been offline this long before their mail goes to the relay. */
export const DEPOSIT_GRACE_MS = 3000
/** How often offline friends with a mailbox are looked at. */
const POLL_MS = 1000
/** Deposits sent before waiting for their answers. */
const DEPOSIT_WINDOW = 32
/** After a refusal other than rate-limiting, leave that friend's mailbox alone this long. */
const REFUSED_BACKOFF_MS = 10 * 60_000
/** Depositor connections with nothing to do are closed after this long. */
const DEPOSITOR_IDLE_MS = 30_000
/** A deposit node with no connection left is closed after this long. */
const DEPOSIT_NODE_IDLE_MS = 5000
/** hyperdht errors after which a friend is dialled through a blind relay (docs/relay.md). */
const HOLEPUNCH_ERRORS = new Set([
  'HOLEPUNCH_ABORTED', 'HOLEPUNCH_INVALID', 'HOLEPUNCH_PROBE_TIMEOUT', 'HOLEPUNCH_DOUBLE_RANDOMIZED_NATS',
  'CANNOT_HOLEPUNCH', 'REMOTE_NOT_HOLEPUNCHING', 'REMOTE_NOT_HOLEPUNCHABLE', 'BAD_HOLEPUNCH_REPLY'
])

interface FriendMail { relay: string, stream: Buffer | null, depositedUpTo: number, offlineSince: number, retryAt: number, failures: number, busy: boolean, holepunchFailed: boolean }
interface Depositor { client: MailboxClient, users: number, idle: NodeJS.Timeout | null }
/** The DHT node deposits to one relay go out from (never the identity's own node). */
interface DepositNode { node: Promise<DhtNode | null>, users: number, idle: NodeJS.Timeout | null }
interface MailState {
  friends: Map<string, FriendMail>
  /** Keyed by relay hex ‖ friend hex: one capability, one connection. */
  depositors: Map<string, Depositor>
  nodes: Map<string, DepositNode>
  invite: string
  owner: OwnerSession | null
  poll: NodeJS.Timeout | null
  unsubscribe: () => void
}

const states = new WeakMap<Messenger, MailState>()

function state (m: Messenger): MailState {
  let st = states.get(m)
  if (st === undefined) {
    st = { friends: new Map(), depositors: new Map(), nodes: new Map(), invite: '', owner: null, poll: null, unsubscribe: () => {} }
    states.set(m, st)
  }
  return st
}

function friendMail (m: Messenger, rt: Peer): FriendMail {
  const st = state(m)
  let fm = st.friends.get(rt.hex)
  if (fm === undefined) {
    fm = { relay: '', stream: null, depositedUpTo: 0, offlineSince: m.now(), retryAt: 0, failures: 0, busy: false, holepunchFailed: false }
    st.friends.set(rt.hex, fm)
  }
  return fm
}

/** Call once the DHT is up (daemon.ts, after listen): registers with my relay, starts depositing. */
export function startMailbox (m: Messenger): void {
  const st = state(m)
  const onPresence = (e: { type: string, publicKey?: string, online?: boolean }): void => {
    if (e.online !== false || e.publicKey === undefined) return
    const rt = m.friends.get(e.publicKey)
    if (rt !== undefined) friendMail(m, rt).offlineSince = m.now()
  }
  const register = (invite?: string): void => {
    refreshRegistration(m, invite).catch((err) => { m.log(`mailbox registration failed: ${(err as Error).message}`) })
  }
  const onFriends = (): void => { st.owner?.syncCaps() }
  m.on('presence', onPresence)
  m.on('mailbox-changed', register)
  m.on('friends-changed', onFriends)
  st.unsubscribe = () => { m.off('presence', onPresence); m.off('mailbox-changed', register); m.off('friends-changed', onFriends) }
  st.poll = setInterval(() => pollDeposits(m), POLL_MS)
  st.poll.unref()
  register()
}

/** Call before the DHT is destroyed (daemon.ts shutdown). */
export async function stopMailbox (m: Messenger): Promise<void> {
  const st = states.get(m)
  if (st === undefined) return
  st.unsubscribe()
  if (st.poll) clearInterval(st.poll)
  st.owner?.close()
  st.owner = null
  for (const d of st.depositors.values()) { if (d.idle) clearTimeout(d.idle); d.client.close() }
  st.depositors.clear()
  const nodes = [...st.nodes.values()]
  st.nodes.clear()
  await Promise.allSettled(nodes.map(async (n) => { if (n.idle) clearTimeout(n.idle); await (await n.node)?.destroy() }))
  states.delete(m)
}

/**
 * (Re)registers with the relay in my profile; after `mailbox set/clear`, drains and leaves the old
 * one. An invite code (mailbox set --invite) is kept in memory until a registration succeeds.
 */
export async function refreshRegistration (m: Messenger, invite?: string): Promise<void> {
  const st = state(m)
  if (invite !== undefined) st.invite = invite
  const want = m.profile.mailbox
  const old = st.owner
  const same = old !== null && want !== null && old.relay.equals(want)
  // The same relay again: nothing to do, unless it refused me and a new invite came.
  if (same && (invite === undefined || !old.refused)) return
  st.owner = null
  if (old !== null) {
    if (!same) await old.unregister().catch(() => {})
    old.close()
  }
  if (want === null || m.dht === null || m.closing) return
  st.owner = new OwnerSession(m, want, () => st.invite, () => { st.invite = '' })
  st.owner.start()
}

/** My standing at my relay, for `psst mailbox`: undefined when no session runs. */
export function mailboxRegistration (m: Messenger): 'registered' | 'connecting' | 'not-admitted' | undefined {
  const owner = states.get(m)?.owner ?? null
  if (owner === null) return undefined
  return owner.refused ? 'not-admitted' : owner.registered ? 'registered' : 'connecting'
}

/** Fetches my mail now (also done on connect and on every notify from the relay). */
export async function fetchMailbox (m: Messenger): Promise<FetchSummary> {
  const owner = state(m).owner
  if (owner === null) return { stored: 0, duplicates: 0, junk: 0, left: 0 }
  return await owner.fetch()
}

function pollDeposits (m: Messenger): void {
  if (m.closing || m.dht === null) return
  const now = m.now()
  for (const rt of m.friends.values()) {
    if (rt.online || rt.rec.mailbox === null || rt.rec.state !== 'friends') continue
    const fm = friendMail(m, rt)
    if (fm.busy || now < fm.retryAt || now - fm.offlineSince < DEPOSIT_GRACE_MS) continue
    if (Math.max(rt.out.ackedUpTo, fm.relay === toHex(rt.rec.mailbox) && fm.stream === rt.out.id ? fm.depositedUpTo : 0) >= rt.out.persistedSeq) continue
    depositToMailbox(m, rt).catch((err) => { m.log(`mailbox deposit failed: ${(err as Error).message}`) })
  }
}

/**
 * Deposits my unacked messages to an offline friend's mailbox, in seq order, each one once per
 * daemon run. Stops when the friend comes online, on a refusal, or when the relay is unreachable.
 * Resolves with how many were deposited.
 */
export async function depositToMailbox (m: Messenger, rt: Peer): Promise<number> {
  const relay = rt.rec.mailbox
  if (relay === null || m.dht === null || rt.online || rt.rec.state !== 'friends') return 0
  const fm = friendMail(m, rt)
  if (fm.busy) return 0
  const relayHex = toHex(relay)
  if (fm.relay !== relayHex) { fm.relay = relayHex; fm.depositedUpTo = 0 }
  // A new stream of mine (restored profile) numbers the same outbox again: deposit it again.
  if (fm.stream !== rt.out.id) { fm.stream = rt.out.id; fm.depositedUpTo = 0 }
  fm.busy = true
  let d: Depositor | null = null
  let count = 0
  try {
    // libsodium loads lazily (the daemon may not have needed it yet): seal and pseudonym need it.
    await cryptoReady()
    d = await depositor(m, relay, rt)
    if (d === null || !await d.client.opened()) { unreachable(m, fm); return 0 }
    for (;;) {
      const after = Math.max(rt.out.ackedUpTo, fm.depositedUpTo)
      const recs = (await m.store.outbox(rt.publicKey, after, DEPOSIT_WINDOW)).filter((r) => r.seq <= rt.out.persistedSeq)
      if (recs.length === 0 || rt.online || m.closing) break
      const client = d.client
      const answers = await Promise.all(recs.map(async (r) => await client.deposit(rt.rec.publicKey, seal(m, rt, r))))
      const ok = settle(m, rt, fm, recs, answers)
      fm.failures = 0
      count += ok
      if (ok < recs.length) break
    }
  } catch (err) {
    m.count('mailbox-deposit-errors')
    unreachable(m, fm)
    m.log(`mailbox deposit to ${personal(rt.rec.name || rt.hex.slice(0, 12))} failed: ${(err as Error).message}`)
  } finally {
    fm.busy = false
    if (d !== null) release(m, relayHex + rt.hex, d)
  }
  if (count > 0) {
    m.log(`mailbox: ${count} messages for ${personal(rt.rec.name || rt.hex.slice(0, 12))} left at relay ${relayHex.slice(0, 12)}`)
    m.emit('mailbox-deposited', { friend: rt.hex, upTo: fm.depositedUpTo })
  }
  return count
}

/** The relay did not answer: try again after about 5 s, 10 s, 20 s … at most a minute. */
function unreachable (m: Messenger, fm: FriendMail): void {
  fm.retryAt = m.now() + backoff(fm.failures++, m.random(), 5000)
}

function seal (m: Messenger, rt: Peer, r: OutboxRecord): Buffer {
  return sealEnvelope(m.keyPair, rt.publicKey, rt.out.id, { id: r.id, seq: r.seq, sentAt: r.sentAt, kind: r.kind, body: r.body })
}

/** Advances "deposited up to" over the leading run of accepted deposits; returns its length. */
function settle (m: Messenger, rt: Peer, fm: FriendMail, recs: OutboxRecord[], answers: Answer[]): number {
  let ok = 0
  for (; ok < answers.length && answers[ok].code === 'ok'; ok++) fm.depositedUpTo = recs[ok].seq
  m.count('mailbox-deposits', ok)
  const refused = answers.find((a) => a.code !== 'ok')
  if (refused !== undefined) refusedBy(m, rt, fm, refused.code, refused.value)
  return ok
}

function refusedBy (m: Messenger, rt: Peer, fm: FriendMail, code: MailboxCode, value: number): void {
  m.count(`mailbox-refused-${code}`)
  if (code === 'rate-limited') { fm.retryAt = m.now() + Math.max(100, value); return }
  fm.retryAt = m.now() + REFUSED_BACKOFF_MS
  const who = rt.rec.name || rt.hex.slice(0, 12)
  m.emitEvent({ type: 'warning', message: code === 'refused'
    ? `the mailbox relay of ${who} refused a message: they have not registered you there (yet); it waits until they are online`
    : `the mailbox relay of ${who} refused a message (${code}); it waits until they are online` })
}

/**
 * The connection for deposits to one friend at their relay, made with the capability key the
 * friend registered for me (both of us derive it), from the relay's deposit node. Null when that
 * node cannot be made.
 */
async function depositor (m: Messenger, relay: Buffer, rt: Peer): Promise<Depositor | null> {
  const st = state(m)
  const relayHex = toHex(relay)
  const key = relayHex + rt.hex
  let d = st.depositors.get(key)
  if (d === undefined || d.client.closed) {
    const node = await acquireNode(m, relayHex)
    if (node === null) return null
    const cap = keyPairFromSeed(depositCapabilitySeed(m.profile.secretKey, rt.rec.publicKey, rt.rec.publicKey, relay))
    let client: MailboxClient
    try {
      client = new MailboxClient(node.connect(relay, cap))
    } catch {
      releaseNode(m, relayHex)
      return null
    }
    const entry: Depositor = { client, users: 0, idle: null }
    client.onClose(() => {
      if (st.depositors.get(key) === entry) st.depositors.delete(key)
      releaseNode(m, relayHex)
    })
    st.depositors.set(key, entry)
    d = entry
  }
  if (d.idle) { clearTimeout(d.idle); d.idle = null }
  d.users++
  return d
}

/** The relay's deposit node, made on first use: a sibling of my node with its own socket. */
async function acquireNode (m: Messenger, relayHex: string): Promise<DhtNode | null> {
  const st = state(m)
  let n = st.nodes.get(relayHex)
  if (n === undefined) {
    const entry: DepositNode = { node: makeNode(m), users: 0, idle: null }
    st.nodes.set(relayHex, entry)
    entry.node.then((node) => { if (node === null && st.nodes.get(relayHex) === entry) st.nodes.delete(relayHex) }, () => {})
    n = entry
  }
  if (n.idle) { clearTimeout(n.idle); n.idle = null }
  n.users++
  const node = await n.node
  if (node === null) n.users--
  return node
}

async function makeNode (m: Messenger): Promise<DhtNode | null> {
  const st = state(m)
  try {
    const node = await m.dht!.sibling()
    // The daemon may have stopped while the node bootstrapped: a node left open keeps the process alive.
    if (m.closing || states.get(m) !== st) { await node.destroy(); return null }
    m.count('mailbox-deposit-nodes')
    return node
  } catch (err) {
    m.log(`mailbox: cannot start a deposit node: ${(err as Error).message}`)
    return null
  }
}

function releaseNode (m: Messenger, relayHex: string): void {
  const st = states.get(m)
  const n = st?.nodes.get(relayHex)
  if (st === undefined) return
  if (n === undefined || --n.users > 0) return
  n.idle = setTimeout(() => {
    if (st.nodes.get(relayHex) !== n || n.users > 0) return
    st.nodes.delete(relayHex)
    void n.node.then((node) => node?.destroy())
  }, DEPOSIT_NODE_IDLE_MS)
  n.idle.unref()
}

function release (m: Messenger, hex: string, d: Depositor): void {
  if (--d.users > 0) return
  d.idle = setTimeout(() => {
    d.client.close()
    if (state(m).depositors.get(hex) === d) state(m).depositors.delete(hex)
  }, DEPOSITOR_IDLE_MS)
  d.idle.unref()
}

// --- the blind-relay fallback (docs/relay.md, Relay fallback for connections)

function configuredRelay (): Buffer | null {
  const hex = process.env.PSST_RELAY_THROUGH?.trim().toLowerCase()
  const key = hex === undefined || hex === '' ? null : fromHex(hex)
  return key !== null && key.byteLength === 32 ? key : null
}

const forced = (): boolean => process.env.PSST_FORCE_RELAY === '1'

/**
 * Options for dialling a friend (messenger.ts dial → DhtNode.connect). The relay is PSST_RELAY_THROUGH,
 * else the friend's mailbox relay, else mine. It is used after a holepunch failure to that friend
 * (hyperdht then relays and still upgrades to a direct path when one opens), or always with
 * PSST_FORCE_RELAY=1 (tests: holepunching off, so the connection stays relayed).
 */
export function relayOptionsFor (m: Messenger, rt: Peer): { relayThrough: Buffer | null, forceRelay: boolean } {
  const relay = configuredRelay() ?? rt.rec.mailbox ?? m.profile.mailbox
  if (relay === null) return { relayThrough: null, forceRelay: false }
  if (forced()) return { relayThrough: relay, forceRelay: true }
  return { relayThrough: friendMail(m, rt).holepunchFailed ? relay : null, forceRelay: false }
}

/** Call with a dial's stream error: a holepunch failure makes the next dials to that friend relayed. */
export function noteDialError (m: Messenger, rt: Peer, err: unknown): void {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && HOLEPUNCH_ERRORS.has(code)) {
    friendMail(m, rt).holepunchFailed = true
    m.count('holepunch-failures')
  }
}

/** Options for DhtNode.listen: with PSST_FORCE_RELAY=1, incoming connections go through the relay too. */
export function listenOptions (m: Messenger): { relayThrough?: Buffer, holepunch?: boolean } {
  const relay = configuredRelay() ?? m.profile.mailbox
  return forced() && relay !== null ? { relayThrough: relay, holepunch: false } : {}
}
