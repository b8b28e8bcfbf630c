import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { Link } from '../net/link.js'
import { STREAM_ID_BYTES, STREAMS_VERSION, type ChatMessage, type Receipt, type Hello, type Frame } from '../wire/frames.js'
import type { MessageRecord, OutboxRecord } from '../wire/records.js'
import type { HistoryEntry, SendResult, MessageKind } from '../wire/api.js'
import type { StoreOp as Op } from '../storage/profile-store.js'
import { judgeMark, sameStream, type IncomingVerdict } from '../streams/decide.js'
import { randomBytes, toHex } from '../crypto/identity.js'
import { Records, messageRecordFromFrame, messageFrameFromRecord } from '../wire/records.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_MESSAGE_BYTES } from '../wire/limits.js'
import { PsstError } from '../errors.js'
import { saneSentAt } from './clock.js'
import { throttleIntake } from './intake-limit.js'
import { beginResync, checkResync } from './resync.js'
import { noteStored } from './history-cap.js'

export interface Txn { session: string, first: number }

/** Bytes of frames corked into one transport frame at most (well under MAX_CHUNK_BYTES). */
const CORK_BYTES = 64 * 1024
/** How long a receipt waits to cover more messages. */
const RECEIPT_DELAY_MS = 3
/** Outbox entries read from the DB per resend step. */
const RESEND_CHUNK = 1000

export function checkText (text: string): void {
  if (typeof text !== 'string' || text.length === 0) throw new PsstError('EMPTY', 'message is empty; nothing was sent')
  const n = utf8Length(text)
  if (n > MAX_MESSAGE_BYTES) throw new PsstError('TOO_LONG', `message is too long: ${n} bytes, at most ${MAX_MESSAGE_BYTES}; nothing was sent`)
}

/**
 * Queues messages: outbox and history written in one batch before any network I/O
 * (docs/design.md, The delivery promise); resolves once on disk, then the pump writes them to the link.
 */
export async function send (m: Messenger, rt: Peer, texts: string[], kind: MessageKind, txn?: Txn): Promise<SendResult[]> {
  for (const t of texts) checkText(t)
  const ops: Op[] = []
  const out: SendResult[] = []
  const now = m.now()
  const r = rt.rec
  const skip = txn !== undefined && r.txnSession === txn.session ? Math.min(texts.length, Math.max(0, r.txnUpTo - txn.first + 1)) : 0
  for (let i = 0; i < skip; i++) out.push({ id: '', seq: r.txnSeq, state: 'queued', duplicate: true })
  const fresh = texts.length - skip
  if (fresh === 0) return await sendNothingNew(m, rt, out)
  const first = rt.queueOutgoing(fresh, txn === undefined ? undefined : { session: txn.session, upTo: txn.first + texts.length - 1 })
  ops.push(m.store.outboxOp(rt.publicKey, { seq: first.seq, index: first.index, count: fresh }))
  // All ids of the call drawn and turned to hex at once (per message, these were a tenth of a burst).
  const ids = randomBytes(16 * fresh)
  const idsHex = ids.toString('hex')
  // Every client sees what any client sent (a chat window shows a `psst send` from a shell).
  const announce: OutboxRecord[] | null = m.wantsEvents ? [] : null
  let stored = 0
  for (let i = 0; i < fresh; i++) {
    const body = texts[skip + i]
    const rec: OutboxRecord = { id: ids.subarray(16 * i, 16 * i + 16), seq: first.seq + i, sentAt: now, kind, body, index: first.index + i }
    // The body is encoded once: the frame is the history record's bytes under another head.
    const record = Records.message.encode({ outgoing: true, id: rec.id, seq: rec.seq, sentAt: now, kind, body })
    ops.push(m.store.messageBytesOp(rt.publicKey, rec.index, record))
    stored += record.byteLength + 4
    if (rt.out.cache.add(rec)) rec.frame = messageFrameFromRecord(record)
    out.push({ id: idsHex.slice(32 * i, 32 * i + 32), seq: rec.seq, state: 'queued' })
    announce?.push(rec)
  }
  const last = first.seq + fresh - 1
  await m.write(ops, () => {
    rt.out.persisted(last)
    if (announce !== null) announceOutgoing(m, rt, announce)
    if (stored > 0) noteStored(m, rt, stored)
  })
  if (rt.link === null || rt.link.closed) m.dial(rt)
  void pump(m, rt)
  return out
}

