/**
 * One connection to a relay's mailbox: request/answer over the `psst-mailbox/1` channel. Used by
 * the daemon (as depositor under a pseudonym key, and as owner under its identity key), by tests
 * and by the bench. Requests wait for the channel to open; every request ends in an answer, a
 * timeout, or the connection closing — never hangs.
 */
import type { PeerStream } from '../net/peer-stream.js'
import type { Answer, Page, MailboxFrame } from '../wire/mailbox.js'
import { openMailboxChannel, type MailboxChannel } from './channel.js'
import { PsstError } from '../errors.js'

export const MAILBOX_REQUEST_TIMEOUT_MS = 30_000

interface Pending { resolve: (v: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout, expect: 'answer' | 'page' }

export interface MailboxClientOptions {
  /** Called when the relay says new mail arrived for the key this connection registered. */
  onNotify?: (held: number) => void
  timeoutMs?: number
}

export class MailboxClient {
  readonly stream: PeerStream
  readonly #channel: MailboxChannel
  readonly #pending = new Map<number, Pending>()
  readonly #waiting: Array<() => void> = []
  readonly #closeFns: Array<() => void> = []
  readonly #timeoutMs: number
  readonly #onNotify: (held: number) => void
  #nextRid = 1
  #open = false
  #closed = false
  /** Frames from the relay that were malformed or unexpected. */
  dropped = 0

  constructor (stream: PeerStream, opts: MailboxClientOptions = {}) {
    this.stream = stream
    this.#timeoutMs = opts.timeoutMs ?? MAILBOX_REQUEST_TIMEOUT_MS
    this.#onNotify = opts.onNotify ?? (() => {})
    stream.on('error', () => {})
    stream.on('close', () => this.#onClosed())
    this.#channel = openMailboxChannel(stream, {
      onOpen: () => { this.#open = true; for (const go of this.#waiting.splice(0)) go() },
      onClose: () => stream.destroy(),
      onFrame: (f) => this.#onFrame(f),
      onDrop: () => { this.dropped++ }
    })
  }

  get closed (): boolean { return this.#closed }
  get inFlight (): number { return this.#pending.size }

  /** Resolves true once the relay opened the channel, false if the connection died first. */
  opened (): Promise<boolean> {
    if (this.#open) return Promise.resolve(true)
    if (this.#closed) return Promise.resolve(false)
    return new Promise((resolve) => {
      this.#waiting.push(() => resolve(!this.#closed))
    })
  }

  register (invite = ''): Promise<Answer> {
    return this.#request((rid) => ({ type: 'register', rid, invite: Buffer.from(invite, 'utf8') }), 'answer')
  }

  /** Replaces my set of deposit capability keys at the relay (one per friend). */
  caps (keys: Buffer[]): Promise<Answer> { return this.#request((rid) => ({ type: 'caps', rid, keys }), 'answer') }
  unregister (): Promise<Answer> { return this.#request((rid) => ({ type: 'unregister', rid }), 'answer') }
  deposit (owner: Buffer, envelope: Buffer): Promise<Answer> {
    return this.#request((rid) => ({ type: 'deposit', rid, owner, envelope }), 'answer')
  }

  fetch (after: number, limit: number): Promise<Page> {
    return this.#request((rid) => ({ type: 'fetch', rid, after, limit }), 'page')
  }

  delete (ids: number[]): Promise<Answer> { return this.#request((rid) => ({ type: 'delete', rid, ids }), 'answer') }

  onClose (fn: () => void): void {
    if (this.#closed) fn()
    else this.#closeFns.push(fn)
  }

  close (): void {
    this.stream.destroy()
  }

  async #request<T> (make: (rid: number) => MailboxFrame, expect: Pending['expect']): Promise<T> {
    if (!await this.opened()) throw closedError()
    const rid = this.#nextRid++
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(rid)
        reject(new PsstError('TIMEOUT', 'the relay did not answer in time'))
      }, this.#timeoutMs)
      timer.unref()
      this.#pending.set(rid, { resolve, reject, timer, expect })
      if (!this.#channel.send(make(rid)) && this.#channel.closed) this.#settle(rid, null, closedError())
    })
  }

  #onFrame (f: MailboxFrame): void {
    if (f.type === 'notify') return this.#onNotify(f.held)
    if (f.type !== 'answer' && f.type !== 'page') { this.dropped++; return }
    const p = this.#pending.get(f.rid)
    if (p === undefined) { this.dropped++; return }
    // A fetch refused (e.g. not registered) comes back as an answer instead of a page.
    if (f.type === 'answer' && p.expect === 'page') {
      return this.#settle(f.rid, null, new PsstError(f.code === 'rate-limited' ? 'RATE_LIMITED' : 'QUOTA', `the relay refused: ${f.code}`))
    }
    if (f.type === 'page' && p.expect !== 'page') { this.dropped++; return }
    const { type: _t, ...value } = f
    this.#settle(f.rid, value, null)
  }

  #settle (rid: number, value: unknown, err: Error | null): void {
    const p = this.#pending.get(rid)
    if (p === undefined) return
    this.#pending.delete(rid)
    clearTimeout(p.timer)
    if (err !== null) p.reject(err)
    else p.resolve(value)
  }

  #onClosed (): void {
    if (this.#closed) return
    this.#closed = true
    for (const go of this.#waiting.splice(0)) go()
    for (const rid of [...this.#pending.keys()]) this.#settle(rid, null, closedError())
    for (const fn of this.#closeFns.splice(0)) fn()
  }
}

function closedError (): PsstError {
  return new PsstError('TIMEOUT', 'the connection to the relay closed')
}
