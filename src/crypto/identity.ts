/**
 * The ed25519 identity (docs/design.md, Identity and IDs). The same key pair is the hyperdht key pair and the Noise static
 * key, so keys are Node Buffers in the layout hyperdht uses: publicKey 32 bytes, secretKey 64 (seed ‖ pk).
 */
import { randomBytes as nodeRandomBytes, randomFillSync } from 'node:crypto'
import { buf, needLength, sodium } from './sodium.js'

export interface KeyPair { publicKey: Buffer, secretKey: Buffer }

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 64
export const SEED_BYTES = 32
export const SIGNATURE_BYTES = 64

export function generateKeyPair (): KeyPair {
  const kp = sodium().crypto_sign_keypair()
  return { publicKey: buf(kp.publicKey), secretKey: buf(kp.privateKey) }
}

/** Same bytes as hyperdht's `DHT.keyPair(seed)`: both are libsodium's crypto_sign_seed_keypair. */
export function keyPairFromSeed (seed: Uint8Array): KeyPair {
  needLength(seed, SEED_BYTES, 'seed')
  const kp = sodium().crypto_sign_seed_keypair(seed)
  return { publicKey: buf(kp.publicKey), secretKey: buf(kp.privateKey) }
}

/** Detached signature, 64 bytes. */
export function sign (message: Uint8Array, secretKey: Uint8Array): Buffer {
  needLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  return buf(sodium().crypto_sign_detached(message, secretKey))
}

/** False for a bad signature and for any malformed argument: it checks untrusted input, so never throws. */
export function verify (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.byteLength !== SIGNATURE_BYTES) return false
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== PUBLIC_KEY_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  try {
    return sodium().crypto_sign_verify_detached(signature, message, publicKey)
  } catch {
    return false
  }
}

/**
 * Random bytes from the OS CSPRNG (node:crypto), drawn from a pool: a message id is 16 of them per
 * message, and libsodium's WebAssembly `randombytes_buf` costs ~100 µs a call — a third of a
 * burst's CPU time. The pool also needs no `cryptoReady()`, so plain profiles never load libsodium.
 */
export function randomBytes (n: number): Buffer {
  if (n > POOL_SIZE / 4) return nodeRandomBytes(n)
  if (poolOffset + n > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const out = Buffer.allocUnsafe(n)
  pool.copy(out, 0, poolOffset, poolOffset + n)
  // Used bytes are overwritten so a later reader of the pool never sees what was handed out.
  pool.fill(0, poolOffset, poolOffset + n)
  poolOffset += n
  return out
}

const POOL_SIZE = 64 * 1024
const pool = Buffer.alloc(POOL_SIZE)
let poolOffset = POOL_SIZE

export function toHex (b: Uint8Array): string {
  return buf(b).toString('hex')
}

/** Null for odd length or any non-hex character (Buffer.from would silently stop at the first one). */
export function fromHex (s: string): Buffer | null {
  if (typeof s !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(s)) return null
  return Buffer.from(s, 'hex')
}