/** Every message of the call was stored before (a client resending): what is queued goes on. */
async function sendNothingNew (m: Messenger, rt: Peer, out: SendResult[]): Promise<SendResult[]> {
  await m.write([])
  if (rt.link === null || rt.link.closed) m.dial(rt)
  void pump(m, rt)
  return out
}

function announceOutgoing (m: Messenger, rt: Peer, recs: OutboxRecord[]): void {
  for (const r of recs) {
    m.emitEvent({ type: 'message', friend: rt.hex, id: toHex(r.id), seq: r.seq, from: 'me', text: r.body, kind: r.kind, sentAt: r.sentAt, state: 'queued', index: r.index })
  }
}

/** Writes every persisted, not yet written message to the current link, in seq order. */
export async function pump (m: Messenger, rt: Peer): Promise<void> {
  if (!rt.out.beginPump()) return
  try {
    do {
      await pumpOnce(m, rt)
    } while (rt.out.pumpAgain())
  } catch (err) {
    // The outbox could not be read (the store is failing): the messages stay queued and go
    // with the next pump (a new link, a new message).
    m.count('pump-failed')
    m.log(`cannot read the outbox: ${(err as Error).message}`)
  } finally {
    rt.out.endPump()
  }
}

async function pumpOnce (m: Messenger, rt: Peer): Promise<void> {
  const link = rt.link
  while (link !== null && link.ready && !link.closed && rt.link === link && rt.out.due) {
    const batch = await nextToSend(m, rt)
    if (batch.length === 0 || rt.link !== link || link.closed) return
    let ok = true
    let corked = 0
    link.channel.cork()
    piggybackReceipt(rt, link)
    for (const rec of batch) {
      ok = rec.frame !== undefined
        ? link.sendEncoded(rec.frame)
        : link.send({ type: 'message', id: rec.id, seq: rec.seq, sentAt: rec.sentAt, kind: rec.kind, body: rec.body })
      // Corked frames travel as one transport frame; keep it under the peer's chunk limit.
      corked += rec.body.length * 3 + 64
      if (corked > CORK_BYTES) { link.channel.uncork(); link.channel.cork(); corked = 0 }
    }
    link.channel.uncork()
    rt.out.wrote(batch[batch.length - 1].seq)
    if (m.wantsEvents) m.emitEvent({ type: 'sent', friend: rt.hex, upTo: rt.out.sentUpTo, ids: batch.map((r) => toHex(r.id)) })
    if (!ok) await link.drained()
  }
}

async function nextToSend (m: Messenger, rt: Peer): Promise<OutboxRecord[]> {
  const out = rt.out.cachedToSend(RESEND_CHUNK)
  if (out.length > 0) return out
  const upTo = rt.out.persistedSeq
  return (await m.store.outbox(rt.publicKey, rt.out.sentUpTo, RESEND_CHUNK)).filter((r) => r.seq <= upTo)
}

/**
 * Stores the next message from a friend: judged against recvUpTo (advanced at once, so calls
 * in seq order chain), written in the shared batch, announced once on disk. Direct delivery and
 * the mailbox both come through here, so a message arriving both ways is stored once.
 */
export function storeIncoming (m: Messenger, rt: Peer, msg: ChatMessage, onStored?: () => void, onFailed?: (err: Error) => void): IncomingVerdict {
  const verdict = rt.in.judge(msg.seq)
  if (verdict !== 'store') return verdict
  const index = rt.takeIncoming(msg.seq)
  const sentAt = saneSentAt(msg.sentAt, m.now())
  if (sentAt !== msg.sentAt) m.count('clock-clamped')
  // A frame off the wire becomes the record by copying (no second encoding of the body).
  const bytes = msg.wire !== undefined && sentAt === msg.sentAt
    ? messageRecordFromFrame(msg.wire, false)
    : Records.message.encode({ outgoing: false, id: msg.id, seq: msg.seq, sentAt, kind: msg.kind, body: msg.body })
  const upTo = msg.seq
  // A hello may switch their stream while this write is in flight: the mark then counts the new one.
  const stream = rt.in.id
  m.writes.push([m.store.messageBytesOp(rt.publicKey, index, bytes)], () => {
    rt.in.onStored(upTo, stream)
    noteStored(m, rt, bytes.byteLength + 4)
    if (msg.kind === 'file') m.emit('file-offer', rt.hex, msg.body)
    if (m.wantsEvents) {
      const record: MessageRecord = { outgoing: false, id: msg.id, seq: msg.seq, sentAt, kind: msg.kind, body: msg.body }
      m.emitEvent({ type: 'message', friend: rt.hex, ...historyEntry(rt, record, index) })
    }
    onStored?.()
  }, onFailed)
  return verdict
}

