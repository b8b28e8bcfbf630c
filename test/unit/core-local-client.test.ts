import { describe, it, expect, afterEach, beforeAll } from 'vitest'
import { tempStore, removeTempStores } from '../helpers/stores.js'
import { ProfileStore } from '../../src/storage/profile-store.js'
import { Messenger } from '../../src/contacts/messenger.js'
import { installProtocol } from '../../src/daemon/protocol.js'
import { localClient } from '../../src/daemon/local-client.js'
import { idInfo } from '../../src/daemon/profile.js'
import { cryptoReady } from '../../src/crypto/sodium.js'
import type { PsstEvent } from '../../src/daemon/api.js'

/**
 * The in-process client (what the bench's core measurements drive): the control socket's
 * handlers and events without the socket, its type filter, and nothing after close.
 */
beforeAll(async () => { await cryptoReady() })
afterEach(removeTempStores)

async function messenger (): Promise<{ m: Messenger, store: ProfileStore }> {
  const store = await tempStore(null)
  const m = new Messenger({ store, profile: await store.loadProfile(), dht: null, bootstrap: [] })
  installProtocol(m)
  await m.load()
  return { m, store }
}

describe('local client', () => {
  it('answers with the same handlers as the socket and delivers only the event types asked for', async () => {
    const { m, store } = await messenger()
    const c = localClient(m)
    expect(await c.call('id', {})).toEqual(idInfo(m.profile))
    await expect(c.call('send', { friend: 'nobody', text: 'x' })).rejects.toMatchObject({ code: expect.any(String) })
    const seen: string[] = []
    await c.subscribe((e) => seen.push(e.type), ['presence', 'dht'])
    const presence: PsstEvent = { type: 'presence', publicKey: 'aa', name: 'x', online: false, status: 'online', statusMessage: '' }
    m.emitEvent(presence)
    m.emitEvent({ type: 'typing', friend: 'aa', typing: true } as PsstEvent)
    m.emitEvent({ type: 'dht', state: 'online' } as PsstEvent)
    expect(seen).toEqual(['presence', 'dht'])
    expect(m.wantsEvents).toBe(true)
    let closed = false
    c.onClose(() => { closed = true })
    await c.close()
    expect(closed).toBe(true)
    expect(m.wantsEvents).toBe(false)
    m.emitEvent(presence)
    expect(seen).toEqual(['presence', 'dht'])
    await expect(c.call('id', {})).rejects.toMatchObject({ code: 'NO_DAEMON' })
    await m.close()
    await store.close()
  })
})
