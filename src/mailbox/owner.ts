/**
 * The owner's side of a mailbox (docs/relay.md): a connection to my relay under my identity key
 * (Noise proves it is me), `register`, then fetch pages, open each envelope, store what is next in
 * order through the same dedupe rule as direct delivery, and delete from the relay only what is
 * on disk (or was already there). The connection stays open: the relay says `notify` when mail
 * arrives, and it is redialled with backoff when it drops. After registering, and whenever my
 * friends change, it sends the relay my friends' deposit capability keys (`caps`): only those
 * keys may deposit for me, and a removed friend's key is revoked.
 */
import type { Messenger } from '../contacts/messenger.js'
import type { Peer } from '../contacts/peer.js'
import type { ChatMessage } from '../wire/frames.js'
import type { HeldItem } from '../wire/mailbox.js'
import { MailboxClient } from './client.js'
import { openEnvelope } from './envelope.js'
import { storeIncoming, receiptFrame } from '../chat/delivery.js'
import { dedupeIdsPending, skipKnownFromMailbox } from '../chat/resync.js'
import { sameStream, type IncomingVerdict } from '../streams/decide.js'
import { redialDelay } from '../net/backoff.js'
import { toHex, keyPairFromSeed } from '../crypto/identity.js'
import { depositCapabilitySeed } from '../crypto/seal.js'
import { cryptoReady } from '../crypto/sodium.js'

const PAGE_ITEMS = 256
/** Passes over the mailbox per fetch: a pass that stored something may unblock items left out of order. */
const MAX_PASSES = 4

export interface FetchSummary { stored: number, duplicates: number, junk: number, left: number }

/**
 * Stores one message that came by mailbox through the same path as direct delivery. No receipt
 * here: the sender learns it from my next receipt or hello. Resolves once a stored one is on disk.
 */
export async function acceptFromMailbox (m: Messenger, rt: Peer, msg: ChatMessage): Promise<IncomingVerdict> {
  // While their replaced stream is deduplicated, a resent message I hold is skipped here too
  // (the calls of a page all wait for the same read, so they still run in seq order).
  const reading = dedupeIdsPending(rt)
  if (reading !== null) await reading
  const skipped = skipKnownFromMailbox(m, rt, msg)
  if (skipped !== null) {
    await skipped
    m.count('mailbox-duplicates')
    return 'duplicate'
  }
  let resolve = (): void => {}
  let reject = (_err: Error): void => {}
  const stored = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  const verdict = storeIncoming(m, rt, msg, () => { m.count('mailbox-stored'); resolve() }, (err) => reject(err))
  if (verdict === 'store') await stored
  if (verdict === 'duplicate') m.count('mailbox-duplicates')
  if (verdict === 'out-of-order') m.count('mailbox-out-of-order')
  return verdict
}

/** One fetch: pages until the relay has nothing more I can store now. */
export async function fetchAll (m: Messenger, client: MailboxClient): Promise<FetchSummary> {
  await cryptoReady()
  const total: FetchSummary = { stored: 0, duplicates: 0, junk: 0, left: 0 }
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const sum: FetchSummary = { stored: 0, duplicates: 0, junk: 0, left: 0 }
    let after = 0
    for (;;) {
      const page = await client.fetch(after, PAGE_ITEMS)
      if (page.items.length === 0) break
      after = page.items[page.items.length - 1].id
      await applyPage(m, client, page.items, sum)
      if (!page.more) break
    }
    total.stored += sum.stored
    total.duplicates += sum.duplicates
    total.junk += sum.junk
    total.left = sum.left
    if (sum.left === 0 || sum.stored === 0) break
  }
  return total
}

