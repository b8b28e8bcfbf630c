import { describe, it, expect, beforeAll } from 'vitest'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, type KeyPair } from '../../src/crypto/identity.js'
import { GroupLog, type Placed } from '../../src/groups/group.js'
import { parseEntry, textEntry, controlEntry, controlOf, signEntry } from '../../src/groups/entry.js'
import { decodeEntry, encodeControl, MAX_ENTRY_BYTES } from '../../src/groups/wire.js'

beforeAll(async () => { await cryptoReady() })

const bytes = (es: Placed[]): Buffer[] => es.map((e) => e.bytes)

/** A founder and `n` joined members, every log holding every entry. */
function group (n: number): { logs: GroupLog[], keys: KeyPair[] } {
  const keys = [generateKeyPair(), ...Array.from({ length: n }, () => generateKeyPair())]
  const { log: founder } = GroupLog.create('team', keys[0], 1)
  const logs = [founder]
  for (let i = 1; i <= n; i++) {
    founder.writeControl({ op: 'add', member: keys[i].publicKey, text: `m${i}`, role: 'member' }, 2)
    const log = new GroupLog(founder.groupId, keys[i], null)
    expect(log.receive(bytes(founder.ordered)).dropped).toEqual([])
    const join = log.writeControl({ op: 'join', member: null, text: '', role: 'member' }, 3)
    founder.receive([join.bytes])
    logs.push(log)
  }
  sync(logs)
  return { logs, keys }
}

function sync (logs: GroupLog[]): void {
  for (const a of logs) for (const b of logs) if (a !== b) b.receive(bytes(a.missingFor(b.heads())))
}

const order = (log: GroupLog): string[] => log.ordered.map((e) => e.hex)

describe('group entries', () => {
  it('round-trip, signed, the text sealed with the epoch key and readable only with it', () => {
    const { logs } = group(1)
    const [e] = logs[1].writeText('hello', 'text', 10)
    const parsed = parseEntry(e.bytes)
    expect(typeof parsed).not.toBe('string')
    expect(logs[0].receive([e.bytes]).accepted.length).toBe(1)
    expect(logs[0].textOf(logs[0].get(e.hex)!)).toBe('hello')
    // The body does not carry the text in the clear.
    expect(e.bytes.includes(Buffer.from('hello'))).toBe(false)
  })

  it('a flipped byte anywhere fails the signature or the decoding', () => {
    const { logs } = group(1)
    const [e] = logs[1].writeText('hello', 'text', 10)
    for (const at of [5, 40, e.bytes.byteLength - 70, e.bytes.byteLength - 1]) {
      const bad = Buffer.from(e.bytes)
      bad[at] ^= 1
      const r = logs[0].receive([bad])
      expect(r.accepted).toEqual([])
      expect(['bad-signature', 'malformed']).toContain(r.dropped[0])
    }
  })

  it('drops entries of non-members, wrong epochs, oversized and conflicting ones', () => {
    const { logs, keys } = group(1)
    const stranger = generateKeyPair()
    const heads = logs[0].ordered.slice(-1)[0]
    const header = { groupId: logs[0].groupId, author: stranger.publicKey, seq: 1, prev: null, deps: [{ author: heads.entry.author, seq: heads.seq, hash: heads.hash }], lamport: 100, sentAt: 1 }
    const key = [...logs[0].keys.values()][0]
    const forged = textEntry({ ...header, kind: 'text', epoch: Buffer.from([...logs[0].keys.keys()][0], 'hex') }, 'hi', key, stranger)
    expect(logs[0].receive([forged.bytes]).dropped).toEqual(['non-member'])

    const wrongEpoch = textEntry({ ...header, author: keys[1].publicKey, seq: logs[1].heads().find((h) => h.author.equals(keys[1].publicKey))!.seq + 1, prev: logs[1].from(keys[1].publicKey.toString('hex'), 1).slice(-1)[0].hash, kind: 'text', epoch: Buffer.alloc(32, 7) }, 'hi', key, keys[1])
    expect(logs[0].receive([wrongEpoch.bytes]).dropped).toEqual(['wrong-epoch'])

    expect(logs[0].receive([Buffer.alloc(MAX_ENTRY_BYTES + 1, 1)]).dropped).toEqual(['oversized'])

    // Two different entries at the same seq of one author: the second is refused.
    const [a] = logs[1].writeText('one', 'text', 20)
    const twin = textEntry({ ...decodeEntry(a.bytes)!, kind: 'text', sentAt: 21 }, 'two', logs[1].keys.get(a.entry.epoch.toString('hex'))!, keys[1])
    expect(logs[0].receive([a.bytes]).accepted.length).toBe(1)
    expect(logs[0].receive([twin.bytes]).dropped).toEqual(['conflicting'])
  })

  it('holds an entry until its dependencies come, then shows both in causal order', () => {
    const { logs } = group(2)
    const [x] = logs[1].writeText('first', 'text', 10)
    logs[2].receive([x.bytes])
    const [y] = logs[2].writeText('reply', 'text', 11)
    const r = logs[0].receive([y.bytes])
    expect(r.accepted).toEqual([])
    expect(r.missing.map((h) => h.author.toString('hex'))).toContain(logs[1].meHex)
    const r2 = logs[0].receive([x.bytes])
    expect(r2.accepted.map((e) => e.hex)).toEqual([x.hex, y.hex])
    expect(logs[0].ordered.slice(-2).map((e) => logs[0].textOf(e))).toEqual(['first', 'reply'])
  })
})

