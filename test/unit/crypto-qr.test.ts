import { describe, expect, it } from 'vitest'
import { qrText } from '../../src/crypto/qr.js'

describe('qrText', () => {
  it('draws a compact terminal QR for a psst: URI', async () => {
    const text = await qrText('PSST:' + 'AB'.repeat(38))
    const lines = text.split('\n').filter(l => l.length > 0)
    expect(text).toMatch(/[▀▄█]/)
    // Two modules per character row: a version-4 code (33 modules + margin) is ~19 rows, fits any terminal.
    expect(lines.length).toBeLessThan(25)
    const visible = lines[0].replace(/\x1b\[[0-9;]*m/g, '')
    expect(visible.length).toBeLessThanOrEqual(40)
  })
})
