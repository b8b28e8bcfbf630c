/**
 * Transfer records at rest: one small file per transfer in `<home>/files/`, replaced atomically
 * (write, fsync, rename), plus the sender's block hashes beside it, sealed for a passphrase profile
 * (src/files/sealed.ts). Kept out of the profile DB so a transfer's hot path (progress, resume)
 * never competes with chat for the DB's write queue.
 */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import { decodeTransferRecord, encodeTransferRecord, type TransferRecord } from '../wire/files.js'
import { plainSealer, type Sealer } from './sealed.js'

export class RecordDir {
  readonly dir: string
  readonly sealer: Sealer
  /** Records and hash lists rewritten under the profile's current setting (sealed or plain). */
  migrated = 0
  constructor (dir: string, sealer: Sealer = plainSealer) {
    this.dir = dir
    this.sealer = sealer
  }

  recPath (id: string): string { return join(this.dir, `${id}.rec`) }
  hashesPath (id: string): string { return join(this.dir, `${id}.hashes`) }
  statePath (id: string): string { return join(this.dir, `${id}.state`) }

  async init (): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 })
  }

  async save (id: string, rec: TransferRecord): Promise<void> {
    await writeAtomic(this.recPath(id), this.sealer.seal('rec', id, encodeTransferRecord(rec)))
  }

  async saveHashes (id: string, hashes: Buffer): Promise<void> {
    await writeAtomic(this.hashesPath(id), this.sealer.seal('hashes', id, hashes))
  }

  async loadHashes (id: string): Promise<Buffer | null> {
    const raw = await fs.readFile(this.hashesPath(id)).catch(() => null)
    const opened = raw === null ? null : this.sealer.open('hashes', id, raw)
    if (opened === null) return null
    if (opened.sealed !== this.sealer.encrypted) { await this.saveHashes(id, opened.bytes); this.migrated++ }
    return opened.bytes
  }

  /** Every readable record; damaged ones are counted and skipped, never fatal. */
  async loadAll (): Promise<{ records: Array<{ id: string, rec: TransferRecord }>, damaged: number }> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[])
    const records: Array<{ id: string, rec: TransferRecord }> = []
    let damaged = 0
    for (const name of names) {
      if (!/^[0-9a-f]{32}\.rec$/.test(name)) continue
      const id = name.slice(0, 32)
      const opened = this.sealer.open('rec', id, await fs.readFile(join(this.dir, name)).catch(() => Buffer.alloc(0)))
      const rec = opened === null ? null : decodeTransferRecord(opened.bytes)
      if (rec === null) { damaged++; continue }
      if (opened!.sealed !== this.sealer.encrypted) { await this.save(id, rec); this.migrated++ }
      records.push({ id, rec })
    }
    return { records, damaged }
  }
}

async function writeAtomic (path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.tmp`
  const fh = await fs.open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await fs.rename(tmp, path)
}
