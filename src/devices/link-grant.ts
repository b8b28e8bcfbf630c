/**
 * The linked side of linking (docs/devices.md, Linking): the device that holds the identity key
 * dials the key derived from the code, attests the device that answers, and hands it the
 * identity, the friend list and a bounded recent history. The new list takes effect only once
 * the new device says it stored everything.
 */
import { hostname } from 'node:os'
import type { Devices } from './runtime.js'
import type { FriendSeed, HistorySeed, LinkGrant } from './records.js'
import { DeviceRecords, MAX_DEVICES, MAX_SEED_HISTORY } from './records.js'
import { withDevice, deviceIn } from './attestation.js'
import { linkKeyPair } from './link-code.js'
import { readMessages } from './messages.js'
import { LINK_DONE } from './link-wait.js'
import { cryptoReady } from '../crypto/sodium.js'
import { toHex } from '../crypto/identity.js'
import { PsstError } from '../errors.js'

const ASK_TIMEOUT_MS = 20_000
const DONE_TIMEOUT_MS = 60_000
/** Recent lines handed over per friend, and in all (bytes of text): a new device starts with context, not an archive. */
const HISTORY_PER_FRIEND = 50
const HISTORY_BYTES = 1024 * 1024

export function needIdentity (d: Devices, what: string): void {
  if (!d.holdsIdentity) {
    throw new PsstError('NOT_IDENTITY', `only your first device holds the identity key, so only it can ${what}; run this there`)
  }
}

export async function grantLink (d: Devices, code: string): Promise<{ deviceKey: string, name: string }> {
  needIdentity(d, 'add devices')
  const m = d.m
  if (m.dht === null) throw new PsstError('NO_DAEMON', 'the network is not up yet; try again in a moment')
  await cryptoReady()
  const stream = m.dht.connect(linkKeyPair(code).publicKey, m.keyPair)
  try {
    if (!await stream.opened) throw new PsstError('NOT_FOUND', 'no device is waiting with that code: check it, and that psst device link still runs on the new device')
    const reader = readMessages(stream)
    const ask = DeviceRecords.linkAsk.decode(await reader.next(ASK_TIMEOUT_MS))
    if (ask === null) throw new PsstError('BAD_FRAME', 'the waiting device sent something this psst cannot read (is it a newer version?)')
    if (ask.deviceKey.equals(m.profile.publicKey) || deviceIn(d.book.mine, ask.deviceKey) !== undefined) {
      throw PsstError.usage('that device is linked already (psst device list)')
    }
    const name = ask.name.trim() === '' ? `device ${(d.book.mine?.devices.length ?? 1) + 1}` : ask.name.trim()
    const base = d.book.mine ?? withDevice(m.keyPair, null, m.profile.publicKey, hostname().slice(0, 64) || 'first device')
    if (base.devices.length >= MAX_DEVICES) throw new PsstError('TOO_MANY_DEVICES', `an identity has at most ${MAX_DEVICES} devices; revoke one first (psst device revoke)`)
    const list = withDevice(m.keyPair, base, ask.deviceKey, name)
    stream.write(DeviceRecords.linkGrant.encode(await grantFor(d, list)))
    const done = await reader.next(DONE_TIMEOUT_MS)
    if (!done.equals(LINK_DONE)) throw new PsstError('BAD_FRAME', 'the new device did not confirm; nothing was linked')
    await d.setMine(list)
    m.log(`device linked: ${toHex(ask.deviceKey).slice(0, 12)} (${name})`)
    return { deviceKey: toHex(ask.deviceKey), name }
  } finally {
    stream.end()
    setTimeout(() => stream.destroy(), 1000).unref()
  }
}

async function grantFor (d: Devices, list: LinkGrant['list']): Promise<LinkGrant> {
  const m = d.m
  const friends: FriendSeed[] = []
  const history: HistorySeed[] = []
  let bytes = 0
  for (const rt of m.visibleFriends()) {
    if (rt.rec.state !== 'friends') continue
    friends.push({ publicKey: rt.rec.publicKey, name: rt.rec.name, alias: rt.rec.alias ?? '', mailbox: rt.rec.mailbox })
    for (const r of await m.store.history(rt.rec.publicKey, HISTORY_PER_FRIEND)) {
      bytes += Buffer.byteLength(r.body)
      if (bytes > HISTORY_BYTES || history.length >= MAX_SEED_HISTORY) break
      history.push({ friend: rt.rec.publicKey, outgoing: r.outgoing, id: r.id, sentAt: r.sentAt, kind: r.kind, body: r.body })
    }
  }
  return { list, nospam: m.profile.nospam, profileName: m.profile.name, friends, history }
}