/** A message over a link: stored once, in order, then acknowledged (after the write). */
export function onMessage (m: Messenger, rt: Peer, link: Link, msg: ChatMessage): void {
  if (rt.in.dedupe !== null) {
    const r = checkResync(m, rt, link, msg)
    if (r === 'hold') return
    if (r === 'known') return skipKnown(m, rt, link, msg.seq)
  }
  const verdict = storeIncoming(m, rt, msg, () => scheduleReceipt(rt, link))
  if (verdict === 'store') throttleIntake(m, rt, link, msg.body.length)
  if (verdict === 'duplicate') {
    m.count('duplicate-messages')
    // Acknowledge again, but never claim more than is on disk.
    m.writes.push([], () => { link.send(receiptFrame(rt)) })
  } else if (verdict === 'out-of-order') {
    m.count('out-of-order-messages')
  }
}

/** A message of a new stream of theirs that I hold from the one it replaced: counted, not stored again. */
function skipKnown (m: Messenger, rt: Peer, link: Link, seq: number): void {
  m.count('duplicates-across-streams')
  rt.in.take(seq)
  const stream = rt.in.id
  // In the queue, so the mark never gets ahead of a message before it that is still being written.
  m.writes.push([], () => {
    rt.in.onStored(seq, stream)
    scheduleReceipt(rt, link)
  })
}

/**
 * One receipt per burst, a few ms after the batch that stored the messages (like TCP's delayed
 * ack, shorter): the receipt then covers more, and does not wake the sender at the very moment
 * this side is delivering the message to its own clients (measured: p99 6.8 → 5.6 ms). If a
 * message of mine leaves first, the receipt rides along with it (see pumpOnce).
 */
function scheduleReceipt (rt: Peer, link: Link): void {
  rt.in.scheduleReceipt(RECEIPT_DELAY_MS, () => { if (!link.closed) link.send(receiptFrame(rt)) })
}

/** Sends the pending receipt now, on the link a message is about to take (one packet, one wake-up). */
function piggybackReceipt (rt: Peer, link: Link): void {
  if (rt.in.takeReceipt()) link.send(receiptFrame(rt))
}

/** What I have stored of their stream, for them: a receipt names the stream it counts. */
export function receiptFrame (rt: Peer): Frame {
  return { type: 'receipt', upTo: rt.in.stored, stream: rt.in.id }
}

/** A receipt, or the resumption mark in hello: marks my messages up to it delivered. */
export function onReceipt (m: Messenger, rt: Peer, link: Link, receipt: Receipt): void {
  // A peer older than stream ids has one stream each way: its receipts count my current one.
  if (link.peerVersion >= STREAMS_VERSION && !sameStream(receipt.stream, rt.out.id)) {
    // Their count of a stream of mine that is not the current one (an old friendship's): never applied.
    m.count('receipts-other-stream')
    return
  }
  const verdict = rt.out.judge(receipt.upTo)
  if (verdict === 'protocol-error') {
    // An older peer's count of an earlier friendship (onOldHello told the user): closing would only flap.
    if (link.peerVersion < STREAMS_VERSION) { m.count('over-acks-old-peer'); return }
    m.count('over-acks')
    link.destroy()
    return
  }
  if (verdict === 'stale') return
  const upTo = receipt.upTo
  const ids: string[] = []
  const wantIds = m.wantsEvents
  const done = rt.out.acknowledge(upTo, wantIds ? (rec) => ids.push(toHex(rec.id)) : undefined)
  const ops: Op[] = []
  for (const seq of done) ops.push(m.store.outboxDelOp(rt.publicKey, seq))
  // The receipt proves the friend has them on disk: report it now. Recording it here may wait
  // for the next batch; if it is lost in a crash, the messages go again and are acked again.
  m.writes.defer(ops)
  if (m.wantsEvents) m.emitEvent({ type: 'receipt', friend: rt.hex, upTo, ids })
}

