import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { safeFileName, suffixed, downloadDir, reserveDestination, placeFinished } from '../../src/files/naming.js'

describe('safeFileName: a peer\'s name never becomes a path', () => {
  it.each([
    ['../../.bashrc', '_.._.bashrc'],
    ['/etc/passwd', '_etc_passwd'],
    ['..\\..\\win.ini', '_.._win.ini'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['   ', 'file'],
    ['.hidden', 'hidden'],
    ['report.pdf', 'report.pdf'],
    ['a\u0000b\nc\rd\u001b[31m.txt', 'abcd[31m.txt'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['trailing dots...', 'trailing dots'],
    ['ünïcödé 日本.txt', 'ünïcödé 日本.txt']
  ])('%j -> %j', (input, out) => {
    expect(safeFileName(input)).toBe(out)
  })

  it('cuts a long name on a character boundary and keeps the extension', () => {
    const name = '日'.repeat(200) + '.tar'
    const safe = safeFileName(name)
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(200)
    expect(safe.endsWith('.tar')).toBe(true)
    expect(safe).not.toContain('\ufffd')
  })

  it('suffixes before the extension', () => {
    expect(suffixed('a.txt', 0)).toBe('a.txt')
    expect(suffixed('a.txt', 2)).toBe('a (2).txt')
    expect(suffixed('README', 1)).toBe('README (1)')
  })
})

describe('downloadDir', () => {
  it('--to wins, then $XDG_DOWNLOAD_DIR/psst, then ~/Downloads/psst', () => {
    expect(downloadDir('/x', { XDG_DOWNLOAD_DIR: '/d', HOME: '/h' })).toBe('/x')
    expect(downloadDir(undefined, { XDG_DOWNLOAD_DIR: '/d', HOME: '/h' })).toBe('/d/psst')
    expect(downloadDir(null, { HOME: '/h' })).toBe('/h/Downloads/psst')
  })
})

describe('reserveDestination and placeFinished never overwrite', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'psst-names-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('a hostile name stays inside the directory', async () => {
    const down = join(dir, 'dl')
    const r = await reserveDestination(down, '../../.bashrc')
    expect(dirname(r.dest)).toBe(down)
    expect(r.part).toBe(r.dest + '.part')
    expect(readdirSync(dir)).toEqual(['dl'])
  })

  it('existing files and parts push the name to a suffix', async () => {
    writeFileSync(join(dir, 'a.txt'), 'mine')
    const r1 = await reserveDestination(dir, 'a.txt')
    const r2 = await reserveDestination(dir, 'a.txt')
    expect(r1.dest).toBe(join(dir, 'a (1).txt'))
    expect(r2.dest).toBe(join(dir, 'a (2).txt'))
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('mine')
  })

  it('a file created at the name meanwhile is kept; the new one takes a suffix', async () => {
    const r = await reserveDestination(dir, 'b.bin')
    writeFileSync(r.part, 'new')
    writeFileSync(r.dest, 'someone else')
    const placed = await placeFinished(r.part, r.dest)
    expect(placed).toBe(join(dir, 'b (1).bin'))
    expect(readFileSync(r.dest, 'utf8')).toBe('someone else')
    expect(readFileSync(placed, 'utf8')).toBe('new')
    expect(existsSync(r.part)).toBe(false)
  })
})
