/**
 * Crowding (issue 15 item 7): 1 000 fresh keys that hold the target's full ID (so their requests
 * carry the right nospam) flood it with friend requests from one helper process with its own
 * hyperdht node. Meanwhile carol, a real daemon, adds the target as anyone would. Her request must
 * arrive while the flood goes on; the target is told once, with the nospam advice, as an event and
 * under `psst requests`; and the pending set stays bounded.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { TestNet, ROOT, waitFor, type Profile } from '../helpers/psst.js'
import type { PsstEvent } from '../../src/daemon/index.js'

const CHILD = fileURLToPath(new URL('./request-flood.child.mjs', import.meta.url))
const FLOOD = 1000
const PARALLEL = 24
const CAP = 100

describe('a real friend request gets through a flood of fresh keys', () => {
  let net: TestNet
  let flood: ChildProcess | null = null

  beforeAll(async () => { net = await TestNet.start(149) })
  afterAll(async () => {
    if (flood !== null && flood.exitCode === null) flood.kill('SIGKILL')
    await net?.teardown()
  })

  it('carol\'s request arrives during the flood; one warning with the nospam advice', async () => {
    const target = await net.profile('target')
    const carol = await net.profile('carol')
    const client = await target.client()
    const events: PsstEvent[] = []
    await client.subscribe((e) => { events.push(e) })
    const [host, port] = net.bootstrap.split(',')[0].split(':')
    const nospam = target.id.slice(64, 72)

    let out = ''
    flood = spawn(process.execPath, [CHILD, join(ROOT, 'dist'), host, port, target.publicKey, nospam, String(FLOOD), String(PARALLEL)], { stdio: ['ignore', 'pipe', 'inherit'] })
    flood.stdout!.on('data', (d) => { out += d })
    const sentSoFar = (): number => Number(/sent (\d+)\n(?![\s\S]*sent)/.exec(out)?.[1] ?? 0)
    // carol asks only once the flood has filled the pending set: the moment a shared budget and a
    // pending cap that drops newcomers kept her out until the nospam was rotated
    const floodRequests = (): number => events.filter((e) => e.type === 'friend-request').length
    await waitFor(() => floodRequests() >= CAP, 'the flood filling the pending set', 240_000, 200)

    const added = await carol.json(['add', target.id, 'hi, it is carol'])
    expect(added.state).toBe('request-sent')
    const fromCarol = (): boolean => events.some((e) => e.type === 'friend-request' && e.publicKey === carol.publicKey)
    await waitFor(fromCarol, 'carol\'s request at the target', 90_000, 100)
    const floodAtArrival = sentSoFar()
    const stillFlooding = !/done/.test(out)

    await waitFor(() => /done \d+ admitted \d+/.test(out), 'the flood to finish', 300_000, 500)
    const [, sent, admitted] = /done (\d+) admitted (\d+)/.exec(out)!.map(Number)
    const status = await client.call('status', {})
    console.log(`flood: ${sent} requests sent, ${admitted} admitted; carol's request arrived after ${floodAtArrival} sent (flood still running: ${stillFlooding}); counters ${JSON.stringify(status.counters)}`)
    expect(sent).toBe(FLOOD)
    expect(stillFlooding).toBe(true)

    const reqs = await client.call('requests', {})
    expect(reqs.length).toBeLessThanOrEqual(CAP)
    // carol's daemon retries until answered, so she is among the pending requests after the flood too
    await waitFor(async () => (await client.call('requests', {})).some((r) => r.publicKey === carol.publicKey), 'carol among the pending requests', 60_000, 250)

    const warnings = events.filter((e) => e.type === 'warning' && /nospam/.test(e.message))
    expect(warnings).toHaveLength(1)
    expect(status.requestFlood).toBeDefined()
    const listed = await target.cli(['requests'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/psst nospam --new/)
  }, 600_000)
})
