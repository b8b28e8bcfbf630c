import type { Client } from './control-client.js'
import type { Method, Params, Result } from './api.js'
import type { Messenger } from '../contacts/messenger.js'
import type { ProfileRecord } from '../wire/records.js'
import { ProfileStore } from '../storage/profile-store.js'
import { cryptoReady } from '../crypto/sodium.js'
import { idInfo } from './profile.js'
import { profileAsIdentity } from '../devices/book.js'
import { PsstError } from '../errors.js'

type Handle = (m: Messenger, method: string, params: unknown) => Promise<unknown>

/**
 * The profile opened in this process without network, for commands that need no daemon
 * (id, nospam, friends …). It holds the profile lock while open, like a daemon would.
 */
export async function openOffline (home: string, passphrase?: () => Promise<string | null>): Promise<Client> {
  const encrypted = ProfileStore.isEncrypted(home)
  // Only an encrypted profile needs libsodium to open; a plain one is read as is.
  if (encrypted) await cryptoReady()
  const secret = encrypted ? (await passphrase?.()) ?? null : null
  const store = await ProfileStore.open(home, secret)
  let profile: ProfileRecord
  try {
    profile = await store.loadProfile()
  } catch (err) {
    await store.close()
    throw err
  }
  // The messenger, and with it most of the core, is loaded by the first call that needs it:
  // `psst id` answers from the profile record alone (half of its modules, a third of its time).
  let full: Promise<{ m: Messenger, handle: Handle }> | null = null
  const messenger = (): Promise<{ m: Messenger, handle: Handle }> => {
    full ??= (async () => {
      const [{ Messenger }, { installProtocol }, { handle }, { installDevices }] = await Promise.all([import('../contacts/messenger.js'), import('./protocol.js'), import('./service.js'), import('../devices/runtime.js')])
      const m = new Messenger({ store, profile, dht: null, bootstrap: [] })
      installProtocol(m)
      await m.load()
      await installDevices(m)
      return { m, handle }
    })()
    return full
  }
  let closed = false
  const closeFns: Array<() => void> = []
  return {
    async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
      if (closed) throw new PsstError('NO_DAEMON', 'the profile is closed')
      if (method === 'id' && full === null) return idInfo(await profileAsIdentity(store, profile)) as Result<M>
      const { m, handle } = await messenger()
      // A group's history, or a group named where a friend could be: groups load (and libsodium) only then.
      if (method.startsWith('group') || method === 'history' || method === 'markRead') await (await import('./groups.js')).groupsReady(m)
      return await handle(m, method, params) as Result<M>
    },
    async subscribe () { throw new PsstError('NO_DAEMON', 'events need a running daemon: psst daemon --detach') },
    onClose (fn) { closeFns.push(fn) },
    async close () {
      if (closed) return
      closed = true
      try {
        if (full !== null) await (await full.catch(() => null))?.m.close()
      } finally {
        await store.close()
      }
      for (const fn of closeFns) fn()
    }
  }
}
