import { describe, expect, it } from 'vitest'
import { complete, type CompletionSource, type DirEntry } from '../../src/apps/tui/complete.js'
import { TransferBoard, endLine, progressLine, statusSummary } from '../../src/apps/tui/transfers.js'
import type { FileInfo } from '../../src/daemon/api.js'

const MiB = 1024 * 1024

describe('tui path completion (/file, /avatar)', () => {
  const tree: Record<string, DirEntry[]> = {
    '': [{ name: 'photos', dir: true }, { name: 'notes.txt', dir: false }, { name: '.hidden', dir: false }],
    '~/': [{ name: 'Downloads', dir: true }, { name: 'Documents', dir: true }, { name: 'me.png', dir: false }],
    '~/Documents/': [{ name: 'cv.pdf', dir: false }]
  }
  const src: CompletionSource = {
    commands: ['/file', '/avatar'],
    friendNames: [],
    requestNames: [],
    argKind: c => c === 'file' || c === 'avatar' ? 'path' : 'none',
    listDir: dir => tree[dir] ?? []
  }

  it('completes a folder with a slash and goes on inside it, as a shell does', () => {
    const a = complete('/file ~/Doc', 11, src, null)
    expect(a?.line).toBe('/file ~/Documents/')
    const b = complete(a!.line, a!.cursor, src, null)
    expect(b?.line).toBe('/file ~/Documents/cv.pdf')
  })

  it('cycles through several matches; hides dot files unless asked', () => {
    const a = complete('/avatar ~/Do', 12, src, null)
    expect(a?.line).toBe('/avatar ~/Documents/')
    expect(complete(a!.line, a!.cursor, src, a!.state)?.line).toBe('/avatar ~/Downloads/')
    expect(complete('/file ', 6, src, null)?.line).toBe('/file notes.txt')
    expect(complete('/file .h', 8, src, null)?.line).toBe('/file .hidden')
    expect(complete('/file nothing-like-this', 23, src, null)).toBeNull()
  })
})

describe('tui transfer lines', () => {
  const info = (bytes: number, extra: Partial<FileInfo> = {}): FileInfo => ({ fileId: 'ab'.repeat(16), friend: 'cd'.repeat(32), direction: 'in', name: 'big.iso', size: 100 * MiB, bytes, state: 'active', path: '/tmp/big.iso', ...extra })

  it('shows name, %, bar, bytes, rate and ETA, the rate from the progress seen', () => {
    const board = new TransferBoard()
    const v0 = board.update(info(0), 0)
    expect(progressLine(v0)).toMatch(/^↓ big\.iso +0% \[\.{20}\] 0 B\/100 MiB +waiting +ETA --:--$/)
    const v = board.update(info(50 * MiB), 5000)
    expect(progressLine(v)).toBe('↓ big.iso   50% [##########..........] 50 MiB/100 MiB  10 MiB/s  ETA 0:05')
    expect(statusSummary(board.running)).toBe('↓ big.iso 50% ETA 0:05')
  })

  it('ends as done (size, time, mean rate) or as failed with the reason, and leaves the status bar', () => {
    const board = new TransferBoard()
    board.update(info(0), 0)
    const done = board.end(info(100 * MiB, { state: 'complete' }))!
    expect(endLine(done, 10_000)).toBe('↓ big.iso  done: 100 MiB in 0:10, 10 MiB/s')
    expect(board.running).toEqual([])
    board.update(info(0, { fileId: 'ef'.repeat(16), direction: 'out' }), 0)
    const failed = board.end(info(30 * MiB, { fileId: 'ef'.repeat(16), direction: 'out', state: 'cancelled', reason: 'cancelled by the friend' }))!
    expect(endLine(failed, 1000)).toBe('↑ big.iso  cancelled at 30%: cancelled by the friend')
  })

  it('sums several transfers in the status bar', () => {
    const board = new TransferBoard()
    board.update(info(25 * MiB), 0)
    board.update(info(75 * MiB, { fileId: 'ef'.repeat(16) }), 0)
    expect(statusSummary(board.running)).toBe('2 transfers 50%')
  })
})
