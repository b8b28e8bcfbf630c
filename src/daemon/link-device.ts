/**
 * `psst device link`: this home becomes a new device of an identity held elsewhere (docs/devices.md,
 * Linking). Runs in the command's own process, with a DHT node of its own, while no daemon runs.
 */
import { existsSync, writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ProfileStore } from '../storage/profile-store.js'
import { cryptoReady } from '../crypto/sodium.js'
import { toHex } from '../crypto/identity.js'
import { formatId } from '../crypto/id.js'
import { DhtNode } from '../net/dht-node.js'
import { parseBootstrap } from '../net/bootstrap.js'
import type { PeerStream } from '../net/peer-stream.js'
import { newLinkCode, linkKeyPair } from '../devices/link-code.js'
import { askForGrant, applyGrant, LINK_DONE } from '../devices/link-wait.js'
import { initProfile } from './profile.js'
import { fromRecord } from './settings.js'
import { PsstError } from '../errors.js'

export interface LinkOptions {
  home: string
  /** This device's name in the identity's device list. */
  name: string
  bootstrap?: string
  dhtHost?: string
  onCode: (code: string) => void
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000
const WAITING_MARK = 'link-waiting'

export async function linkDevice (opts: LinkOptions): Promise<{ id: string, deviceKey: string }> {
  await cryptoReady()
  const mark = join(opts.home, WAITING_MARK)
  if (ProfileStore.exists(opts.home) && !existsSync(mark)) {
    throw new PsstError('PROFILE_EXISTS', `${opts.home} holds a profile of its own; link the new device into an empty home (--home DIR)`)
  }
  if (!ProfileStore.exists(opts.home)) {
    await initProfile(opts.home, { name: opts.name, passphrase: null, settings: { bootstrap: opts.bootstrap ?? null, dhtHost: opts.dhtHost ?? null } })
    writeFileSync(mark, 'this profile waits to be linked (psst device link)\n')
  }
  const store = await ProfileStore.open(opts.home, null)
  let dht: DhtNode | null = null
  try {
    const profile = await store.loadProfile()
    const stored = fromRecord(await store.loadSettings())
    const bootstrap = opts.bootstrap ?? stored.bootstrap
    dht = await DhtNode.create({ bootstrap: bootstrap === null ? null : parseBootstrap(bootstrap), host: opts.dhtHost ?? stored.dhtHost ?? undefined })
    const code = newLinkCode()
    const stream = await firstConnection(dht, code, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.onCode)
    const grant = await askForGrant(stream, profile.publicKey, opts.name)
    const linked = await applyGrant(store, profile, grant, Date.now())
    rmSync(mark, { force: true })
    stream.write(LINK_DONE)
    await new Promise((resolve) => setTimeout(resolve, 300))
    stream.end()
    return { id: formatId(grant.list.identity, linked.nospam), deviceKey: toHex(profile.publicKey) }
  } finally {
    await dht?.destroy()
    await store.close()
  }
}

function firstConnection (dht: DhtNode, code: string, timeoutMs: number, onCode: (code: string) => void): Promise<PeerStream> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new PsstError('TIMEOUT', 'no device used the code in time; run psst device link again for a new one')), timeoutMs)
    let taken = false
    dht.listen(linkKeyPair(code), () => false, (stream) => {
      // One code, one device: whoever comes second is turned away.
      if (taken) return stream.destroy()
      taken = true
      clearTimeout(timer)
      resolve(stream)
    }).then(() => onCode(code), (err) => { clearTimeout(timer); reject(err) })
  })
}
