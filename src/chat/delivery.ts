import type { Messenger } from '../contacts/messenger.js'
import type { FriendRuntime } from '../contacts/friend-runtime.js'
import type { Link } from '../net/link.js'
import { STREAM_ID_BYTES, type ChatMessage, type Receipt, type Hello, type Frame } from '../wire/frames.js'
import type { MessageRecord, OutboxRecord } from '../wire/records.js'
import type { HistoryEntry, SendResult, MessageKind } from '../wire/api.js'
import type { StoreOp as Op } from '../storage/profile-store.js'
import { judgeIncoming, judgeReceipt, judgeTheirStream, judgeMark, sameStream, deliveryState, type IncomingVerdict } from '../streams/decide.js'
import { randomBytes, toHex } from '../crypto/identity.js'
import { Records, messageRecordFromFrame, messageFrameFromRecord } from '../wire/records.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_MESSAGE_BYTES } from '../wire/limits.js'
import { PsstError } from '../errors.js'
import { saneSentAt } from './clock.js'
import { throttleIntake } from './intake-limit.js'
import { beginResync, checkResync, hasResync } from './resync.js'

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
export async function send (m: Messenger, rt: FriendRuntime, texts: string[], kind: MessageKind, txn?: Txn): Promise<SendResult[]> {
  for (const t of texts) checkText(t)
  const ops: Op[] = []
  const out: SendResult[] = []
  const now = m.now()
  const skip = txn !== undefined && rt.rec.txnSession === txn.session ? Math.max(0, rt.rec.txnUpTo - txn.first + 1) : 0
  for (let i = 0; i < Math.min(skip, texts.length); i++) out.push({ id: '', seq: rt.rec.txnSeq, state: 'queued', duplicate: true })
  const fresh = texts.length - Math.min(skip, texts.length)
  if (fresh > 0) {
    const range = { seq: rt.rec.lastSentSeq + 1, index: rt.rec.nextIndex, count: fresh }
    ops.push(m.store.outboxOp(rt.rec.publicKey, range))
    rt.outboxRanges.push({ seq: range.seq, count: fresh })
  }
  // All ids of the call drawn and turned to hex at once (per message, these were a tenth of a burst).
  const ids = randomBytes(16 * fresh)
  const idsHex = ids.toString('hex')
  // Every client sees what any client sent (a chat window shows a `psst send` from a shell).
  const announce: OutboxRecord[] | null = m.wantsEvents ? [] : null
  for (let i = 0; i < fresh; i++) {
    const body = texts[skip + i]
    const rec: OutboxRecord = { id: ids.subarray(16 * i, 16 * i + 16), seq: ++rt.rec.lastSentSeq, sentAt: now, kind, body, index: rt.rec.nextIndex++ }
    // The body is encoded once: the frame is the history record's bytes under another head.
    const record = Records.message.encode({ outgoing: true, id: rec.id, seq: rec.seq, sentAt: now, kind, body })
    ops.push(m.store.messageBytesOp(rt.rec.publicKey, rec.index, record))
    if (rt.outboxCache.add(rec)) rec.frame = messageFrameFromRecord(record)
    out.push({ id: idsHex.slice(32 * i, 32 * i + 32), seq: rec.seq, state: 'queued' })
    announce?.push(rec)
  }
  const last = rt.rec.lastSentSeq
  if (txn !== undefined && skip < texts.length) {
    rt.rec.txnSession = txn.session
    rt.rec.txnUpTo = txn.first + texts.length - 1
    rt.rec.txnSeq = last
  }
  m.save(rt)
  await m.write(ops, () => {
    rt.persistedSeq = Math.max(rt.persistedSeq, last)
    if (announce !== null) announceOutgoing(m, rt, announce)
  })
  if (rt.link === null || rt.link.closed) m.dial(rt)
  void pump(m, rt)
  return out
}

function announceOutgoing (m: Messenger, rt: FriendRuntime, recs: OutboxRecord[]): void {
  for (const r of recs) {
    m.emitEvent({ type: 'message', friend: rt.hex, id: toHex(r.id), seq: r.seq, from: 'me', text: r.body, kind: r.kind, sentAt: r.sentAt, state: 'queued', index: r.index })
  }
}

/** Writes every persisted, not yet written message to the current link, in seq order. */
export async function pump (m: Messenger, rt: FriendRuntime): Promise<void> {
  if (rt.pumping) { rt.repump = true; return }
  rt.pumping = true
  try {
    do {
      rt.repump = false
      await pumpOnce(m, rt)
    } while (rt.repump)
  } catch (err) {
    // The outbox could not be read (the store is failing): the messages stay queued and go
    // with the next pump (a new link, a new message).
    m.count('pump-failed')
    m.log(`cannot read the outbox: ${(err as Error).message}`)
  } finally {
    rt.pumping = false
  }
}

