import type { Client } from './control-client.js'
import type { Method, Params, Result } from './api.js'
import { ProfileStore } from '../store/profile-store.js'
import { cryptoReady } from '../crypto/sodium.js'
import { Messenger } from './messenger.js'
import { installProtocol } from './protocol.js'
import { handle } from './service.js'
import { PsstError } from '../errors.js'

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
  let m: Messenger
  try {
    m = new Messenger({ store, profile: await store.loadProfile(), dht: null, bootstrap: [] })
    installProtocol(m)
    await m.load()
  } catch (err) {
    await store.close()
    throw err
  }
  let closed = false
  const closeFns: Array<() => void> = []
  return {
    async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
      if (closed) throw new PsstError('NO_DAEMON', 'the profile is closed')
      return await handle(m, method, params) as Result<M>
    },
    async subscribe () { throw new PsstError('NO_DAEMON', 'events need a running daemon: psst daemon --detach') },
    onClose (fn) { closeFns.push(fn) },
    async close () {
      if (closed) return
      closed = true
      await m.close()
      await store.close()
      for (const fn of closeFns) fn()
    }
  }
}
