/**
 * Group chat (issue 18, docs/groups.md): `group_latency_*` — a line sent in a 10-member group until
 * the last of the other nine has it — and `group_catchup_ms` — a member coming back to 1 000 lines
 * it missed. Ten real `psst daemon` processes whose friendships form a ring with chords (each is a
 * friend of the next two), so lines travel member to member as they would among people who are
 * not all friends of each other. Clients in this process, one per daemon, subscribed to
 * group-message events: both ends of a sample are timed on this process's clock.
 */
import type { Client, PsstEvent } from '../../src/daemon/index.js'
import { BenchProfile } from './profile.js'
import { sleep, waitFor } from './proc.js'

export interface GroupPlan { members: number, warmup: number, samples: number, catchup: number }

export interface GroupResults {
  /** Per sample: send call → the last other member's event (ms). */
  latencyMs: number[]
  /** Per sample: send call → the first other member's event (ms). */
  firstMs: number[]
  /** The returning member's "listening as" → its event for the last missed line (ms). */
  catchupMs: number | null
  /** Of which: "listening as" → the first missed line arriving (the links coming up). */
  catchupFirstMs: number | null
}

const GROUP = 'bench'

interface Member { p: BenchProfile, c: Client, seen: Map<string, number> }

async function befriend (a: Member, b: Member): Promise<void> {
  await a.c.call('add', { id: b.p.id, message: 'bench' })
  await waitFor(async () => (await b.c.call('requests', {})).some((r) => r.publicKey === a.p.publicKey), 'a friend request', 30_000, 50)
  await b.c.call('accept', { friend: a.p.publicKey })
  await waitFor(async () => (await a.c.call('friends', {})).find((f) => f.publicKey === b.p.publicKey)?.online === true, 'friends online', 30_000, 50)
}

async function subscribe (m: Member): Promise<void> {
  await m.c.subscribe((e: PsstEvent) => {
    if (e.type === 'group-message') m.seen.set(e.text, Date.now())
  }, ['group-message'])
}

async function member (p: BenchProfile): Promise<Member> {
  const m = { p, c: await p.client(), seen: new Map<string, number>() }
  await subscribe(m)
  return m
}

export async function groupPhases (bootstrap: string, plan: GroupPlan): Promise<GroupResults> {
  const profiles = Array.from({ length: plan.members }, (_, i) => new BenchProfile(`g${i}`, bootstrap))
  try {
    await Promise.all(profiles.map(async (p) => await p.init()))
    for (const p of profiles) await p.start()
    const ms = await Promise.all(profiles.map(member))
    const n = ms.length
    // Ring with chords: i ~ i+1 and i ~ i+2 (the adds of one round in parallel, each daemon in at most two).
    for (const step of [1, 2]) {
      for (let start = 0; start < step + 1; start++) {
        const pairs: Array<[Member, Member]> = []
        for (let i = start; i < n; i += step + 1) pairs.push([ms[i], ms[(i + step) % n]])
        await Promise.all(pairs.map(async ([a, b]) => await befriend(a, b)))
      }
    }
    await form(ms)
    const latency = await latencies(ms, plan)
    const catchup = await catchUp(ms, plan.catchup)
    return { ...latency, ...catchup }
  } finally {
    await Promise.all(profiles.map(async (p) => await p.stop()))
  }
}

/** g0 founds the group and makes everyone a moderator; each member invites its friends further on. */
async function form (ms: Member[]): Promise<void> {
  await ms[0].c.call('groupCreate', { name: GROUP })
  for (let i = 1; i < ms.length; i++) {
    // Invited by a friend already in: i-1 (a friend on the ring), a moderator.
    const by = ms[i - 1]
    await by.c.call('groupInvite', { group: GROUP, friend: ms[i].p.publicKey })
    await waitFor(async () => (await ms[i].c.call('groupInvites', {})).length > 0, `g${i}'s invitation`, 30_000, 50)
    await ms[i].c.call('groupJoin', { group: GROUP })
    await waitFor(async () => (await ms[i].c.call('groupList', {}))[0]?.state === 'joined', `g${i} joined`, 30_000, 50)
    await ms[0].c.call('groupRole', { group: GROUP, member: ms[i].p.publicKey, role: 'moderator' })
    await waitFor(async () => (await ms[i].c.call('groupMembers', { group: GROUP })).find((m) => m.publicKey === ms[i].p.publicKey)?.role === 'moderator', `g${i} a moderator`, 30_000, 50)
  }
  for (const m of ms) await waitFor(async () => (await m.c.call('groupList', {}))[0]?.members === ms.length, 'every member everywhere', 60_000, 100)
}

async function latencies (ms: Member[], plan: GroupPlan): Promise<Pick<GroupResults, 'latencyMs' | 'firstMs'>> {
  const latencyMs: number[] = []
  const firstMs: number[] = []
  for (let i = 0; i < plan.warmup + plan.samples; i++) {
    const from = ms[i % ms.length]
    const others = ms.filter((m) => m !== from)
    const text = `bench-${i}`
    const t0 = Date.now()
    await from.c.call('groupSend', { group: GROUP, text })
    const arrivals = await waitFor(() => {
      const at = others.map((m) => m.seen.get(text))
      return at.every((t) => t !== undefined) ? at as number[] : null
    }, `line ${i} everywhere`, 30_000, 1)
    if (i >= plan.warmup) {
      latencyMs.push(Math.max(...arrivals) - t0)
      firstMs.push(Math.min(...arrivals) - t0)
    }
    await sleep(5)
  }
  return { latencyMs, firstMs }
}

async function catchUp (ms: Member[], lines: number): Promise<Pick<GroupResults, 'catchupMs' | 'catchupFirstMs'>> {
  const away = ms[ms.length - 1]
  await away.p.stop()
  const texts = Array.from({ length: lines }, (_, i) => `missed-${i}`)
  const sender = ms[1]
  for (let at = 0; at < texts.length; at += 250) await sender.c.call('sendMany', { friend: GROUP, texts: texts.slice(at, at + 250) })
  const last = texts[texts.length - 1]
  const friends = [ms[ms.length - 2], ms[ms.length - 3], ms[0], ms[1]]
  await waitFor(() => friends.every((m) => m.seen.has(last)), 'the lines at the returning member\'s friends', 60_000, 20)
  const { listeningAt } = await away.p.start()
  const back: Member = { p: away.p, c: await away.p.client(), seen: new Map() }
  await subscribe(back)
  // Lines that came before the subscription are not lost to the figure: the history says when it is complete.
  let polls = 0
  const end = await waitFor(async () => {
    const at = back.seen.get(last)
    if (at !== undefined) return at
    if (++polls % 20 !== 0) return null
    const h = await back.c.call('groupHistory', { group: GROUP, limit: 1 })
    return h[0]?.text === last ? Date.now() : null
  }, 'the returning member caught up', 60_000, 5)
  const first = Math.min(...texts.map((t) => back.seen.get(t) ?? Infinity))
  return { catchupMs: end - listeningAt, catchupFirstMs: Number.isFinite(first) ? first - listeningAt : null }
}
