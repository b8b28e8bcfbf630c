/** The control methods of `psst device …` (docs/devices.md, Commands). */
import { hostname } from 'node:os'
import type { Messenger } from '../contacts/messenger.js'
import type { DeviceInfo, Params } from '../wire/api.js'
import type { Attestation } from './records.js'
import { devicesOf, type Devices } from './runtime.js'
import { grantLink, needIdentity } from './link-grant.js'
import { withDevice, withoutDevice } from './attestation.js'
import { cryptoReady } from '../crypto/sodium.js'
import { toHex } from '../crypto/identity.js'
import { utf8Length } from '../wire/codec.js'
import { MAX_NAME_BYTES } from '../wire/limits.js'
import { PsstError } from '../errors.js'

function devices (m: Messenger): Devices {
  const d = devicesOf(m)
  if (d === undefined) throw PsstError.internal('devices are not installed in this daemon')
  return d
}

function info (d: Devices, a: Attestation): DeviceInfo {
  const hex = toHex(a.deviceKey)
  const current = a.deviceKey.equals(d.m.profile.publicKey)
  const rt = d.m.friends.get(hex)
  const lastSeen = current || rt?.online === true ? Date.now() : rt?.rec.lastSeen ?? 0
  return { deviceKey: hex, name: a.name, current, lastSeen }
}

export function listDevices (d: Devices): DeviceInfo[] {
  const mine = d.book.mine
  if (mine === null) return [{ deviceKey: toHex(d.m.profile.publicKey), name: hostname().slice(0, 64), current: true, lastSeen: Date.now() }]
  return mine.devices.map((a) => info(d, a))
}

function findDevice (d: Devices, query: string): Attestation {
  const q = query.trim().toLowerCase()
  const all = d.book.mine?.devices ?? []
  const byName = all.filter((a) => a.name.toLowerCase() === q)
  const byKey = /^[0-9a-f]{4,64}$/.test(q) ? all.filter((a) => toHex(a.deviceKey).startsWith(q)) : []
  const hits = byName.length > 0 ? byName : byKey
  if (hits.length === 0) throw new PsstError('NOT_FOUND', `no device matches "${query}" (psst device list shows them)`)
  if (hits.length > 1) throw new PsstError('AMBIGUOUS', `"${query}" matches ${hits.length} devices; give more of the key`)
  return hits[0]
}

function checkDeviceName (name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw PsstError.usage('a device name is required')
  const n = name.trim()
  if (utf8Length(n) > MAX_NAME_BYTES) throw new PsstError('TOO_LONG', `device name is too long (at most ${MAX_NAME_BYTES} bytes)`)
  if (/[\u0000-\u001f\u007f]/.test(n)) throw PsstError.usage('device name must not contain control characters')
  return n
}

export const deviceHandlers = {
  deviceAdd: async (m: Messenger, p: Params<'deviceAdd'>) => {
    if (typeof p.code !== 'string') throw PsstError.usage('a link code is required (psst device link prints it on the new device)')
    return await grantLink(devices(m), p.code)
  },
  deviceList: (m: Messenger) => listDevices(devices(m)),
  deviceRevoke: async (m: Messenger, p: Params<'deviceRevoke'>) => {
    const d = devices(m)
    needIdentity(d, 'revoke devices')
    if (typeof p.device !== 'string') throw PsstError.usage('which device? (psst device list shows them)')
    const a = findDevice(d, p.device)
    if (a.deviceKey.equals(d.identity)) throw PsstError.usage('this device holds the identity key and cannot be revoked')
    await cryptoReady()
    await d.setMine(withoutDevice(m.keyPair, d.book.mine!, a.deviceKey))
    return { deviceKey: toHex(a.deviceKey) }
  },
  deviceRename: async (m: Messenger, p: Params<'deviceRename'>) => {
    const d = devices(m)
    needIdentity(d, 'rename devices (the names are signed by it)')
    const name = checkDeviceName(p.name)
    await cryptoReady()
    const key = typeof p.device === 'string' && p.device.trim() !== '' ? findDevice(d, p.device).deviceKey : m.profile.publicKey
    const base = d.book.mine ?? withDevice(m.keyPair, null, m.profile.publicKey, hostname().slice(0, 64))
    const list = withDevice(m.keyPair, base, key, name)
    await d.setMine(list)
    return info(d, list.devices.find((a) => a.deviceKey.equals(key))!)
  }
}
