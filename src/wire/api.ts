/**
 * The control protocol between a profile's daemon and its clients (CLI, TUI, bench, tests).
 * Transport: `<home>/control.sock`, newline-delimited JSON.
 *   request  {"id": 1, "method": "send", "params": {...}}
 *   response {"id": 1, "result": ...}  or  {"id": 1, "error": {"code": "NOT_FRIEND", "message": "..."}}
 *   after a `subscribe` request: {"event": {...PsstEvent}} lines, unsolicited, until the socket closes.
 * JSON shapes follow docs/design.md, CLI and JSON shapes: public keys are 64 lower-case hex, times are ms since the epoch.
 */

export type Presence = 'online' | 'away' | 'busy'
export type DeliveryState = 'queued' | 'sent' | 'delivered'
/** 'file': an offer (its text is the encoded manifest; `psst file list` shows it readably). */
export type MessageKind = 'text' | 'action' | 'file'

export interface IdInfo {
  id: string
  publicKey: string
  nospam: string
  name: string
  /** How friends see me: presence and status message. */
  status: Presence
  statusMessage: string
  protection?: Protection
}

/** How the profile on disk is protected, from its header (`psst id`). */
export interface Protection {
  encrypted: boolean
  /** Argon2id parameters of an encrypted profile; `strength` names libsodium's set they match. */
  kdf: { algorithm: 'argon2id', strength: 'interactive' | 'moderate' | 'sensitive' | 'custom', opslimit: number, memlimit: number } | null
}

export interface FriendInfo {
  publicKey: string
  /**
   * "friends"; "request-sent" while our request waits for an answer; "key-added" when I added
   * their public key alone and wait for them to add mine.
   */
  state: 'friends' | 'request-sent' | 'key-added'
  /** The name they chose. */
  name: string
  /** The name I chose for them ('' when none): shown and matched before `name`. */
  alias?: string
  /** Their recent name changes, oldest first (at: ms since the epoch). */
  renames?: Array<{ at: number, from: string, to: string }>
  /** Set when this friend's name or key start looks like another friend's: shown with the key. */
  lookalike?: string
  online: boolean
  status: Presence
  statusMessage: string
  lastSeen: number
  /** Messages from this friend not yet marked read by a client. */
  unread: number
  /** Public key of the relay this friend says keeps their mail, or null. */
  mailbox: string | null
  /**
   * While online, how the link runs: `lan` to the address the friend's LAN beacon gave, `relay`
   * through a blind relay, `direct` otherwise (holepunched or reachable).
   */
  via?: 'direct' | 'relay' | 'lan'
  /** Their avatar as received (a PNG or JPEG file in the profile), or null; always set by `friends`. */
  avatar?: string | null
}

/** `psst avatar set|show --json`. */
export interface AvatarInfo {
  /** The stored copy that friends are sent, or null when none is set. */
  path: string | null
  /** Its id: the first 16 bytes of its BLAKE2b-256, in hex (what a friend who has it already skips on). */
  fileId: string | null
  size: number
}

export interface RequestInfo {
  publicKey: string
  name: string
  message: string
  receivedAt: number
  /** Set when the requester looks like an existing friend (same name or key prefix): check before accepting. */
  lookalike?: string
}

export interface BlockedInfo { publicKey: string, name: string, declined: boolean, at: number }

export interface OutgoingRequestInfo { publicKey: string, message: string, sentAt: number }

export interface SendResult { id: string, seq: number, state: DeliveryState, duplicate?: boolean }

export interface HistoryEntry {
  id: string
  seq: number
  /** "me" or the friend's public key. */
  from: string
  text: string
  kind: MessageKind
  sentAt: number
  /** For messages from me: queued | sent | delivered. For received ones: always "delivered". */
  state: DeliveryState
  /** Position in the local history of this friendship; pass as `before` to page backwards. */
  index: number
  /** Set on a message of mine that another of my devices sent (docs/devices.md). */
  elsewhere?: true
}

/** One device of my identity (`psst device list`). */
export interface DeviceInfo {
  deviceKey: string
  name: string
  /** The device this daemon runs on. */
  current: boolean
  /** ms since the epoch; now for a device online or current. */
  lastSeen: number
}

/**
 * A page of history, oldest first. `next`: pass it as `before` (as `after` when this page was asked
 * with `after`) for the following page; null when there is none in that direction.
 */
export interface HistoryPage { entries: HistoryEntry[], next: number | null }

export interface DhtInfo {
  state: 'offline' | 'bootstrapping' | 'online'
  host: string | null
  port: number | null
  bootstrap: string[]
  /** DHT requests this daemon has sent since it started (the bench's dht_requests_per_s_100_friends). */
  requests?: number
}

