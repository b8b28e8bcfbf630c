import { describe, it, expect } from 'vitest'
import { ProgressBar, formatBytes, formatDuration } from '../../src/apps/cli/progress.js'

describe('file progress bar', () => {
  it('shows percentage, bytes, rate and ETA on one line redrawn in place', () => {
    const writes: string[] = []
    const bar = new ProgressBar({ write: (s: string) => writes.push(s) }, 'holiday.jpg', 100 * 1024 * 1024, 0)
    bar.update(25 * 1024 * 1024, 5000)
    expect(writes[0].startsWith('\r')).toBe(true)
    expect(writes[0].endsWith('\x1b[K')).toBe(true)
    expect(bar.render(5000)).toBe('holiday.jpg  25% [#####...............] 25 MiB/100 MiB 5.0 MiB/s ETA 0:15')
    bar.done(true)
    expect(writes[1].endsWith('\n')).toBe(true)
  })

  it('an unknown rate shows no ETA; long names are cut', () => {
    const bar = new ProgressBar({ write: () => {} }, 'a'.repeat(40), 10, 0)
    expect(bar.render(0)).toMatch(/^a{23}… {3}0% .* ETA --:--$/)
  })

  it('formats sizes and durations', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB')
    expect(formatDuration(3725)).toBe('1:02:05')
    expect(formatDuration(Infinity)).toBe('--:--')
  })
})