async function applyPage (m: Messenger, client: MailboxClient, items: HeldItem[], sum: FetchSummary): Promise<void> {
  const done: number[] = []
  const byFriend = new Map<Peer, Array<{ id: number, msg: ChatMessage }>>()
  for (const item of items) {
    const opened = openEnvelope(m.keyPair, item.envelope)
    const rt = opened === null ? undefined : m.friends.get(toHex(opened.from))
    if (opened === null || rt === undefined || rt.rec.state !== 'friends') {
      // Not for me, forged, or from no friend: nothing to keep (docs/reliability.md, policy 3).
      m.count('mailbox-junk')
      sum.junk++
      done.push(item.id)
      continue
    }
    if (!sameStream(opened.stream, rt.in.id)) {
      // Kept from another friendship of ours (or a stream of theirs I have not heard of yet): their
      // outbox still holds whatever is current, so dropping it loses nothing (docs/design.md, Delivery).
      m.count('mailbox-other-stream')
      sum.junk++
      done.push(item.id)
      continue
    }
    let list = byFriend.get(rt)
    if (list === undefined) { list = []; byFriend.set(rt, list) }
    list.push({ id: item.id, msg: opened.message })
  }
  const writes: Array<Promise<void>> = []
  for (const [rt, list] of byFriend) {
    list.sort((a, b) => a.msg.seq - b.msg.seq)
    for (const { id, msg } of list) {
      // Called in seq order without awaiting: each call moves recvUpTo, so the next one chains.
      writes.push(acceptFromMailbox(m, rt, msg).then((verdict) => {
        if (verdict === 'out-of-order') { sum.left++; return }
        if (verdict === 'store') sum.stored++
        else sum.duplicates++
        done.push(id)
      }))
    }
  }
  await Promise.all(writes)
  for (const rt of byFriend.keys()) {
    if (rt.link !== null && rt.link.ready && !rt.link.closed) rt.link.send(receiptFrame(rt))
  }
  // Delete only after the writes above are on disk (Signal: the server deletes after the client acks).
  for (let i = 0; i < done.length; i += 1024) await client.delete(done.slice(i, i + 1024))
}

/** A live registration at my relay: fetches on connect and on every notify; redials when dropped. */
export class OwnerSession {
  readonly relay: Buffer
  readonly #m: Messenger
  readonly #invite: () => string
  readonly #admitted: () => void
  /** Capability keys by friend (hex): derived once per friend, never stored. */
  readonly #caps = new Map<string, Buffer>()
  #capsSent = ''
  #capsSending: Promise<void> | null = null
  #capsAgain = false
  #refused = false
  #registered = false
  #client: MailboxClient | null = null
  #timer: NodeJS.Timeout | null = null
  #attempts = 0
  #fetching: Promise<FetchSummary> | null = null
  #again = false
  #closed = false

  constructor (m: Messenger, relay: Buffer, invite: () => string = () => '', admitted: () => void = () => {}) {
    this.#m = m
    this.relay = relay
    this.#invite = invite
    this.#admitted = admitted
  }

  /** Sends my friends' capability keys when they differ from what the relay has (once at a time). */
  syncCaps (): void {
    const client = this.#client
    if (client === null || client.closed) return
    if (this.#capsSending !== null) { this.#capsAgain = true; return }
    this.#capsSending = this.#sendCaps(client).catch((err) => {
      this.#m.log(`mailbox: could not update deposit capabilities: ${(err as Error).message}`)
    }).finally(() => {
      this.#capsSending = null
      if (this.#capsAgain) { this.#capsAgain = false; this.syncCaps() }
    })
  }

  async #sendCaps (client: MailboxClient): Promise<void> {
    await cryptoReady()
    const m = this.#m
    const keys: Buffer[] = []
    for (const rt of m.friends.values()) {
      if (rt.rec.state !== 'friends') continue
      let cap = this.#caps.get(rt.hex)
      if (cap === undefined) {
        cap = keyPairFromSeed(depositCapabilitySeed(m.profile.secretKey, rt.rec.publicKey, m.profile.publicKey, this.relay)).publicKey
        this.#caps.set(rt.hex, cap)
      }
      keys.push(cap)
    }
    const digest = keys.map((k) => toHex(k)).sort().join('')
    if (digest === this.#capsSent) return
    const answer = await client.caps(keys)
    if (answer.code !== 'ok') throw new Error(`the relay refused: ${answer.code}`)
    this.#capsSent = digest
    m.count('mailbox-caps-sent')
    m.emit('mailbox-caps', answer.value)
  }