/**
 * The daemon's network settings: null = the default (hyperdht's public bootstrap nodes; the bind
 * address chosen from the bootstrap list). Stored in the profile; a flag or env var overrides.
 */
export interface NetworkSettings {
  bootstrap: string | null
  dhtHost: string | null
  /** LAN discovery (docs/design.md, LAN discovery); omitted = on. `--no-lan` turns it off for one run. */
  lan?: boolean
}

/**
 * How much history one friend's conversation keeps (docs/reliability.md, History caps): past a
 * cap the oldest messages are pruned. null = the default; 0 = no cap. Applies at once.
 */
export interface HistoryCaps { historyMaxBytes: number | null, historyMaxMessages: number | null }

/** Everything `psst config` shows and sets. */
export type Settings = NetworkSettings & HistoryCaps

export interface DaemonStatus {
  running: boolean
  /** What this daemon runs with (stored settings, or the flags it was started with). */
  network: NetworkSettings
  pid: number
  publicKey: string
  dht: DhtInfo
  friendsOnline: number
  /** Set while many unknown keys send friend requests at once (ms timestamps); see REQUEST_FLOOD_ADVICE. */
  requestFlood?: { since: number, last: number }
  /** Counters of dropped or refused input; see docs/reliability.md. */
  counters: Record<string, number>
  /** Whether the profile can be written ("full": the disk is full; messages are refused until it is not). */
  storage?: StorageInfo
  /** Friends whose history passed its cap since the daemon started: their oldest messages were pruned. */
  historyPruned?: HistoryPruned[]
}

export interface HistoryPruned {
  friend: string
  name: string
  /** Messages and bytes pruned since the daemon started; `since`: the first prune (ms since the epoch). */
  messages: number
  bytes: number
  since: number
}

export interface StorageInfo {
  state: 'ok' | 'full' | 'failed'
  /** One line for people; empty when ok. */
  message: string
  /** When the state last changed (ms since the epoch; 0 since start). */
  since: number
}

export interface MailboxInfo {
  relay: string | null
  /** The running daemon's standing at that relay (absent when no daemon runs or no relay is set). */
  registration?: 'registered' | 'connecting' | 'not-admitted'
}

