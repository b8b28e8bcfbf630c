import { describe, it, expect } from 'vitest'
import { resolveName, lookalikeReason, nameSkeleton, sharedNames, shownName } from '../../src/contacts/names.js'

const k = (c: string): string => c.repeat(64)
const bob = { hex: k('b'), name: 'bob' }
const bobby = { hex: 'b'.repeat(8) + k('c').slice(8), name: 'bobby' }
const carol = { hex: k('c'), name: 'carol', alias: 'mum' }

describe('resolveName: the one rule of the daemon and the TUI', () => {
  it('takes the full key, then an alias, then a name, then a key prefix, then a unique name prefix', () => {
    const list = [bob, bobby, carol]
    expect(resolveName(k('c'), list)).toBe(carol)
    expect(resolveName('MUM', list)).toBe(carol)
    expect(resolveName('bob', list)).toBe(bob) // whole name wins over the prefix of bobby
    expect(resolveName('car', list)).toBe(carol)
    expect(resolveName('bobb', list)).toBe(bobby)
    expect(resolveName('bbbbbbbbc', list)).toBe(bobby)
  })

  it('an alias is matched before a peer-chosen name that equals it', () => {
    const impostor = { hex: k('d'), name: 'mum' }
    expect(resolveName('mum', [impostor, carol])).toBe(carol)
  })

  it('says which entries an ambiguous name matches, with their key prefixes', () => {
    expect(() => resolveName('bbbbbbbb', [bob, bobby])).toThrow(/matches 2 friends: bob \(bbbbbbbb\), bobby \(bbbbbbbb\)/)
    expect(() => resolveName('x', [bob])).toThrow(/no friend matches "x"/)
    expect(() => resolveName('abc', [bob])).toThrow(/at least 8 hex/)
  })
})

describe('lookalikeReason: the one look-alike check', () => {
  it('flags a name that looks the same through case, spaces, marks and Cyrillic twins', () => {
    for (const name of ['Bob', ' bob ', 'bоb' /* Cyrillic о */, 'b\u200bob', 'bób', 'B0B']) {
      expect(lookalikeReason({ hex: k('e'), name }, [bob]), name).toMatch(/looks like your friend bob/)
    }
    expect(lookalikeReason({ hex: k('e'), name: 'robert' }, [bob])).toBeUndefined()
  })

  it('flags a key that starts like a friend\'s and a name equal to an alias; never the friend itself', () => {
    expect(lookalikeReason({ hex: 'b'.repeat(8) + k('e').slice(8), name: 'eve' }, [bob])).toMatch(/key starts like/)
    expect(lookalikeReason({ hex: k('e'), name: 'Mum' }, [carol])).toMatch(/mum \(cccccccc\)/)
    expect(lookalikeReason(bob, [bob])).toBeUndefined()
  })

  it('skeletons fold rn to m and strip invisibles', () => {
    expect(nameSkeleton('rnallory')).toBe(nameSkeleton('mallory'))
  })

  it('sharedNames picks the entries shown with their key; shownName prefers the alias', () => {
    expect([...sharedNames([bob, { hex: k('e'), name: 'Bob' }, carol])].sort()).toEqual([k('b'), k('e')])
    expect(shownName(carol)).toBe('mum')
    expect(shownName({ name: '' })).toBe('?')
  })
})
