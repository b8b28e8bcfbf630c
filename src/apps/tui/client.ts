/**
 * What the TUI needs from the daemon's control client (src/daemon/control-client.ts implements it).
 * Defined here as the subset the TUI uses, so unit tests can pass a fake.
 */
import type { Method, Params, PsstEvent, Result } from '../../daemon/api.js'

export type {
  DeliveryState, DhtInfo, FriendInfo, HistoryEntry, IdInfo, Method, Params, Presence, PsstEvent, RequestInfo, Result,
  SendResult
} from '../../daemon/api.js'

export interface ChatClient {
  /** One request; rejects with a PsstError. */
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>>
  /** Starts the event stream; events arrive through `onEvent` until the connection closes. */
  subscribe(onEvent: (e: PsstEvent) => void): Promise<void>
  /** Called once when the daemon connection closes (not after `close()`). */
  onClose(fn: () => void): void
  /**
   * A client that reconnects by itself (src/daemon/resilient-client.ts) reports here instead of
   * closing: 'reconnecting' when the daemon went away, 'connected' once it is back and subscribed.
   */
  onConnection?(fn: (state: 'reconnecting' | 'connected', detail?: string) => void): void
  /** Ends the connection; may return a promise (the control client's does). */
  close(): void | Promise<void>
}
