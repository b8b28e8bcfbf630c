/**
 * Deposits between real daemons (issue 15 items 5 and 6). A flood of deposits from fresh keys
 * cannot fill bob's small mailbox, so alice's message still gets in; and what the relay sees of
 * a depositor's address. Alice and bob are real daemons; the
 * relay runs in this process so the test can watch every connection it accepts (key and UDP source
 * address). Alice uses the relay as her own mailbox too, so the relay knows her identity and the
 * address her main DHT node dials from. Her deposits for bob must come under a key that is not her identity,
 * from a UDP port that is not her main node's: otherwise the relay links the two.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testHost, waitFor, type Profile, type TestNet } from '../helpers/psst.js'
import { makeProfile, startWith, befriend } from '../helpers/relay.js'
import { RelayNode } from '../../src/relay/node.js'
import type { PeerStream } from '../../src/net/peer-stream.js'
import { DhtNode } from '../../src/net/dht-node.js'
import { MailboxClient } from '../../src/mailbox/client.js'
import { sealEnvelope } from '../../src/mailbox/envelope.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, randomBytes } from '../../src/crypto/identity.js'

const HOST = testHost(148)
const PORT = 49737
/** bob's mailbox holds 64 KiB: 16 of the flood's 4 KB envelopes would fill it. */
const QUOTA = 64 * 1024

interface Seen { key: string, host: string, port: number }

describe('relay: only friends deposit, and not from the identity\'s address', () => {
  let relay: RelayNode
  const home = mkdtempSync(join(tmpdir(), 'psst-relay-addr-'))
  let alice: Profile
  let bob: Profile
  const seen: Seen[] = []

  beforeAll(async () => {
    relay = await RelayNode.start({
      home,
      host: HOST,
      port: PORT,
      limits: { ownerBytes: QUOTA },
      owners: 'open',
      log: () => {},
      hook: () => ({
        accept (stream: PeerStream) {
          const note = (): void => {
            const raw = stream.rawStream
            if (raw?.remotePort !== undefined) seen.push({ key: stream.remotePublicKey.toString('hex'), host: raw.remoteHost, port: raw.remotePort })
          }
          if (stream.rawStream?.remotePort !== undefined) note()
          else stream.once('open', note)
        },
        stats: () => ({ relayed: 0, active: 0, bytes: 0, errors: 0 }),
        close: async () => {}
      })
    })
    const net = { bootstrap: `${HOST}:${PORT}` } as unknown as TestNet
    alice = await makeProfile(net, 'alice')
    bob = await makeProfile(net, 'bob')
    await startWith(alice)
    await startWith(bob)
  })

  afterAll(async () => {
    await alice?.teardown()
    await bob?.teardown()
    await relay?.stop()
    rmSync(home, { recursive: true, force: true })
  })

  it('a flood from fresh keys fills nothing; alice deposits for bob under another key, from another port than her identity uses', async () => {
    const { ca, cb } = await befriend(alice, bob)
    const relayKey = relay.status().publicKey
    await cb.call('mailboxSet', { relay: relayKey })
    await ca.call('mailboxSet', { relay: relayKey })
    await waitFor(() => relay.status().owners === 2 && relay.status().capabilities === 2, 'both registered, each with the other\'s capability')
    await waitFor(() => seen.some((s) => s.key === alice.publicKey), 'the relay saw alice\'s identity connection')
    // hyperdht dials from its node's client socket: one port for all of the node's outgoing connections.
    const identity = seen.find((s) => s.key === alice.publicKey)!

    await waitFor(async () => (await ca.call('friends', {}))[0]?.mailbox === relayKey, 'alice knows bob\'s mailbox')
    await bob.stop()
    await waitFor(async () => (await ca.call('friends', {}))[0]?.online === false, 'alice sees bob offline')
    // 200 fresh keys try to fill bob's mailbox first
    await cryptoReady()
    const floodAnswers: string[] = []
    const floodNode = await DhtNode.create({ bootstrap: [{ host: HOST, port: PORT }], host: HOST })
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, async () => {
        const c = new MailboxClient(floodNode.connect(Buffer.from(relayKey, 'hex'), generateKeyPair()))
        try {
          if (!await c.opened()) return 'closed'
          const env = sealEnvelope(generateKeyPair(), Buffer.from(bob.publicKey, 'hex'), Buffer.alloc(16), { id: randomBytes(16), seq: 1, sentAt: Date.now(), kind: 'text', body: 'x'.repeat(4000) })
          return (await c.deposit(Buffer.from(bob.publicKey, 'hex'), env)).code
        } finally { c.close() }
      }))
      floodAnswers.push(...answers)
    } finally {
      await floodNode.destroy()
    }
    const known = new Set(seen.map((s) => s.key))
    await ca.call('send', { friend: bob.publicKey, text: 'while you were away' })
    await waitFor(() => relay.status().held === 1, 'alice\'s deposit held, and nothing else', 30_000).catch((err) => {
      console.log(`flood answers: ${JSON.stringify([...new Set(floodAnswers)])}; relay ${JSON.stringify(relay.status().refusedBy)}; held ${relay.status().held}`)
      throw err
    })
    expect(new Set(floodAnswers)).toEqual(new Set(['refused']))

    const deposits = seen.filter((s) => !known.has(s.key))
    expect(deposits.length).toBeGreaterThan(0)
    for (const d of deposits) {
      expect(d.key).not.toBe(alice.publicKey)
      expect(d.host).toBe(identity.host)
      expect(d.port).not.toBe(identity.port)
    }
  })

  it('removing a friend revokes their capability at the relay', async () => {
    const ca = await alice.client()
    expect(relay.status().capabilities).toBe(2)
    await ca.call('remove', { friend: bob.publicKey })
    await waitFor(() => relay.status().capabilities === 1, 'alice\'s capability for bob revoked')
  })
})
