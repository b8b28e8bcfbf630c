/**
 * Our side of the typing indicator: `typing: true` once when we start composing to a friend, `false`
 * after 3 s without a keystroke, when the line is sent or emptied, or when we leave the window.
 */
import type { ChatClient } from './client.js'

export const TYPING_IDLE_MS = 3000

export interface Timers {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (t: unknown) => void
}

export class TypingNotifier {
  #to: string | null = null
  #timer: unknown = null

  constructor (readonly client: ChatClient, readonly timers: Timers, readonly closed: () => boolean) {}

  /** The friend we told we are typing to, if any. */
  get target (): string | null { return this.#to }

  /** Called after every edit: `friend` is who we are composing to, or null (a command, or nothing). */
  update (friend: string | null): void {
    if (friend === null) { this.stop(); return }
    if (this.#to !== friend) {
      this.stop()
      this.#to = friend
      this.#send(friend, true)
    }
    if (this.#timer !== null) this.timers.clearTimeout(this.#timer)
    this.#timer = this.timers.setTimeout(() => { this.#timer = null; this.stop() }, TYPING_IDLE_MS)
  }

  stop (): void {
    if (this.#timer !== null) { this.timers.clearTimeout(this.#timer); this.#timer = null }
    const to = this.#to
    if (to === null) return
    this.#to = null
    this.#send(to, false)
  }

  #send (friend: string, typing: boolean): void {
    if (this.closed()) return
    // best effort: a lost typing notice is not worth a line on the screen
    this.client.call('typing', { friend, typing }).catch(() => {})
  }
}