async function pumpOnce (m: Messenger, rt: FriendRuntime): Promise<void> {
  const link = rt.link
  while (link !== null && link.ready && !link.closed && rt.link === link && rt.sentUpTo < rt.persistedSeq) {
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
    rt.sentUpTo = batch[batch.length - 1].seq
    if (m.wantsEvents) m.emitEvent({ type: 'sent', friend: rt.hex, upTo: rt.sentUpTo, ids: batch.map((r) => toHex(r.id)) })
    if (!ok) await link.drained()
  }
}

async function nextToSend (m: Messenger, rt: FriendRuntime): Promise<OutboxRecord[]> {
  const out: OutboxRecord[] = []
  for (let seq = rt.sentUpTo + 1; seq <= rt.persistedSeq && out.length < RESEND_CHUNK; seq++) {
    const rec = rt.outboxCache.get(seq)
    if (rec === undefined) break
    out.push(rec)
  }
  if (out.length > 0) return out
  return (await m.store.outbox(rt.rec.publicKey, rt.sentUpTo, RESEND_CHUNK)).filter((r) => r.seq <= rt.persistedSeq)
}

/**
 * Stores the next message from a friend: judged against recvUpTo (advanced at once, so calls
 * in seq order chain), written in the shared batch, announced once on disk. Direct delivery and
 * the mailbox both come through here, so a message arriving both ways is stored once.
 */
