import { describe, expect, it } from 'vitest'
import { rowToAnsi, sgrFor } from '../../src/apps/tui/screen.js'
import { seg } from '../../src/apps/tui/wrap.js'

describe('tui screen painting', () => {
  it('maps styles to SGR and clears the rest of a short row', () => {
    expect(rowToAnsi([seg('hi'), seg('!', 'error')], 10)).toBe('\x1b[0mhi\x1b[0;1;91m!\x1b[0m\x1b[K')
    expect(sgrFor('nick-3')).toBe('34')
    expect(sgrFor('bar')).toBe('97;44')
  })

  it('never writes control characters and never more than the width', () => {
    const out = rowToAnsi([seg('a\x1b]0;pwned\x07b'), seg('你好你好', 'hilight')], 7)
    const visible = out.replace(/\x1b\[[0-9;]*[mK]/g, '')
    expect(visible).toBe('a]0;pwnedb'.slice(0, 7))
    expect(out.includes('\x07')).toBe(false)
    expect(out.replace(/\x1b\[[0-9;]*[mK]/g, '').includes('\x1b')).toBe(false)
  })
})