describe('group order', () => {
  it('concurrent writers in any arrival order end in one display order everywhere', () => {
    const { logs } = group(3)
    const written: Buffer[] = []
    for (let round = 0; round < 5; round++) {
      for (const log of logs) written.push(...bytes(log.writeText(`r${round} ${log.meHex.slice(0, 4)}`, 'text', 100 + round)))
      if (round % 2 === 0) sync(logs.slice(0, 2))
    }
    sync(logs)
    sync(logs)
    const fresh = new GroupLog(logs[0].groupId, generateKeyPair(), null)
    fresh.receive(bytes(logs[0].ordered).reverse())
    fresh.receive(bytes(logs[0].ordered))
    const first = order(logs[0])
    for (const log of logs) expect(order(log)).toEqual(first)
    expect(order(fresh)).toEqual(first)
    expect(new Set(first).size).toBe(first.length)
    // Causal: every entry comes after its dependencies.
    const pos = new Map(first.map((h, i) => [h, i]))
    for (const e of logs[0].ordered) for (const d of e.entry.deps) expect(pos.get(d.hash.toString('hex'))!).toBeLessThan(pos.get(e.hex)!)
  })
})

describe('group membership', () => {
  it('founder > moderator > member: a member cannot remove, a moderator cannot remove a moderator', () => {
    const { logs } = group(3)
    logs[0].writeControl({ op: 'role', member: logs[1].me.publicKey, text: '', role: 'moderator' }, 10)
    logs[0].writeControl({ op: 'role', member: logs[2].me.publicKey, text: '', role: 'moderator' }, 10)
    sync(logs)
    logs[3].writeControl({ op: 'remove', member: logs[1].me.publicKey, text: '', role: 'member' }, 11)
    logs[1].writeControl({ op: 'remove', member: logs[2].me.publicKey, text: '', role: 'member' }, 11)
    sync(logs)
    for (const log of logs) {
      expect(log.roster.members.get(logs[1].meHex)!.status).toBe('joined')
      expect(log.roster.members.get(logs[2].meHex)!.status).toBe('joined')
      expect(log.roster.members.get(logs[1].meHex)!.role).toBe('moderator')
    }
  })

  it('two moderators changing the roster at once converge on one roster', () => {
    const { logs } = group(4)
    logs[0].writeControl({ op: 'role', member: logs[1].me.publicKey, text: '', role: 'moderator' }, 10)
    logs[0].writeControl({ op: 'role', member: logs[2].me.publicKey, text: '', role: 'moderator' }, 10)
    sync(logs)
    // Concurrent: mod 1 removes member 3 and demotes nobody; mod 2 removes member 4 and sets a topic.
    logs[1].writeControl({ op: 'remove', member: logs[3].me.publicKey, text: '', role: 'member' }, 20)
    logs[2].writeControl({ op: 'remove', member: logs[4].me.publicKey, text: '', role: 'member' }, 20)
    logs[2].writeControl({ op: 'topic', member: null, text: 'mod2', role: 'member' }, 20)
    logs[1].writeControl({ op: 'topic', member: null, text: 'mod1', role: 'member' }, 20)
    sync(logs)
    const view = (log: GroupLog): string => JSON.stringify([log.roster.topic, [...log.roster.members.values()].map((m) => [m.hex, m.role, m.status]).sort()])
    for (const log of logs.slice(0, 3)) expect(view(log)).toBe(view(logs[0]))
    expect(logs[0].roster.members.get(logs[3].meHex)!.status).toBe('removed')
    expect(logs[0].roster.members.get(logs[4].meHex)!.status).toBe('removed')
  })

  it('removing a member rotates the key: the removed one cannot read what follows, and its later entries are refused', () => {
    const { logs } = group(2)
    logs[0].writeControl({ op: 'remove', member: logs[2].me.publicKey, text: '', role: 'member' }, 10)
    sync(logs.slice(0, 2))
    const [after] = logs[1].writeText('secret', 'text', 11)
    expect(logs[0].receive([after.bytes]).accepted.length).toBe(1)
    expect(logs[0].textOf(logs[0].get(after.hex)!)).toBe('secret')
    // The removed member gets the entry somehow: it cannot open it.
    logs[2].receive(bytes(logs[0].ordered))
    const seen = logs[2].get(after.hex)
    expect(seen === undefined || logs[2].textOf(seen) === null).toBe(true)
    expect(() => logs[2].writeText('still here', 'text', 12)).toThrow(/no longer a member/)
  })

  it('a leave makes the next sender seal a new key to those who stay', () => {
    const { logs } = group(2)
    logs[2].writeControl({ op: 'leave', member: null, text: '', role: 'member' }, 10)
    sync(logs)
    const out = logs[1].writeText('after the leave', 'text', 11)
    expect(out.length).toBe(2)
    expect(out[0].entry.kind).toBe('control')
    expect(logs[2].receive(bytes(out)).accepted.length).toBe(2)
    expect(logs[2].textOf(logs[2].get(out[1].hex)!)).toBeNull()
    expect(logs[0].receive(bytes(out)).accepted.length).toBe(2)
    expect(logs[0].textOf(logs[0].get(out[1].hex)!)).toBe('after the leave')
  })

  it('a forged create (group id not made from the author) is refused', () => {
    const intruder = generateKeyPair()
    const { logs } = group(0)
    const fake = controlEntry({ groupId: logs[0].groupId, author: intruder.publicKey, seq: 1, prev: null, deps: [], lamport: 1, sentAt: 1 },
      { op: 'create', member: null, text: 'mine', role: 'member', nonce: Buffer.alloc(32), keys: [], nick: '' }, intruder)
    expect(logs[0].receive([fake.bytes]).dropped).toEqual(['non-member'])
    void signEntry
    void encodeControl
  })
})

describe('group limits', () => {
  it('a group holds 100 members: the key sealed to all of them fits in one entry, and each reads it', { timeout: 60_000 }, () => {
    const founder = generateKeyPair()
    const { log } = GroupLog.create('big', founder, 1)
    const members = Array.from({ length: 100 }, () => generateKeyPair())
    for (const m of members) log.writeControl({ op: 'add', member: m.publicKey, text: '', role: 'member' }, 2)
    const last = log.ordered[log.ordered.length - 1]
    expect(controlOfBytes(last.bytes)).toBe(101)
    const reader = new GroupLog(log.groupId, members[99], null)
    expect(reader.receive(bytes(log.ordered)).dropped).toEqual([])
    reader.receive([reader.writeControl({ op: 'join', member: null, text: '', role: 'member' }, 3).bytes])
    const [line] = log.writeText('to all of you', 'text', 4)
    expect(reader.receive([line.bytes]).accepted.length).toBe(1)
    expect(reader.textOf(reader.get(line.hex)!)).toBe('to all of you')
  })
})

function controlOfBytes (b: Buffer): number {
  const e = parseEntry(b)
  if (typeof e === 'string') throw new Error(e)
  return controlOf(e.entry)!.keys.length
}
