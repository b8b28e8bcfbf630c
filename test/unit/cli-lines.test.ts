import { describe, it, expect } from 'vitest'
import { Readable } from 'node:stream'
import { batches, readLines, readOneLine } from '../../src/apps/cli/lines.js'
import { PsstError } from '../../src/errors.js'

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

const chunks = (...parts: Array<string | Buffer>): Readable => Readable.from(parts.map((p) => Buffer.from(p)))

describe('cli lines', () => {
  it('splits on \\n and \\r\\n, keeps empty lines, and keeps a last line without newline', async () => {
    expect(await collect(readLines(chunks('a\nb\r\n\nc')))).toEqual(['a', 'b', '', 'c'])
    expect(await collect(readLines(chunks('a\n')))).toEqual(['a'])
    expect(await collect(readLines(chunks('')))).toEqual([])
  })
  it('joins lines and UTF-8 characters split across chunks', async () => {
    const euro = Buffer.from('€')
    const input = Readable.from([Buffer.from('he'), Buffer.from('llo\nx'), euro.subarray(0, 1), euro.subarray(1), Buffer.from('\n')])
    expect(await collect(readLines(input))).toEqual(['hello', 'x€'])
  })
  it('refuses a runaway line instead of buffering it', async () => {
    const err = await collect(readLines(chunks('x'.repeat(50), 'y'.repeat(50)), 64)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PsstError)
    expect((err as PsstError).code).toBe('TOO_LONG')
  })
  it('streams: lines are read lazily, in order', async () => {
    let pulled = 0
    async function * source (): AsyncGenerator<Buffer> {
      for (let i = 0; i < 10_000; i++) { pulled++; yield Buffer.from(`${i}\n`) }
    }
    const it = readLines(source())
    const first = await it.next()
    expect(first.value).toBe('0')
    expect(pulled).toBeLessThan(10)
    await it.return(undefined)
  })
  it('batches keep order and a short last batch', async () => {
    async function * nums (): AsyncGenerator<number> { for (let i = 1; i <= 7; i++) yield i }
    expect(await collect(batches(nums(), 3))).toEqual([[1, 2, 3], [4, 5, 6], [7]])
  })
  it('reads one line (the daemon passphrase pipe)', async () => {
    expect(await readOneLine(chunks('secret pass\nrest'))).toBe('secret pass')
    expect(await readOneLine(chunks(''))).toBe(null)
  })
})
