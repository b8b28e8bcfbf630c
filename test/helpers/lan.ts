/**
 * LAN discovery scenarios shared by the loopback test and the network-namespace test: two
 * profiles with no DHT at all (`--bootstrap none`) that befriend, talk and recover over the LAN
 * only (docs/design.md, LAN discovery).
 */
import { expect } from 'vitest'
import { Profile, waitFor, type TestNet } from './psst.js'
import { startWith } from './relay.js'
import type { Client } from '../../src/daemon/index.js'

/**
 * A profile made with no bootstrap at all (`psst --bootstrap none init` stores `none`), or with
 * one that nothing answers at (a laptop configured for a network it is not on).
 */
export async function lanProfile (name: string, bootstrap = 'none'): Promise<Profile> {
  const p = new Profile({ bootstrap } as unknown as TestNet, name)
  await p.init()
  return p
}

export interface LanSide { p: Profile, env: NodeJS.ProcessEnv, args: string[], netns?: string }

export async function startSide (s: LanSide): Promise<void> {
  // Up once it beacons: with a bootstrap nobody answers, "listening as" comes only after the
  // DHT gave up announcing, long after friends on the LAN can connect.
  await startWith(s.p, s.env, { args: s.args, ready: /LAN discovery on port|listening as/, ...(s.netns !== undefined ? { netns: s.netns } : {}) })
}

type Friend = { publicKey: string, online: boolean, via?: string, state: string }

export async function friendsOf (p: Profile): Promise<Friend[]> {
  return await p.json<Friend[]>(['friends'])
}

async function onlineVia (p: Profile, other: Profile): Promise<string | undefined> {
  const f = (await friendsOf(p)).find((x) => x.publicKey === other.publicKey)
  return f?.online === true && f.state === 'friends' ? f.via : undefined
}

/** `psst add <ID>` and `psst accept` as a user types them; both end online, linked over the LAN. */
export async function befriendOverLan (a: LanSide, b: LanSide, dump: () => Promise<string>): Promise<void> {
  const add = await a.p.cli(['add', b.p.id, 'hi, it is', a.p.name, 'on the LAN'])
  expect(add.code, add.stderr).toBe(0)
  try {
    await waitFor(async () => (await b.p.json<Array<{ publicKey: string }>>(['requests'])).some((r) => r.publicKey === a.p.publicKey), 'the request over the LAN', 30_000, 250)
    const acc = await b.p.cli(['accept', a.p.publicKey])
    expect(acc.code, acc.stderr).toBe(0)
    await waitFor(async () => await onlineVia(a.p, b.p) === 'lan' && await onlineVia(b.p, a.p) === 'lan', 'both online over the LAN', 30_000, 250)
  } catch (err) {
    console.log(await dump())
    throw err
  }
}

/** n messages each way, every one delivered, in order, exactly once. */
export async function talk (ca: Client, a: Profile, cb: Client, b: Profile, n: number, tag: string): Promise<void> {
  const toB = Array.from({ length: n }, (_, i) => `${tag} ${a.name}→${b.name} #${i}`)
  const toA = Array.from({ length: n }, (_, i) => `${tag} ${b.name}→${a.name} #${i}`)
  const [sa, sb] = await Promise.all([
    ca.call('sendMany', { friend: b.publicKey, texts: toB }),
    cb.call('sendMany', { friend: a.publicKey, texts: toA })
  ])
  const [da, db] = await Promise.all([
    ca.call('waitDelivered', { friend: b.publicKey, seq: sa[sa.length - 1].seq, timeoutMs: 30_000 }),
    cb.call('waitDelivered', { friend: a.publicKey, seq: sb[sb.length - 1].seq, timeoutMs: 30_000 })
  ])
  expect(da.delivered && db.delivered).toBe(true)
  const hb = await cb.call('history', { friend: a.publicKey, limit: 1000 })
  const ha = await ca.call('history', { friend: b.publicKey, limit: 1000 })
  expect(hb.filter((h) => h.from === a.publicKey && h.text.startsWith(tag)).map((h) => h.text)).toEqual(toB)
  expect(ha.filter((h) => h.from === b.publicKey && h.text.startsWith(tag)).map((h) => h.text)).toEqual(toA)
}

/**
 * kill -9 b while a keeps sending; b comes back and the two find each other again over the LAN
 * (no DHT to look b up on), and what a sent meanwhile arrives.
 */
export async function killAndRecover (a: LanSide, b: LanSide, dump: () => Promise<string>): Promise<void> {
  await b.p.kill9()
  await waitFor(async () => (await friendsOf(a.p)).find((f) => f.publicKey === b.p.publicKey)?.online === false, `${a.p.name} sees ${b.p.name} gone`, 30_000, 250)
  const sent = await a.p.cli(['send', b.p.publicKey.slice(0, 16), 'sent while you were down'])
  expect(sent.code, sent.stderr).toBe(0)
  await startSide(b)
  try {
    await waitFor(async () => await onlineVia(a.p, b.p) === 'lan' && await onlineVia(b.p, a.p) === 'lan', 'both online again over the LAN', 30_000, 250)
    const cb = await b.p.client()
    await waitFor(async () => (await cb.call('history', { friend: a.p.publicKey, limit: 50 })).some((h) => h.text === 'sent while you were down'), 'the message sent while b was down', 30_000, 250)
  } catch (err) {
    console.log(await dump())
    throw err
  }
}
