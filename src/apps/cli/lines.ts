/**
 * Streaming line reading for `send --stdin`: pulls the input only as fast as lines are consumed,
 * so a huge input is never held in memory, and one runaway line is cut off instead of buffered.
 */
import { StringDecoder } from 'node:string_decoder'
import { PsstError } from '../../errors.js'

/** Far above any message the core accepts; only here to bound memory on input without newlines. */
export const MAX_LINE_CHARS = 1024 * 1024

/** Lines without their ending (\n or \r\n); a last line without a newline counts too. */
export async function * readLines (input: AsyncIterable<Buffer | string>, maxChars = MAX_LINE_CHARS): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let pending = ''
  let lineNo = 0
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk)
    let start = 0
    let nl: number
    while ((nl = pending.indexOf('\n', start)) !== -1) {
      lineNo++
      yield stripCr(pending.slice(start, nl))
      start = nl + 1
    }
    pending = pending.slice(start)
    if (pending.length > maxChars) {
      throw new PsstError('TOO_LONG', `line ${lineNo + 1} of the input is longer than ${maxChars} characters`)
    }
  }
  pending += decoder.end()
  if (pending !== '') yield stripCr(pending)
}

function stripCr (line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}

/** Groups items into arrays of at most `size`, keeping order. */
export async function * batches<T> (items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = []
  for await (const item of items) {
    batch.push(item)
    if (batch.length >= size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

/** The first line of a stream (without its ending), or null if the stream ends empty. */
export async function readOneLine (input: NodeJS.ReadableStream): Promise<string | null> {
  const iter = readLines(input as AsyncIterable<Buffer | string>)
  const first = await iter.next()
  await iter.return(undefined)
  return first.done === true ? null : first.value
}
