/**
 * A client that outlives its daemon (psst chat, psst watch): when the socket closes it says so,
 * connects again (which starts the daemon when autostart allows), subscribes again with the same
 * handler, and says it is back. Calls made meanwhile wait for the connection instead of failing,
 * so a line typed during a restart is sent once the daemon is back.
 */
import type { Method, Params, Result, PsstEvent, EventType } from './api.js'
import { connect, type Client, type ConnectOptions } from './control-client.js'
import { PsstError } from '../errors.js'

export type ConnectionState = 'reconnecting' | 'connected'

export interface ResilientClient extends Client {
  /** Told when the daemon went away ('reconnecting', with why) and when the client is back ('connected'). */
  onConnection (fn: (state: ConnectionState, detail?: string) => void): void
}

const FIRST_RETRY_MS = 200
const MAX_RETRY_MS = 3000
/** A call made while disconnected fails after this long (the chat shows why; nothing is lost). */
const CALL_WAIT_MS = 60_000

export async function connectResilient (opts: ConnectOptions): Promise<ResilientClient> {
  const first = await connect(opts)
  // Later connections start the daemon silently: the client itself tells the user it reconnected.
  return new Resilient({ ...opts, onStarted: undefined }, first)
}

class Resilient implements ResilientClient {
  #cur: Client | null
  #closed = false
  #sub: { onEvent: (e: PsstEvent) => void, types?: EventType[] } | null = null
  #waiters: Array<() => void> = []
  #stateFns: Array<(state: ConnectionState, detail?: string) => void> = []

  constructor (readonly opts: ConnectOptions, first: Client) {
    this.#cur = first
    this.#watch(first)
  }

  #watch (client: Client): void {
    client.onClose(() => {
      if (this.#closed || this.#cur !== client) return
      this.#cur = null
      this.#emit('reconnecting', 'the daemon closed the connection')
      void this.#reconnect()
    })
  }

  async #reconnect (): Promise<void> {
    let delay = FIRST_RETRY_MS
    let last = ''
    while (!this.#closed) {
      await new Promise((resolve) => setTimeout(resolve, delay))
      if (this.#closed) return
      try {
        const client = await connect(this.opts)
        if (this.#closed) { await client.close(); return }
        if (this.#sub !== null) await client.subscribe(this.#sub.onEvent, this.#sub.types)
        this.#cur = client
        this.#watch(client)
        for (const w of this.#waiters.splice(0)) w()
        this.#emit('connected')
        return
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err)
        // Said once per distinct reason, not on every retry.
        if (why !== last) this.#emit('reconnecting', why)
        last = why
        delay = Math.min(MAX_RETRY_MS, delay * 2)
      }
    }
  }

  #emit (state: ConnectionState, detail?: string): void {
    for (const fn of this.#stateFns) {
      try { fn(state, detail) } catch {}
    }
  }

  async #client (): Promise<Client> {
    if (this.#closed) throw new PsstError('NO_DAEMON', 'the connection is closed')
    if (this.#cur !== null) return this.#cur
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done)
        reject(new PsstError('NO_DAEMON', 'the daemon is not back yet; try again in a moment'))
      }, CALL_WAIT_MS)
      const done = (): void => { clearTimeout(timer); resolve() }
      this.#waiters.push(done)
    })
    return await this.#client()
  }

  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    return await (await this.#client()).call(method, params)
  }

  async subscribe (onEvent: (e: PsstEvent) => void, types?: EventType[]): Promise<void> {
    this.#sub = { onEvent, types }
    await (await this.#client()).subscribe(onEvent, types)
  }

  onConnection (fn: (state: ConnectionState, detail?: string) => void): void { this.#stateFns.push(fn) }

  /** Only when this client is closed: a lost daemon is reconnected, not reported here. */
  onClose (_fn: () => void): void {}

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const w of this.#waiters.splice(0)) w()
    await this.#cur?.close()
    this.#cur = null
  }
}
