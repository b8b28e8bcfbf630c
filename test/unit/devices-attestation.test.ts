import { describe, it, expect, beforeAll } from 'vitest'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair } from '../../src/crypto/identity.js'
import { attest, attestationValid, signList, listValid, judgeList, withDevice, withoutDevice, deviceIn } from '../../src/devices/attestation.js'
import { DeviceRecords, MAX_DEVICES } from '../../src/devices/records.js'

beforeAll(async () => { await cryptoReady() })

describe('device attestations', () => {
  it('an attestation signed by the identity verifies, and survives its encoding', () => {
    const id = generateKeyPair()
    const dev = generateKeyPair()
    const a = attest(id, dev.publicKey, 1, 'laptop')
    expect(attestationValid(a, id.publicKey)).toBe(true)
    const back = DeviceRecords.attestation.decode(DeviceRecords.attestation.encode(a))
    expect(back).not.toBeNull()
    expect(attestationValid(back!, id.publicKey)).toBe(true)
    expect(back!.name).toBe('laptop')
  })

  it('a forged attestation (signed by another key) is refused', () => {
    const id = generateKeyPair()
    const mallory = generateKeyPair()
    const dev = generateKeyPair()
    const forged = { ...attest(mallory, dev.publicKey, 1, 'evil'), identity: id.publicKey }
    expect(attestationValid(forged, id.publicKey)).toBe(false)
    // A list signed by mallory naming alice's identity is refused whole.
    const list = { ...signList(mallory, 1, [forged]), identity: id.publicKey }
    expect(listValid(list, id.publicKey)).toBe(false)
    expect(judgeList(list, null, id.publicKey)).toBe('forged')
  })

  it('a list of genuine attestations re-signed by someone else is refused', () => {
    const id = generateKeyPair()
    const mallory = generateKeyPair()
    const genuine = withDevice(id, null, generateKeyPair().publicKey, 'phone')
    const resigned = { ...signList(mallory, genuine.epoch + 5, genuine.devices), identity: id.publicKey }
    expect(judgeList(resigned, genuine, id.publicKey)).toBe('forged')
  })

  it('a tampered field breaks the signature', () => {
    const id = generateKeyPair()
    const list = withDevice(id, null, generateKeyPair().publicKey, 'phone')
    expect(listValid({ ...list, epoch: list.epoch + 1 }, id.publicKey)).toBe(false)
    const renamed = { ...list.devices[0], name: 'not-phone' }
    expect(listValid({ ...list, devices: [renamed] }, id.publicKey)).toBe(false)
  })

  it('revocation is a newer epoch without the device; the older list is then stale', () => {
    const id = generateKeyPair()
    const phone = generateKeyPair().publicKey
    const one = withDevice(id, withDevice(id, null, id.publicKey, 'first'), phone, 'phone')
    expect(deviceIn(one, phone)).toBeDefined()
    const two = withoutDevice(id, one, phone)
    expect(two.epoch).toBe(one.epoch + 1)
    expect(deviceIn(two, phone)).toBeUndefined()
    expect(judgeList(two, one, id.publicKey)).toBe('newer')
    expect(judgeList(one, two, id.publicKey)).toBe('stale')
    expect(judgeList(two, two, id.publicKey)).toBe('same')
  })

  it('an attestation newer than its list, or a device listed twice, is refused', () => {
    const id = generateKeyPair()
    const k = generateKeyPair().publicKey
    expect(listValid(signList(id, 1, [attest(id, k, 2, 'x')]), id.publicKey)).toBe(false)
    expect(listValid(signList(id, 2, [attest(id, k, 1, 'x'), attest(id, k, 2, 'y')]), id.publicKey)).toBe(false)
  })

  it('malformed bytes decode to null; more than MAX_DEVICES cannot be signed', () => {
    expect(DeviceRecords.list.decode(Buffer.from([1, 2, 3]))).toBeNull()
    expect(DeviceRecords.list.decode(Buffer.alloc(0))).toBeNull()
    expect(DeviceRecords.book.decode(Buffer.from([9]))).toBeNull()
    const id = generateKeyPair()
    const many = Array.from({ length: MAX_DEVICES + 1 }, (_, i) => attest(id, generateKeyPair().publicKey, 1, `d${i}`))
    expect(() => signList(id, 1, many)).toThrow(/at most/)
  })
})