/**
 * Resumption (docs/design.md, Delivery): a hello's stream fields. For what they send me, a stream
 * I do not know is counted from its base, and a base above my count (my state was rolled back)
 * skips what I will never get again. For what I send them, their mark acknowledges my stream
 * only if it names it; a mark beyond what I ever sent means my state was rolled back, so I go on
 * in a new stream. Resending what is unacknowledged is the caller's (pump).
 */
export function onHelloStreams (m: Messenger, rt: Peer, link: Link, hello: Hello): void {
  if (link.peerVersion < STREAMS_VERSION) return onOldHello(m, rt, link, hello)
  const theirs = rt.in.judgeHello(hello.stream, hello.base)
  if (theirs === 'adopt') {
    beginResync(m, rt, rt.in.upTo, hello.base, hello.stream, (l, msg) => onMessage(m, rt, l, msg))
    rt.in.adopt(hello.stream, hello.base)
    m.count('streams-adopted')
  } else if (theirs === 'skip-gap') {
    m.count('receive-gaps-skipped')
    m.log(`${rt.label}: messages ${rt.in.upTo + 1}..${hello.base} were stored here before and are gone (a restored profile?)`)
    rt.in.skipTo(hello.base)
  }
  switch (judgeMark(hello.recvStream, hello.recvUpTo, rt.out.id, rt.out.ackedUpTo, rt.out.lastSeq)) {
    case 'other-stream':
      if (hello.recvUpTo > 0) m.count('marks-other-stream')
      break
    case 'rolled-back':
      restartSendStream(m, rt, link)
      break
    case 'advance':
      onReceipt(m, rt, link, { upTo: hello.recvUpTo, stream: hello.recvStream })
      break
    case 'stale':
      break
  }
}

/**
 * A hello from a peer older than stream ids (protocol 1, docs/design.md, Wire protocol): it has
 * one stream each way, which its mark counts, so the mark is taken for my current stream. A mark
 * beyond what I sent means it holds an earlier friendship's count (I re-added it, or restored my
 * profile); it cannot be told apart without stream ids, so nothing is marked and the user is
 * told what to do, once per link.
 */
const toldOld = new WeakSet<Peer>()

function onOldHello (m: Messenger, rt: Peer, link: Link, hello: Hello): void {
  m.count('links-old-protocol')
  if (!toldOld.has(rt)) m.log(`${rt.label} runs an older psst (protocol ${link.peerVersion}): speaking it`)
  toldOld.add(rt)
  switch (judgeMark(rt.out.id, hello.recvUpTo, rt.out.id, rt.out.ackedUpTo, rt.out.lastSeq)) {
    case 'rolled-back':
      m.count('marks-old-peer-ahead')
      m.emitEvent({ type: 'warning', message: `${rt.label} runs an older psst that mixes up this friendship with an earlier one; ask them to upgrade` })
      break
    case 'advance':
      onReceipt(m, rt, link, { upTo: hello.recvUpTo, stream: rt.out.id })
      break
    default:
      break
  }
}

/**
 * They hold more of my stream than I ever sent: this profile was restored from an older copy.
 * My seqs above ackedUpTo may mean other messages than theirs, so what is unacknowledged goes
 * again in a new stream, which they count from my ackedUpTo.
 */
function restartSendStream (m: Messenger, rt: Peer, link: Link): void {
  m.count('send-streams-restarted')
  m.log(`${rt.label} has more of my messages than I sent (a restored profile?): going on in a new stream`)
  rt.out.restart(randomBytes(STREAM_ID_BYTES))
  link.send(m.hello(rt))
}

export function waitDelivered (rt: Peer, seq: number, timeoutMs: number): Promise<boolean> {
  return rt.out.waitDelivered(seq, timeoutMs)
}

export function historyEntry (rt: Peer, r: MessageRecord, index: number): HistoryEntry {
  return {
    id: toHex(r.id),
    seq: r.seq,
    from: r.outgoing ? 'me' : rt.hex,
    text: r.body,
    kind: r.kind,
    sentAt: r.sentAt,
    state: r.outgoing ? rt.out.stateOf(r.seq) : 'delivered',
    index,
    // Mine without a seq in this device's stream: another device of mine sent it (docs/devices.md).
    ...(r.outgoing && r.seq === 0 ? { elsewhere: true as const } : {})
  }
}
