/**
 * The friendship state machine (sans I/O). `step` maps (state, input) to the next state and
 * the effects the core must carry out; it never touches a socket, a clock or the DB.
 *
 *   none ──add──▶ request-sent ──remote accept──▶ friends
 *   none ──remote request──▶ request-received ──accept──▶ friends
 *   request-sent ──remote request──▶ friends      (both added each other, as in Tox)
 *   request-received ──add──▶ friends
 *   request-received ──decline──▶ declined        (further requests from the key are dropped)
 *   any ──block──▶ blocked ──unblock──▶ none
 *   friends | request-sent | key-added ──remove──▶ none
 *
 * Adding by public key alone (Tox's add-without-request) sends nothing the other side is told of:
 *   none ──add-key──▶ key-added ──remote hello | request | accept──▶ friends
 * A peer that added my key but I did not add theirs is a stranger whose hello is dropped.
 */
export type FriendshipState = 'none' | 'request-sent' | 'request-received' | 'friends' | 'declined' | 'blocked' | 'key-added'

export type FriendshipInput =
  | { type: 'add' }
  | { type: 'add-key' }
  | { type: 'remote-hello' }
  | { type: 'accept' }
  | { type: 'decline' }
  | { type: 'remove' }
  | { type: 'block' }
  | { type: 'unblock' }
  | { type: 'remote-request', nospamOk: boolean }
  | { type: 'remote-accept' }
  | { type: 'remote-decline' }

export type FriendshipEffect =
  | 'send-request' | 'send-accept' | 'send-decline'
  | 'store-request' | 'drop-request' | 'store-friend' | 'delete-friend' | 'store-block' | 'delete-block'
  | 'emit-request' | 'emit-added' | 'emit-removed' | 'connect' | 'disconnect'

export type FriendshipError = 'ALREADY_FRIENDS' | 'NOT_FOUND' | 'BLOCKED'

export interface Step {
  state: FriendshipState
  effects: FriendshipEffect[]
  /** Set when a local command is refused in this state; state and effects are unchanged. */
  error?: FriendshipError
}

const same = (state: FriendshipState, error?: FriendshipError): Step => ({ state, effects: [], ...(error ? { error } : {}) })

export function step (state: FriendshipState, input: FriendshipInput): Step {
  switch (input.type) {
    case 'add': return onAdd(state)
    case 'add-key': return onAddKey(state)
    case 'remote-hello':
      return state === 'key-added'
        ? { state: 'friends', effects: ['store-friend', 'emit-added'] }
        : same(state)
    case 'accept':
      return state === 'request-received'
        ? { state: 'friends', effects: ['store-friend', 'drop-request', 'send-accept', 'emit-added', 'connect'] }
        : same(state, state === 'friends' ? 'ALREADY_FRIENDS' : 'NOT_FOUND')
    case 'decline':
      return state === 'request-received'
        ? { state: 'declined', effects: ['drop-request', 'store-block', 'send-decline', 'disconnect'] }
        : same(state, 'NOT_FOUND')
    case 'remove':
      return state === 'friends' || state === 'request-sent' || state === 'key-added'
        ? { state: 'none', effects: ['delete-friend', 'emit-removed', 'disconnect'] }
        : same(state, 'NOT_FOUND')
    case 'block':
      return state === 'blocked' ? same(state) : { state: 'blocked', effects: blockEffects(state) }
    case 'unblock':
      return state === 'blocked' || state === 'declined'
        ? { state: 'none', effects: ['delete-block'] }
        : same(state, 'NOT_FOUND')
    case 'remote-request': return onRemoteRequest(state, input.nospamOk)
    case 'remote-accept':
      return state === 'request-sent' || state === 'key-added'
        ? { state: 'friends', effects: ['store-friend', 'emit-added'] }
        : same(state)
    case 'remote-decline':
      return state === 'request-sent'
        ? { state: 'none', effects: ['delete-friend', 'emit-removed', 'disconnect'] }
        : same(state)
  }
}

function onAddKey (state: FriendshipState): Step {
  switch (state) {
    case 'none':
    case 'declined': return { state: 'key-added', effects: ['delete-block', 'store-friend', 'connect'] }
    // A request already asks for more than a key-add would; keep waiting for its answer.
    case 'request-sent':
    case 'key-added': return same(state)
    default: return onAdd(state)
  }
}

function onAdd (state: FriendshipState): Step {
  switch (state) {
    case 'key-added': return { state: 'request-sent', effects: ['store-friend', 'send-request', 'connect'] }
    case 'none':
    case 'declined': return { state: 'request-sent', effects: ['delete-block', 'store-friend', 'send-request', 'connect'] }
    case 'request-sent': return { state, effects: ['store-friend', 'send-request', 'connect'] }
    case 'request-received': return { state: 'friends', effects: ['store-friend', 'drop-request', 'send-accept', 'emit-added', 'connect'] }
    case 'friends': return same(state, 'ALREADY_FRIENDS')
    case 'blocked': return same(state, 'BLOCKED')
  }
}

function onRemoteRequest (state: FriendshipState, nospamOk: boolean): Step {
  switch (state) {
    // A friend who lost our friendship (reinstall, restore) asks again: answer, whatever the nospam.
    case 'friends': return { state, effects: ['send-accept'] }
    case 'request-sent':
    case 'key-added': return { state: 'friends', effects: ['store-friend', 'send-accept', 'emit-added'] }
    case 'none': return nospamOk ? { state: 'request-received', effects: ['store-request', 'emit-request'] } : same(state)
    // A repeated request refreshes the stored one but does not notify again.
    case 'request-received': return nospamOk ? { state, effects: ['store-request'] } : same(state)
    case 'declined':
    case 'blocked': return same(state)
  }
}

function blockEffects (state: FriendshipState): FriendshipEffect[] {
  const fx: FriendshipEffect[] = ['store-block', 'disconnect']
  if (state === 'friends' || state === 'request-sent' || state === 'key-added') fx.unshift('delete-friend', 'emit-removed')
  if (state === 'request-received') fx.unshift('drop-request')
  return fx
}
