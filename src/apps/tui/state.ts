/** The TUI's whole view state, shared by the controller (which changes it) and view.ts (which draws it). */
import type { DhtInfo, Presence } from './client.js'
import type { Glyphs } from './format.js'
import type { FriendBook } from './friends.js'
import type { TransferBoard } from './transfers.js'
import type { WindowList } from './windows.js'
import type { GroupBook } from './groups.js'

export interface Me {
  id: string
  publicKey: string
  name: string
  status: Presence
  statusMessage: string
}
export interface ChatState {
  title: string | undefined
  me: Me | null
  dht: DhtInfo['state'] | 'unknown'
  dhtAddress: string | null
  /** False once the daemon connection is gone. */
  connected: boolean
  windows: WindowList
  book: FriendBook
  groups: GroupBook
  glyphs: Glyphs
  settings: ChatSettings
  /** File transfers running now (their lines and the status bar's summary). */
  transfers: TransferBoard
}

/** What `/set` changes for this session (defaults from `psst chat` flags and the environment). */
export interface ChatSettings {
  /** A desktop notification (notify-send) for a message to a window you are not looking at. */
  notify: boolean
  /** strftime-like format of line times: %H:%M by default. */
  timestamp: string
}