/** Methods and their params/results. */
export interface Methods {
  id: { params: Record<string, never>, result: IdInfo }
  nospam: { params: { new?: boolean }, result: IdInfo }
  status: { params: Record<string, never>, result: DaemonStatus }
  stop: { params: Record<string, never>, result: { stopping: true } }
  /** `id` is a psst ID (sends a request) or a 64-hex public key alone (no request: see FriendInfo.state). */
  add: { params: { id: string, message?: string }, result: { publicKey: string, state: 'request-sent' | 'friends' | 'key-added' } }
  requests: { params: Record<string, never>, result: RequestInfo[] }
  /** `psst requests on|off`: whether friend requests can reach me (sets it when `open` is given; stored). */
  requestsOpen: { params: { open?: boolean }, result: { open: boolean } }
  /** A request with a `lookalike` warning is refused (LOOKALIKE) unless `force`. */
  accept: { params: { friend: string, force?: boolean }, result: FriendInfo }
  /** Sets (a string), clears (null) or just reads (absent) the name I chose for a friend. */
  alias: { params: { friend: string, alias?: string | null }, result: FriendInfo }
  decline: { params: { friend: string }, result: { publicKey: string } }
  friends: { params: Record<string, never>, result: FriendInfo[] }
  remove: { params: { friend: string }, result: { publicKey: string } }
  block: { params: { key: string }, result: { publicKey: string } }
  unblock: { params: { key: string }, result: { publicKey: string } }
  /** Blocked keys and declined requesters (`declined`: only declined; its requests are dropped unseen). */
  blocked: { params: Record<string, never>, result: BlockedInfo[] }
  nick: { params: { name: string }, result: IdInfo }
  setStatus: { params: { status: Presence, message?: string }, result: { status: Presence, statusMessage: string } }
  send: { params: { friend: string, text: string, action?: boolean }, result: SendResult }
  /**
   * `txn` makes the call idempotent: texts[i] carries transaction number first+i of the client's
   * session; numbers the daemon already stored for that session are skipped (their result has
   * `duplicate: true`), so a client may resend a batch after losing its daemon.
   */
  sendMany: { params: { friend: string, texts: string[], action?: boolean, txn?: { session: string, first: number } }, result: SendResult[] }
  /** Drops the connection to one friend (or all) so it is made again: resumption in action. */
  reconnect: { params: { friend?: string }, result: { dropped: number } }
  /** Resolves when my messages up to `seq` are delivered, or when the timeout passes (delivered: false). */
  waitDelivered: { params: { friend: string, seq: number, timeoutMs: number }, result: { delivered: boolean } }
  /** The last `limit` entries before `before`; fewer when they pass the page's byte bound (use historyPage to go on). */
  history: { params: { friend: string, limit?: number, before?: number }, result: HistoryEntry[] }
  /** A page backwards from `before` (default: the newest), or forwards from `after`; `next` continues it. */
  historyPage: { params: { friend: string, limit?: number, before?: number, after?: number }, result: HistoryPage }
  markRead: { params: { friend: string }, result: { unread: 0 } }
  typing: { params: { friend: string, typing: boolean }, result: { ok: true } }
  /** Events on this socket from now on; `types` limits them to those kinds. */
  subscribe: { params: { types?: EventType[] }, result: { subscribed: true } }
  mailbox: { params: Record<string, never>, result: MailboxInfo }
  mailboxSet: { params: { relay: string, invite?: string }, result: MailboxInfo }
  mailboxClear: { params: Record<string, never>, result: MailboxInfo }
  /** The settings stored in the profile (what a daemon started later uses). */
  config: { params: Record<string, never>, result: Settings }
  /** Changes stored settings (null = back to the default); a running daemon applies them at its next start. */
  configSet: { params: Partial<Settings>, result: Settings }
  /** On the device holding the identity key: completes a `psst device link` shown on a new device. */
  deviceAdd: { params: { code: string }, result: { deviceKey: string, name: string } }
  deviceList: { params: Record<string, never>, result: DeviceInfo[] }
  /** `device`: a key prefix (at least 4 hex characters) or a name. */
  deviceRevoke: { params: { device: string }, result: { deviceKey: string } }
  /** Without `device`: this device. */
  deviceRename: { params: { device?: string, name: string }, result: DeviceInfo }
  /** Offers a file: hashed, recorded, and put into the friend's chat stream. */
  fileSend: { params: { friend: string, path: string, name?: string }, result: FileInfo }
  fileList: { params: Record<string, never>, result: FileInfo[] }
  /** `fileId` may be a unique prefix (at least 4 hex characters); or `friend` alone: their only pending offer. */
  fileAccept: { params: { fileId?: string, friend?: string, to?: string }, result: FileInfo }
  fileCancel: { params: { fileId: string }, result: FileInfo }
  /** Sets my avatar (a PNG or JPEG of at most 64 KiB) and offers it to every friend. */
  avatarSet: { params: { path: string }, result: AvatarInfo }
  /** My avatar as stored in the profile, or path null. */
  avatarGet: { params: Record<string, never>, result: AvatarInfo }
  groupCreate: { params: { name: string }, result: { groupId: string, name: string } }
  groupInvite: { params: { group: string, friend: string }, result: { groupId: string, publicKey: string } }
  groupInvites: { params: Record<string, never>, result: GroupInviteInfo[] }
  /** `group`: a name or id prefix as `groupInvites` lists it. */
  groupJoin: { params: { group: string }, result: { groupId: string, name: string } }
  groupDecline: { params: { group: string }, result: { groupId: string } }
  groupLeave: { params: { group: string }, result: { groupId: string } }
  groupRemove: { params: { group: string, member: string }, result: { groupId: string, publicKey: string } }
  groupRole: { params: { group: string, member: string, role: GroupRole }, result: { groupId: string, publicKey: string, role: GroupRole } }
  groupTopic: { params: { group: string, text: string }, result: { groupId: string, topic: string } }
  groupMembers: { params: { group: string }, result: GroupMemberInfo[] }
  groupList: { params: Record<string, never>, result: GroupInfo[] }
  groupSend: { params: { group: string, text: string, action?: boolean }, result: SendResult }
  groupHistory: { params: { group: string, limit?: number, before?: number }, result: GroupHistoryEntry[] }
  groupMarkRead: { params: { group: string }, result: { unread: 0 } }
  /** Tests only (PSST_TEST_HOOKS=1): sends a forged entry to my group peers. */
  groupForge: { params: { group: string, forgery: GroupForgery }, result: { sent: number } }
}

export type GroupRole = 'founder' | 'moderator' | 'member'
export type GroupState = 'invited' | 'joining' | 'joined' | 'left' | 'removed' | 'declined'

/** `psst group list --json` (docs/groups.md). */
export interface GroupInfo {
  groupId: string
  name: string
  /** Members invited or joined. */
  members: number
  unread: number
  topic: string
  /** Where I stand: joining until my copy has caught up with the entry that added me. */
  state: GroupState
  role: GroupRole | null
}

export interface GroupInviteInfo { groupId: string, name: string, from: string, fromName: string }

