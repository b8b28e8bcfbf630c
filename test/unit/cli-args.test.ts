import { describe, it, expect } from 'vitest'
import { argvWantsJson, joinWords, parseCount, parseFriendRef, parsePort, parsePresence, parsePublicKey, parseSeconds } from '../../src/apps/cli/args.js'
import { PsstError } from '../../src/errors.js'

function codeOf (fn: () => unknown): string | undefined {
  try { fn() } catch (err) { return err instanceof PsstError ? err.code : 'not a PsstError' }
  return undefined
}

describe('cli args', () => {
  it('parses presence, any case, and refuses others as usage errors', () => {
    expect(parsePresence('Away')).toBe('away')
    expect(parsePresence(' busy ')).toBe('busy')
    expect(codeOf(() => parsePresence('sleeping'))).toBe('USAGE')
  })
  it('parses --wait seconds', () => {
    expect(parseSeconds('30')).toBe(30)
    expect(parseSeconds('0.5')).toBe(0.5)
    for (const bad of ['', '0', '-1', 'x', 'Infinity', '100000']) expect(codeOf(() => parseSeconds(bad))).toBe('USAGE')
  })
  it('parses counts and ports', () => {
    expect(parseCount('20', '--limit')).toBe(20)
    for (const bad of ['0', '-2', '1.5', 'ten', '']) expect(codeOf(() => parseCount(bad, '--limit'))).toBe('USAGE')
    expect(parsePort('0')).toBe(0)
    expect(parsePort('49737')).toBe(49737)
    expect(codeOf(() => parsePort('70000'))).toBe('USAGE')
  })
  it('joins words and checks references and keys', () => {
    expect(joinWords(['hello', 'there'])).toBe('hello there')
    expect(joinWords(undefined)).toBe('')
    expect(parseFriendRef(' bob ')).toBe('bob')
    expect(codeOf(() => parseFriendRef('  '))).toBe('USAGE')
    expect(parsePublicKey('AB'.repeat(32), 'key')).toBe('ab'.repeat(32))
    expect(codeOf(() => parsePublicKey('ab', 'key'))).toBe('USAGE')
  })
  it('finds --json before a -- only', () => {
    expect(argvWantsJson(['id', '--json'])).toBe(true)
    expect(argvWantsJson(['--json', 'id'])).toBe(true)
    expect(argvWantsJson(['send', 'bob', '--', '--json'])).toBe(false)
    expect(argvWantsJson(['id'])).toBe(false)
  })
})
