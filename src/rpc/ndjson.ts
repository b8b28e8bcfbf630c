import type { Writable } from 'node:stream'

/** A control-socket line longer than this is refused (and the socket closed). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024

/** Splits a byte stream into lines without holding more than one unfinished line. */
export class LineReader {
  #parts: Buffer[] = []
  #size = 0
  readonly #onLine: (line: string) => void
  readonly #onOverflow: () => void

  constructor (onLine: (line: string) => void, onOverflow: () => void) {
    this.#onLine = onLine
    this.#onOverflow = onOverflow
  }

  push (chunk: Buffer): void {
    let start = 0
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, start)) {
      this.#parts.push(chunk.subarray(start, i))
      const line = Buffer.concat(this.#parts).toString('utf8')
      this.#parts = []
      this.#size = 0
      start = i + 1
      if (line.length > 0) this.#onLine(line)
    }
    if (start < chunk.length) {
      this.#parts.push(chunk.subarray(start))
      this.#size += chunk.length - start
      if (this.#size > MAX_LINE_BYTES) { this.#parts = []; this.#size = 0; this.#onOverflow() }
    }
  }
}

export function writeJson (stream: Writable, value: unknown): boolean {
  if (stream.destroyed) return false
  return stream.write(JSON.stringify(value) + '\n')
}
