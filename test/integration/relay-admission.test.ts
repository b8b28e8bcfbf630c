/**
 * Who may register a mailbox (issue 15 item 5): a relay started with `--owners invite` admits only
 * keys listed with --allow-owner and keys that bring an unused code from `psst relay invite`; any
 * other key is refused, so it cannot take a share of the relay's disk. The documented flow is run as
 * written: `psst relay invite`, then `psst mailbox set <relay> --invite CODE` on a real daemon.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { testHost, waitFor, psst, type Profile } from '../helpers/psst.js'
import { RelayProcess, relayNet, makeProfile, startWith } from '../helpers/relay.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import { generateKeyPair, type KeyPair } from '../../src/crypto/identity.js'
import { DhtNode } from '../../src/net/dht-node.js'
import { MailboxClient } from '../../src/mailbox/client.js'

const HOST = testHost(147)

describe('relay: owners admitted by the operator\'s policy', () => {
  let relay: RelayProcess
  let dht: DhtNode
  let listed: KeyPair
  let bob: Profile
  const clients: MailboxClient[] = []

  const connect = async (kp: KeyPair): Promise<MailboxClient> => {
    const c = new MailboxClient(dht.connect(Buffer.from(relay.publicKey, 'hex'), kp))
    clients.push(c)
    expect(await c.opened()).toBe(true)
    return c
  }
  const invite = async (): Promise<{ code: string, relay: string }> => {
    const r = await psst(['--home', relay.home, 'relay', 'invite', '--json'])
    expect(r.code).toBe(0)
    return JSON.parse(r.stdout)
  }

  beforeAll(async () => {
    await cryptoReady()
    listed = generateKeyPair()
    relay = await new RelayProcess({ host: HOST, owners: 'invite', allowOwners: [listed.publicKey.toString('hex')] }).start()
    dht = await DhtNode.create({ bootstrap: [{ host: HOST, port: relay.port }], host: HOST })
  })

  afterAll(async () => {
    for (const c of clients) c.close()
    await bob?.teardown()
    await dht?.destroy()
    await relay?.teardown()
  })

  it('says its policy at start and in status', async () => {
    expect(relay.log).toMatch(/owners: by invite \(1 listed keys/)
    const s = await relay.status()
    expect([s.ownerPolicy, s.allowedOwners, s.owners]).toEqual(['invite', 1, 0])
  })

  it('refuses a key that is neither listed nor invited, and a made-up code', async () => {
    const c = await connect(generateKeyPair())
    expect((await c.register()).code).toBe('not-admitted')
    expect((await c.register('not-a-real-code')).code).toBe('not-admitted')
    // Not registered: it cannot grant capabilities either.
    expect((await c.caps([generateKeyPair().publicKey])).code).toBe('not-registered')
    const s = await relay.status()
    expect([s.owners, s.refusedBy['not-admitted']]).toEqual([0, 2])
  })

  it('admits a listed key without a code', async () => {
    expect((await (await connect(listed)).register()).code).toBe('ok')
    expect((await relay.status()).owners).toBe(1)
  })

  it('an invite code admits one key, once; the key stays admitted', async () => {
    const { code } = await invite()
    const first = generateKeyPair()
    expect((await (await connect(first)).register(code)).code).toBe('ok')
    expect((await (await connect(generateKeyPair())).register(code)).code).toBe('not-admitted')
    expect((await (await connect(first)).register()).code).toBe('ok')
    expect((await relay.status()).owners).toBe(2)
  })

  it('the documented flow: psst relay invite, then psst mailbox set <relay> --invite CODE', async () => {
    bob = await makeProfile(relayNet(relay), 'bob')
    await startWith(bob)
    const refused = await bob.cli(['mailbox', 'set', relay.publicKey])
    expect(refused.code).toBe(0)
    const cb = await bob.client()
    await waitFor(async () => (await cb.call('status', {})).counters['mailbox-register-not-admitted'] === 1, 'bob is refused without a code')
    const shown = await bob.cli(['mailbox'])
    expect(shown.stdout).toMatch(/not admitted: ask its operator for an invite code, then psst mailbox set [0-9a-f]{64} --invite CODE/)
    const { code, relay: key } = await invite()
    expect(key).toBe(relay.publicKey)
    const r = await bob.cli(['mailbox', 'set', key, '--invite', code])
    expect(r.code).toBe(0)
    await waitFor(async () => (await relay.status()).owners === 3, 'bob registered with the invite')
    expect((await cb.call('status', {})).counters['mailbox-registered']).toBe(1)
    expect(await bob.json(['mailbox'])).toEqual({ relay: relay.publicKey, registration: 'registered' })
  })
})
