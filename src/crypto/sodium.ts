/**
 * The one door to libsodium. Every other module under src/crypto gets the library through `sodium()`,
 * so the rest of psst never sees the package and the WebAssembly start-up happens once.
 */
import { PsstError } from '../errors.js'

export type Sodium = typeof import('libsodium-wrappers-sumo')

let isReady = false
let pending: Promise<void> | null = null
let lib: unknown = null

/**
 * Loads and starts the WebAssembly library. Idempotent and safe to call concurrently. The
 * import is lazy: a CLI call answered by the daemon never pays for parsing libsodium.
 */
export async function cryptoReady (): Promise<void> {
  if (isReady) return
  pending ??= import('libsodium-wrappers-sumo').then(async (mod) => {
    const s = (mod as { default?: { ready: Promise<void> } }).default ?? (mod as unknown as { ready: Promise<void> })
    await s.ready
    lib = s
    isReady = true
  })
  await pending
}

/** The ready library. Throws INTERNAL when called before `cryptoReady()` resolved: a start-up bug. */
export function sodium (): Sodium {
  if (!isReady) throw PsstError.internal('crypto is not ready: await cryptoReady() at start-up')
  // The crypto functions exist only on the default export, and only after `ready`.
  return lib as Sodium
}

/** A Node Buffer over the same memory, so callers (hyperdht, level) get Buffers without a copy. */
export function buf (u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

/** Throws INTERNAL when a key or seed has the wrong size: that is a bug in the caller, not bad input. */
export function needLength (bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
    const got = bytes instanceof Uint8Array ? String(bytes.byteLength) : typeof bytes
    throw PsstError.internal(`${what} must be ${length} bytes, got ${got}`)
  }
}
