/**
 * Whole messages over a peer stream, one at a time with a deadline: the linking conversation is
 * three messages long and runs on its own connection (the secret stream keeps message bounds).
 */
import type { PeerStream } from '../net/peer-stream.js'
import { PsstError } from '../errors.js'

export interface MessageReader { next (timeoutMs: number): Promise<Buffer> }

export function readMessages (stream: PeerStream): MessageReader {
  const queue: Buffer[] = []
  let waiting: ((b: Buffer | null) => void) | null = null
  let closed = false
  stream.on('data', (b: Buffer) => {
    if (waiting !== null) { const w = waiting; waiting = null; w(b) } else queue.push(b)
  })
  stream.on('close', () => {
    closed = true
    if (waiting !== null) { const w = waiting; waiting = null; w(null) }
  })
  return {
    next (timeoutMs) {
      const first = queue.shift()
      if (first !== undefined) return Promise.resolve(first)
      if (closed) return Promise.reject(new PsstError('TIMEOUT', 'the other device closed the connection'))
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiting = null; reject(new PsstError('TIMEOUT', 'the other device did not answer in time; run psst device link again for a new code')) }, timeoutMs)
        waiting = (b) => {
          clearTimeout(timer)
          if (b === null) reject(new PsstError('TIMEOUT', 'the other device closed the connection before linking finished'))
          else resolve(b)
        }
      })
    }
  }
}
