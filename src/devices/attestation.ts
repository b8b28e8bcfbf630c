/**
 * Signing and checking device attestations and lists (docs/devices.md, Attestations). Checks
 * take untrusted input and never throw: a bad record is null or false, and the caller counts it.
 */
import { sign, verify } from '../crypto/identity.js'
import { encode } from '../wire/codec.js'
import {
  attestationBodyCodec, deviceListBodyCodec, MAX_DEVICES,
  type Attestation, type DeviceList
} from './records.js'
import { PsstError } from '../errors.js'

/** Domain tags: a signature made for one kind of record never verifies as another. */
const ATTESTATION_TAG = Buffer.from('psst device attestation v1\0')
const LIST_TAG = Buffer.from('psst device list v1\0')

interface IdentityKeys { publicKey: Buffer, secretKey: Buffer }

export function attest (identity: IdentityKeys, deviceKey: Buffer, epoch: number, name: string): Attestation {
  const body = { identity: identity.publicKey, deviceKey, epoch, name }
  return { ...body, signature: sign(Buffer.concat([ATTESTATION_TAG, encode(attestationBodyCodec, body)]), identity.secretKey) }
}

export function attestationValid (a: Attestation, identity: Buffer): boolean {
  if (!a.identity.equals(identity)) return false
  const { signature, ...body } = a
  return verify(signature, Buffer.concat([ATTESTATION_TAG, encode(attestationBodyCodec, body)]), identity)
}

export function signList (identity: IdentityKeys, epoch: number, devices: Attestation[]): DeviceList {
  if (devices.length > MAX_DEVICES) throw new PsstError('TOO_MANY_DEVICES', `an identity has at most ${MAX_DEVICES} devices; revoke one first (psst device revoke)`)
  const body = { identity: identity.publicKey, epoch, devices }
  return { ...body, signature: sign(Buffer.concat([LIST_TAG, encode(deviceListBodyCodec, body)]), identity.secretKey) }
}

/**
 * A list that speaks for `identity`: signed by it, every attestation signed by it and no newer
 * than the list, no device twice. Anything else is a forgery or damage, refused whole.
 */
export function listValid (list: DeviceList, identity: Buffer): boolean {
  if (!list.identity.equals(identity)) return false
  const { signature, ...body } = list
  if (!verify(signature, Buffer.concat([LIST_TAG, encode(deviceListBodyCodec, body)]), identity)) return false
  const keys = new Set<string>()
  for (const a of list.devices) {
    if (a.epoch > list.epoch || !attestationValid(a, identity)) return false
    const hex = a.deviceKey.toString('hex')
    if (keys.has(hex)) return false
    keys.add(hex)
  }
  return true
}

export type ListVerdict = 'newer' | 'same' | 'stale' | 'forged'

/** How a list received compares with the one held (null: none held yet). */
export function judgeList (incoming: DeviceList, held: DeviceList | null, identity: Buffer): ListVerdict {
  if (!listValid(incoming, identity)) return 'forged'
  if (held === null || incoming.epoch > held.epoch) return 'newer'
  return incoming.epoch === held.epoch ? 'same' : 'stale'
}

export function deviceIn (list: DeviceList | null, deviceKey: Buffer): Attestation | undefined {
  return list?.devices.find((a) => a.deviceKey.equals(deviceKey))
}

/** The list one epoch on with `deviceKey` attested (added, or renamed when already there). */
export function withDevice (identity: IdentityKeys, list: DeviceList | null, deviceKey: Buffer, name: string): DeviceList {
  const epoch = (list?.epoch ?? 0) + 1
  const others = (list?.devices ?? []).filter((a) => !a.deviceKey.equals(deviceKey))
  return signList(identity, epoch, [...others, attest(identity, deviceKey, epoch, name)])
}

/** The list one epoch on without `deviceKey`: that device is revoked for everyone who gets it. */
export function withoutDevice (identity: IdentityKeys, list: DeviceList, deviceKey: Buffer): DeviceList {
  return signList(identity, list.epoch + 1, list.devices.filter((a) => !a.deviceKey.equals(deviceKey)))
}
