import { personal } from '../wire/log-line.js'
import type { Messenger } from '../contacts/messenger.js'
import type { Link } from '../net/link.js'
import type { Peer } from '../contacts/peer.js'
import type { Frame, FriendRequest, Hello, PresenceUpdate } from '../wire/frames.js'
import { onMessage, onReceipt, onHelloStreams, pump } from '../chat/delivery.js'
import { relayOptionsFor, noteDialError } from '../mailbox/mailbox.js'
import { becomeFriends, onRemoteRequest, onRemoteDecline, noteRename } from '../contacts/friends-service.js'

/** How long a typing indicator lasts without a refresh. */
const TYPING_TTL_MS = 6000

/** Wires a Messenger's links to the protocol: what to send on open, what each frame does, how to dial. */
export function installProtocol (m: Messenger): void {
  m.openHandler = (link) => onOpen(m, link)
  m.frameHandler = (link, frame) => onFrame(m, link, frame)
  m.connections.dialOptions = (rt) => relayOptionsFor(m, rt)
  m.connections.dialError = (rt, err) => noteDialError(m, rt, err)
}

function onOpen (m: Messenger, link: Link): void {
  const rt = m.friends.get(link.hex)
  if (rt === undefined || rt.link !== link) return
  // A key added alone says hello as a friend would: only a peer that added ours too answers.
  if (rt.rec.state === 'friends' || rt.rec.state === 'key-added') {
    link.send(m.hello(rt))
  } else {
    link.send({ type: 'friendRequest', nospam: rt.rec.requestNospam, message: rt.rec.requestMessage, name: m.profile.name })
  }
}

function onFrame (m: Messenger, link: Link, frame: Frame): void {
  if (frame.type === 'ping') { link.send({ type: 'pong', nonce: frame.nonce }); return }
  if (frame.type === 'pong') return
  const rt = m.friends.get(link.hex)
  if (rt === undefined || rt.link !== link) return onStrangerFrame(m, link, frame)
  if (rt.rec.state !== 'friends') return onPendingFrame(m, rt, link, frame)
  switch (frame.type) {
    case 'hello': return onHello(m, rt, link, frame)
    case 'friendRequest': link.send({ type: 'friendAccept', name: m.profile.name }); return
    case 'friendAccept': return
    case 'friendDecline': return
    default:
      if (!link.ready) { m.strike(link, 'frames-before-hello'); return }
  }
  switch (frame.type) {
    case 'presence': return onPresence(m, rt, frame)
    case 'message': return onMessage(m, rt, link, frame)
    case 'receipt': return onReceipt(m, rt, link, frame)
    case 'typing': return onTyping(m, rt, frame.typing)
  }
}

/** A key that is not a friend may only ask to become one; anything else is dropped. */
function onStrangerFrame (m: Messenger, link: Link, frame: Frame): void {
  if (frame.type !== 'friendRequest') { m.strike(link, 'stranger-frames'); return }
  void onRemoteRequest(m, link, frame as FriendRequest)
}

/**
 * We asked them, or added their key: a hello or an accept means yes, a request means they asked
 * too. A decline only answers a request, so a key-added entry ignores it.
 */
function onPendingFrame (m: Messenger, rt: Peer, link: Link, frame: Frame): void {
  switch (frame.type) {
    case 'hello':
      void becomeFriends(m, rt, frame.name).then(() => {
        link.send(m.hello(rt))
        onHello(m, rt, link, frame)
      })
      return
    case 'friendAccept':
    case 'friendRequest':
      void becomeFriends(m, rt, frame.name).then(() => {
        if (frame.type === 'friendRequest') link.send({ type: 'friendAccept', name: m.profile.name })
        link.send(m.hello(rt))
      })
      return
    case 'friendDecline':
      if (rt.rec.state === 'key-added') return
      m.emitEvent({ type: 'warning', message: `${rt.rec.name || rt.hex.slice(0, 12)} declined your friend request` })
      void onRemoteDecline(m, rt)
      return
    default:
      m.strike(link, 'frames-before-accept')
  }
}

function onHello (m: Messenger, rt: Peer, link: Link, hello: Hello): void {
  applyPresence(m, rt, hello)
  rt.setMailbox(hello.mailbox)
  if (link.ready) {
    // A repeated hello refreshes presence and mailbox, and may name a new stream of theirs
    // (they found their state rolled back) or acknowledge more.
    onHelloStreams(m, rt, link, hello)
    void pump(m, rt)
    return onPresence(m, rt, hello)
  }
  link.ready = true
  // Resumption (docs/design.md, Delivery): their mark acknowledges what they already have; resend the rest.
  const cameOnline = rt.cameOnline(m.now())
  m.emitEvent(presenceEvent(rt))
  if (cameOnline) m.log(`online: ${personal(rt.label)}`)
  onHelloStreams(m, rt, link, hello)
  void pump(m, rt)
}

function onPresence (m: Messenger, rt: Peer, p: PresenceUpdate): void {
  applyPresence(m, rt, p)
  m.emitEvent(presenceEvent(rt))
}

function applyPresence (m: Messenger, rt: Peer, p: { name: string, status: PresenceUpdate['status'], statusMessage: string }): void {
  noteRename(m, rt, rt.applyPresence(p, m.now()))
}

function onTyping (m: Messenger, rt: Peer, typing: boolean): void {
  rt.typing(typing, TYPING_TTL_MS, () => m.emitEvent({ type: 'typing', friend: rt.hex, typing: false }))
  m.emitEvent({ type: 'typing', friend: rt.hex, typing })
}

export function presenceEvent (rt: Peer): { type: 'presence', publicKey: string, name: string, online: boolean, status: PresenceUpdate['status'], statusMessage: string } {
  return { type: 'presence', publicKey: rt.hex, name: rt.rec.name, online: rt.online, status: rt.rec.status, statusMessage: rt.rec.statusMessage }
}