  /** The relay accepted my registration on the connection that is open now. */
  get registered (): boolean { return this.#registered && this.connected }

  /** The relay does not admit me (its --owners policy); a new invite is needed. */
  get refused (): boolean { return this.#refused }

  get connected (): boolean { return this.#client !== null && !this.#client.closed }

  start (): void { this.#connect() }

  /** Fetches now (or once more after the fetch that is running); resolves with what it stored. */
  fetch (): Promise<FetchSummary> {
    if (this.#fetching !== null) { this.#again = true; return this.#fetching }
    const client = this.#client
    if (client === null || client.closed) return Promise.resolve({ stored: 0, duplicates: 0, junk: 0, left: 0 })
    this.#fetching = (async () => {
      let sum: FetchSummary = { stored: 0, duplicates: 0, junk: 0, left: 0 }
      do {
        this.#again = false
        sum = await fetchAll(this.#m, client)
        if (sum.stored > 0) this.#m.log(`mailbox: ${sum.stored} messages fetched from relay ${toHex(this.relay).slice(0, 12)}`)
      } while (this.#again && !client.closed)
      return sum
    })().catch((err) => {
      this.#m.count('mailbox-fetch-errors')
      this.#m.log(`mailbox fetch failed: ${(err as Error).message}`)
      return { stored: 0, duplicates: 0, junk: 0, left: 0 }
    }).finally(() => { this.#fetching = null })
    return this.#fetching
  }

  /** Drains what is held, then tells the relay to forget me (mailbox clear / change). */
  async unregister (): Promise<void> {
    const client = this.#client
    if (client === null || client.closed) return
    await this.fetch()
    await client.unregister().catch(() => {})
  }

  close (): void {
    this.#closed = true
    if (this.#timer) clearTimeout(this.#timer)
    this.#client?.close()
    this.#client = null
  }

  #connect (): void {
    const m = this.#m
    if (this.#closed || this.#refused || m.closing || m.dht === null) return
    let client: MailboxClient
    try {
      client = new MailboxClient(m.dht.connect(this.relay, m.keyPair), { onNotify: () => { void this.fetch() } })
    } catch {
      return this.#retry()
    }
    this.#client = client
    client.onClose(() => {
      if (this.#client === client) {
        this.#client = null
        this.#registered = false
      }
      this.#capsSent = ''
      this.#retry()
    })
    void this.#register(client)
  }

  async #register (client: MailboxClient): Promise<void> {
    const m = this.#m
    try {
      const answer = await client.register(this.#invite())
      if (answer.code !== 'ok') {
        m.count(`mailbox-register-${answer.code}`)
        if (answer.code === 'not-admitted') {
          // Asking again without a new invite cannot succeed: stop until `mailbox set` is run again.
          this.#refused = true
          m.emitEvent({ type: 'warning', message: `your mailbox relay ${toHex(this.relay).slice(0, 12)} does not admit you: ask its operator for an invite (psst relay invite) and run psst mailbox set ${toHex(this.relay)} --invite CODE` })
        } else {
          m.emitEvent({ type: 'warning', message: `your mailbox relay refused to register you: ${answer.code}` })
        }
        client.close()
        return
      }
      this.#admitted()
      this.#registered = true
      this.#attempts = 0
      this.syncCaps()
      m.count('mailbox-registered')
      m.emit('mailbox-registered', toHex(this.relay))
      await this.fetch()
    } catch {
      client.close()
    }
  }

  #retry (): void {
    if (this.#closed || this.#refused || this.#m.closing || this.#timer !== null) return
    this.#timer = setTimeout(() => { this.#timer = null; this.#connect() }, redialDelay(this.#attempts++, this.#m.random()))
    this.#timer.unref()
  }
}