export interface GroupMemberInfo {
  publicKey: string
  name: string
  role: GroupRole
  online: boolean
  /** invited: added, not joined yet. */
  status: 'invited' | 'joined'
}

/** A membership line (join, leave, topic…) as data. */
export interface GroupChange {
  op: 'create' | 'add' | 'join' | 'leave' | 'remove' | 'role' | 'topic' | 'rekey'
  member?: string
  memberName?: string
  role?: GroupRole
  text?: string
}

export interface GroupHistoryEntry {
  /** The entry's hash (64 hex). */
  id: string
  groupId: string
  /** The author's own sequence number. */
  seq: number
  /** The author's public key. */
  author: string
  authorName: string
  /** "me" or the author's public key (as a friend's history says it). */
  from: string
  /** The text; for an `event`, the line to show ("alice joined"). */
  text: string
  kind: 'text' | 'action' | 'event'
  change?: GroupChange
  sentAt: number
  state: 'delivered'
  /** Position in the group's display order: pass as `before` to page backwards. */
  index: number
  /** Set on a live event for an entry that slots in before lines already shown. */
  late?: boolean
}

export type GroupForgery = 'bad-signature' | 'non-member' | 'wrong-epoch'

export type FileState = 'offered' | 'accepted' | 'active' | 'paused' | 'complete' | 'failed' | 'cancelled'

/** One file transfer (`psst file list --json`); `bytes` counts what has moved so far. */
export interface FileInfo {
  fileId: string
  friend: string
  direction: 'in' | 'out'
  name: string
  size: number
  bytes: number
  state: FileState
  /** Sender: the offered file. Receiver: where it lands ('' until accepted). */
  path: string
  reason?: string
}

export type Method = keyof Methods
export type Params<M extends Method> = Methods[M]['params']
export type Result<M extends Method> = Methods[M]['result']

export type PsstEvent =
  | { type: 'friend-request' } & RequestInfo
  | { type: 'friend-added', publicKey: string, name: string }
  | { type: 'friend-removed', publicKey: string }
  /** A friend changed the name they chose (`alias` is mine for them, '' when none). */
  | { type: 'rename', publicKey: string, from: string, to: string, alias: string }
  | { type: 'presence', publicKey: string, name: string, online: boolean, status: Presence, statusMessage: string }
  | { type: 'message', friend: string } & HistoryEntry
  /** My messages to `friend` with seq <= upTo were written to the connection (`ids`: those known). */
  | { type: 'sent', friend: string, upTo: number, ids: string[] }
  /** My messages to `friend` with seq <= upTo are delivered (stored by the friend). */
  | { type: 'receipt', friend: string, upTo: number, ids: string[] }
  | { type: 'typing', friend: string, typing: boolean }
  | { type: 'dht', state: DhtInfo['state'] }
  | { type: 'warning', message: string }
  /** My own name or status changed (by this or another client). */
  | { type: 'profile', name: string, status: Presence, statusMessage: string }
  /** The profile stopped (or started again) being writable: see DaemonStatus.storage. */
  | { type: 'storage' } & StorageInfo
  | { type: 'file-offer' } & FileInfo
  /** At most a few a second per transfer. */
  | { type: 'file-progress' } & FileInfo
  | { type: 'file-complete' } & FileInfo
  | { type: 'file-failed' } & FileInfo
  /** A friend's new avatar arrived (verified, stored in the profile). */
  | { type: 'avatar', friend: string, path: string }
  | { type: 'group-message', groupName: string } & GroupHistoryEntry
  | { type: 'group-invite' } & GroupInviteInfo
  /** A group's roster, topic or my standing in it changed. */
  | { type: 'group-changed' } & GroupInfo

export type EventType = PsstEvent['type']

/** Every event type, for checking a subscriber's filter (the `satisfies` keeps it complete). */
export const EVENT_TYPES = ['friend-request', 'friend-added', 'friend-removed', 'rename', 'presence', 'message', 'sent', 'receipt', 'typing', 'dht', 'warning', 'profile', 'storage', 'file-offer', 'file-progress', 'file-complete', 'file-failed', 'avatar', 'group-message', 'group-invite', 'group-changed'] as const satisfies readonly EventType[]
type MissingEventType = Exclude<EventType, typeof EVENT_TYPES[number]>
const everyEventTypeListed: MissingEventType extends never ? true : never = true
void everyEventTypeListed

/** What the user is told once per friend-request flood (event, and under `psst requests`). */
export const REQUEST_FLOOD_ADVICE = 'many friend requests from unknown keys at once: psst still takes every request, but if one you expect does not arrive, change your nospam (psst nospam --new) and give that person your new ID (psst id); your friends are not affected'