export function storeIncoming (m: Messenger, rt: FriendRuntime, msg: ChatMessage, onStored?: () => void, onFailed?: (err: Error) => void): IncomingVerdict {
  const verdict = judgeIncoming(msg.seq, rt.rec.recvUpTo)
  if (verdict !== 'store') return verdict
  const index = rt.rec.nextIndex++
  const sentAt = saneSentAt(msg.sentAt, m.now())
  if (sentAt !== msg.sentAt) m.count('clock-clamped')
  // A frame off the wire becomes the record by copying (no second encoding of the body).
  const bytes = msg.wire !== undefined && sentAt === msg.sentAt
    ? messageRecordFromFrame(msg.wire, false)
    : Records.message.encode({ outgoing: false, id: msg.id, seq: msg.seq, sentAt, kind: msg.kind, body: msg.body })
  rt.rec.recvUpTo = msg.seq
  rt.rec.unread++
  m.save(rt)
  const upTo = msg.seq
  // A hello may switch their stream while this write is in flight: the mark then counts the new one.
  const stream = rt.rec.recvStream
  m.writes.push([m.store.messageBytesOp(rt.rec.publicKey, index, bytes)], () => {
    if (rt.rec.recvStream === stream) rt.recvStored = Math.max(rt.recvStored, upTo)
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
export function onMessage (m: Messenger, rt: FriendRuntime, link: Link, msg: ChatMessage): void {
  if (hasResync(rt)) {
    const r = checkResync(rt, link, msg)
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
function skipKnown (m: Messenger, rt: FriendRuntime, link: Link, seq: number): void {
  m.count('duplicates-across-streams')
  rt.rec.recvUpTo = seq
  m.save(rt)
  const stream = rt.rec.recvStream
  // In the queue, so the mark never gets ahead of a message before it that is still being written.
  m.writes.push([], () => {
    if (rt.rec.recvStream === stream) rt.recvStored = Math.max(rt.recvStored, seq)
    scheduleReceipt(rt, link)
  })
}

/**
 * One receipt per burst, a few ms after the batch that stored the messages (like TCP's delayed
 * ack, shorter): the receipt then covers more, and does not wake the sender at the very moment
 * this side is delivering the message to its own clients (measured: p99 6.8 → 5.6 ms). If a
 * message of mine leaves first, the receipt rides along with it (see pumpOnce).
 */
function scheduleReceipt (rt: FriendRuntime, link: Link): void {
  if (rt.ackTimer !== null) return
  rt.ackTimer = setTimeout(() => {
    rt.ackTimer = null
    if (!link.closed) link.send(receiptFrame(rt))
  }, RECEIPT_DELAY_MS)
}

/** Sends the pending receipt now, on the link a message is about to take (one packet, one wake-up). */
function piggybackReceipt (rt: FriendRuntime, link: Link): void {
  if (rt.ackTimer === null) return
  clearTimeout(rt.ackTimer)
  rt.ackTimer = null
  link.send(receiptFrame(rt))
}

/** What I have stored of their stream, for them: a receipt names the stream it counts. */
export function receiptFrame (rt: FriendRuntime): Frame {
  return { type: 'receipt', upTo: rt.recvStored, stream: rt.rec.recvStream }
}

/** A receipt, or the resumption mark in hello: marks my messages up to it delivered. */
export function onReceipt (m: Messenger, rt: FriendRuntime, link: Link, receipt: Receipt): void {
  if (!sameStream(receipt.stream, rt.rec.sendStream)) {
    // Their count of a stream of mine that is not the current one (an old friendship's): never applied.
    m.count('receipts-other-stream')
    return
  }
  const verdict = judgeReceipt(receipt.upTo, rt.rec.ackedUpTo, rt.rec.lastSentSeq)
  if (verdict === 'protocol-error') {
    m.count('over-acks')
    link.destroy()
    return
  }
  if (verdict === 'stale') return
  const upTo = receipt.upTo
  const ids: string[] = []
  const wantIds = m.wantsEvents
  rt.outboxCache.dropUpTo(upTo, wantIds ? (rec) => ids.push(toHex(rec.id)) : undefined)
  rt.rec.ackedUpTo = upTo
  if (rt.sentUpTo < upTo) rt.sentUpTo = upTo
  // Rides with the next batch, as the outbox deletes below do.
  m.save(rt, true)
  const ops: Op[] = []
  while (rt.outboxRanges.length > 0 && rt.outboxRanges[0].seq + rt.outboxRanges[0].count - 1 <= upTo) {
    ops.push(m.store.outboxDelOp(rt.rec.publicKey, rt.outboxRanges.shift()!.seq))
  }
  // The receipt proves the friend has them on disk: report it now. Recording it here may wait
  // for the next batch; if it is lost in a crash, the messages go again and are acked again.
  m.writes.defer(ops)
  if (m.wantsEvents) m.emitEvent({ type: 'receipt', friend: rt.hex, upTo, ids })
  settleWaiters(rt)
}

/**
 * Resumption (docs/design.md, Delivery): a hello's stream fields. For what they send me, a stream
 * I do not know is counted from its base, and a base above my count (my state was rolled back)
 * skips what I will never get again. For what I send them, their mark acknowledges my stream
 * only if it names it; a mark beyond what I ever sent means my state was rolled back, so I go on
 * in a new stream. Resending what is unacknowledged is the caller's (pump).
 */
export function onHelloStreams (m: Messenger, rt: FriendRuntime, link: Link, hello: Hello): void {
  const theirs = judgeTheirStream(hello.stream, hello.base, rt.rec.recvStream, rt.rec.recvUpTo)
  if (theirs === 'adopt') {
    beginResync(m, rt, rt.rec.recvUpTo, hello.base, (l, msg) => onMessage(m, rt, l, msg))
    // A copy: the decoded field is a view into the received chunk.
    rt.rec.recvStream = Buffer.from(hello.stream)
    rt.rec.recvUpTo = hello.base
    rt.recvStored = hello.base
    m.count('streams-adopted')
    m.save(rt)
  } else if (theirs === 'skip-gap') {
    m.count('receive-gaps-skipped')
    m.log(`${rt.rec.name || rt.hex.slice(0, 12)}: messages ${rt.rec.recvUpTo + 1}..${hello.base} were stored here before and are gone (a restored profile?)`)
    rt.rec.recvUpTo = hello.base
    rt.recvStored = Math.max(rt.recvStored, hello.base)
    m.save(rt)
  }
  switch (judgeMark(hello.recvStream, hello.recvUpTo, rt.rec.sendStream, rt.rec.ackedUpTo, rt.rec.lastSentSeq)) {
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
 * They hold more of my stream than I ever sent: this profile was restored from an older copy.
 * My seqs above ackedUpTo may mean other messages than theirs, so what is unacknowledged goes
 * again in a new stream, which they count from my ackedUpTo.
 */
function restartSendStream (m: Messenger, rt: FriendRuntime, link: Link): void {
  m.count('send-streams-restarted')
  m.log(`${rt.rec.name || rt.hex.slice(0, 12)} has more of my messages than I sent (a restored profile?): going on in a new stream`)
  rt.rec.sendStream = randomBytes(STREAM_ID_BYTES)
  rt.sentUpTo = rt.rec.ackedUpTo
  m.save(rt)
  link.send(m.hello(rt))
}

function settleWaiters (rt: FriendRuntime): void {
  if (rt.waiters.length === 0) return
  rt.waiters = rt.waiters.filter((w) => {
    if (w.seq > rt.rec.ackedUpTo) return true
    w.resolve(true)
    return false
  })
}

export function waitDelivered (m: Messenger, rt: FriendRuntime, seq: number, timeoutMs: number): Promise<boolean> {
  if (seq <= rt.rec.ackedUpTo) return Promise.resolve(true)
  return new Promise((resolve) => {
    const waiter = { seq, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok) } }
    const timer = setTimeout(() => {
      rt.waiters = rt.waiters.filter((w) => w !== waiter)
      resolve(false)
    }, Math.max(0, timeoutMs))
    rt.waiters.push(waiter)
  })
}

export function historyEntry (rt: FriendRuntime, r: MessageRecord, index: number): HistoryEntry {
  return {
    id: toHex(r.id),
    seq: r.seq,
    from: r.outgoing ? 'me' : rt.hex,
    text: r.body,
    kind: r.kind,
    sentAt: r.sentAt,
    state: r.outgoing ? deliveryState(r.seq, rt.rec.ackedUpTo, rt.sentUpTo) : 'delivered',
    index,
    // Mine without a seq in this device's stream: another device of mine sent it (docs/devices.md).
    ...(r.outgoing && r.seq === 0 ? { elsewhere: true as const } : {})
  }
}

export async function history (m: Messenger, rt: FriendRuntime, limit: number, before?: number): Promise<HistoryEntry[]> {
  const rows = await m.store.history(rt.rec.publicKey, limit, before)
  return rows.map((r) => historyEntry(rt, r, r.index))
}
