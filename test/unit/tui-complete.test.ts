import { describe, expect, it } from 'vitest'
import { complete } from '../../src/apps/tui/complete.js'
import type { CompletionSource } from '../../src/apps/tui/complete.js'

const src: CompletionSource = {
  commands: ['/query', '/quit', '/q', '/accept', '/status', '/help'],
  friendNames: ['Alice Smith', 'alfred', 'Bob', '李小龍'],
  requestNames: ['dave'],
  argKind: c => ({ query: 'friend', q: 'friend', accept: 'request', status: 'status', help: 'command' } as const)[c] ?? 'none'
}

describe('tui tab completion', () => {
  it('completes commands and cycles through matches', () => {
    const a = complete('/qu', 3, src, null)
    expect(a?.line).toBe('/query ')
    const b = complete(a!.line, a!.cursor, src, a!.state)
    expect(b?.line).toBe('/quit ')
    const c = complete(b!.line, b!.cursor, src, b!.state)
    expect(c?.line).toBe('/query ')
  })

  it('completes friend names, with spaces, in friend arguments', () => {
    const r = complete('/query al', 9, src, null)
    expect(r?.line).toBe('/query alfred ')
    const again = complete(r!.line, r!.cursor, src, r!.state)
    expect(again?.line).toBe('/query Alice Smith ')
    expect(complete('/q Alice S', 10, src, null)?.line).toBe('/q Alice Smith ')
    expect(complete('/query 李', 8, src, null)?.line).toBe('/query 李小龍 ')
  })

  it('completes request names, statuses and command names by argument kind', () => {
    expect(complete('/accept d', 9, src, null)?.line).toBe('/accept dave ')
    expect(complete('/status a', 9, src, null)?.line).toBe('/status away ')
    expect(complete('/help acc', 9, src, null)?.line).toBe('/help accept ')
  })

  it('completes friend names in plain text at the cursor, keeping the rest', () => {
    const r = complete('hi bo how are you', 5, src, null)
    expect(r?.line).toBe('hi Bob how are you')
    expect(r?.cursor).toBe(6)
  })

  it('returns null when nothing matches', () => {
    expect(complete('/zz', 3, src, null)).toBeNull()
    expect(complete('hello zed', 9, src, null)).toBeNull()
    expect(complete('', 0, src, null)).toBeNull()
  })
})
