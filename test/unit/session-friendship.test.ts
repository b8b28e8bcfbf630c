import { describe, it, expect } from 'vitest'
import { step, type FriendshipState, type FriendshipInput, type FriendshipEffect, type FriendshipError } from '../../src/contacts/friendship.js'

export const STATES: FriendshipState[] = ['none', 'request-sent', 'request-received', 'friends', 'declined', 'blocked', 'key-added']
export const INPUTS: FriendshipInput[] = [
  { type: 'add' }, { type: 'add-key' }, { type: 'remote-hello' }, { type: 'accept' }, { type: 'decline' }, { type: 'remove' }, { type: 'block' }, { type: 'unblock' },
  { type: 'remote-request', nospamOk: true }, { type: 'remote-request', nospamOk: false },
  { type: 'remote-accept' }, { type: 'remote-decline' }
]
const label = (i: FriendshipInput): string => i.type === 'remote-request' ? `remote-request(nospam ${i.nospamOk ? 'ok' : 'bad'})` : i.type

type Row = [FriendshipState, FriendshipEffect[]] | [FriendshipState, FriendshipEffect[], FriendshipError]
const stay = (s: FriendshipState, error?: FriendshipError): Row => error ? [s, [], error] : [s, []]

const REQUEST_TO_FRIENDS: FriendshipEffect[] = ['store-friend', 'drop-request', 'send-accept', 'emit-added', 'connect']
const REMOVE: FriendshipEffect[] = ['delete-friend', 'emit-removed', 'disconnect']

/**
 * The whole (state × input) table. States follow the diagram in src/contacts/friendship.ts;
 * effects are what the core must carry out for each arrow.
 */
const TABLE: Record<FriendshipState, Record<string, Row>> = {
  none: {
    add: ['request-sent', ['delete-block', 'store-friend', 'send-request', 'connect']],
    'add-key': ['key-added', ['delete-block', 'store-friend', 'connect']],
    'remote-hello': stay('none'),
    accept: stay('none', 'NOT_FOUND'),
    decline: stay('none', 'NOT_FOUND'),
    remove: stay('none', 'NOT_FOUND'),
    block: ['blocked', ['store-block', 'disconnect']],
    unblock: stay('none', 'NOT_FOUND'),
    'remote-request(nospam ok)': ['request-received', ['store-request', 'emit-request']],
    'remote-request(nospam bad)': stay('none'),
    'remote-accept': stay('none'),
    'remote-decline': stay('none')
  },
  'request-sent': {
    add: ['request-sent', ['store-friend', 'send-request', 'connect']],
    'add-key': stay('request-sent'),
    'remote-hello': stay('request-sent'),
    accept: stay('request-sent', 'NOT_FOUND'),
    decline: stay('request-sent', 'NOT_FOUND'),
    remove: ['none', REMOVE],
    block: ['blocked', ['delete-friend', 'emit-removed', 'store-block', 'disconnect']],
    unblock: stay('request-sent', 'NOT_FOUND'),
    // both added each other, as in Tox — whatever the nospam, since we asked them
    'remote-request(nospam ok)': ['friends', ['store-friend', 'send-accept', 'emit-added']],
    'remote-request(nospam bad)': ['friends', ['store-friend', 'send-accept', 'emit-added']],
    'remote-accept': ['friends', ['store-friend', 'emit-added']],
    'remote-decline': ['none', REMOVE]
  },
  'request-received': {
    add: ['friends', REQUEST_TO_FRIENDS],
    'add-key': ['friends', REQUEST_TO_FRIENDS],
    'remote-hello': stay('request-received'),
    accept: ['friends', REQUEST_TO_FRIENDS],
    decline: ['declined', ['drop-request', 'store-block', 'send-decline', 'disconnect']],
    remove: stay('request-received', 'NOT_FOUND'),
    block: ['blocked', ['drop-request', 'store-block', 'disconnect']],
    unblock: stay('request-received', 'NOT_FOUND'),
    // a repeated request refreshes the stored one without a second notification
    'remote-request(nospam ok)': ['request-received', ['store-request']],
    'remote-request(nospam bad)': stay('request-received'),
    'remote-accept': stay('request-received'),
    'remote-decline': stay('request-received')
  },
  friends: {
    add: stay('friends', 'ALREADY_FRIENDS'),
    'add-key': stay('friends', 'ALREADY_FRIENDS'),
    'remote-hello': stay('friends'),
    accept: stay('friends', 'ALREADY_FRIENDS'),
    decline: stay('friends', 'NOT_FOUND'),
    remove: ['none', REMOVE],
    block: ['blocked', ['delete-friend', 'emit-removed', 'store-block', 'disconnect']],
    unblock: stay('friends', 'NOT_FOUND'),
    // a friend who lost the friendship asks again: answer, whatever the nospam
    'remote-request(nospam ok)': ['friends', ['send-accept']],
    'remote-request(nospam bad)': ['friends', ['send-accept']],
    'remote-accept': stay('friends'),
    'remote-decline': stay('friends')
  },
  declined: {
    add: ['request-sent', ['delete-block', 'store-friend', 'send-request', 'connect']],
    'add-key': ['key-added', ['delete-block', 'store-friend', 'connect']],
    'remote-hello': stay('declined'),
    accept: stay('declined', 'NOT_FOUND'),
    decline: stay('declined', 'NOT_FOUND'),
    remove: stay('declined', 'NOT_FOUND'),
    block: ['blocked', ['store-block', 'disconnect']],
    unblock: ['none', ['delete-block']],
    // declined keys are never prompted again
    'remote-request(nospam ok)': stay('declined'),
    'remote-request(nospam bad)': stay('declined'),
    'remote-accept': stay('declined'),
    'remote-decline': stay('declined')
  },
  blocked: {
    add: stay('blocked', 'BLOCKED'),
    'add-key': stay('blocked', 'BLOCKED'),
    'remote-hello': stay('blocked'),
    accept: stay('blocked', 'NOT_FOUND'),
    decline: stay('blocked', 'NOT_FOUND'),
    remove: stay('blocked', 'NOT_FOUND'),
    block: stay('blocked'),
    unblock: ['none', ['delete-block']],
    'remote-request(nospam ok)': stay('blocked'),
    'remote-request(nospam bad)': stay('blocked'),
    'remote-accept': stay('blocked'),
    'remote-decline': stay('blocked')
  },
  // added by public key, waiting for them to add mine: they never hear of it until they do
  'key-added': {
    add: ['request-sent', ['store-friend', 'send-request', 'connect']],
    'add-key': stay('key-added'),
    'remote-hello': ['friends', ['store-friend', 'emit-added']],
    accept: stay('key-added', 'NOT_FOUND'),
    decline: stay('key-added', 'NOT_FOUND'),
    remove: ['none', REMOVE],
    block: ['blocked', ['delete-friend', 'emit-removed', 'store-block', 'disconnect']],
    unblock: stay('key-added', 'NOT_FOUND'),
    'remote-request(nospam ok)': ['friends', ['store-friend', 'send-accept', 'emit-added']],
    'remote-request(nospam bad)': ['friends', ['store-friend', 'send-accept', 'emit-added']],
    'remote-accept': ['friends', ['store-friend', 'emit-added']],
    'remote-decline': stay('key-added')
  }
}

describe('friendship state machine: the full table', () => {
  for (const state of STATES) {
    for (const input of INPUTS) {
      const [next, effects, error] = TABLE[state][label(input)]
      it(`${state} --${label(input)}--> ${next}${error ? ` (${error})` : ''}`, () => {
        const out = step(state, input)
        expect(out.state).toBe(next)
        expect(out.effects).toEqual(effects)
        expect(out.error).toBe(error)
      })
    }
  }

  it('an error never changes state or carries effects', () => {
    for (const state of STATES) {
      for (const input of INPUTS) {
        const out = step(state, input)
        if (out.error !== undefined) {
          expect(out.state).toBe(state)
          expect(out.effects).toEqual([])
        }
      }
    }
  })

  it('effects are consistent with the arrows: every way into friends stores and announces the friend', () => {
    for (const state of STATES) {
      for (const input of INPUTS) {
        const out = step(state, input)
        if (out.state === 'friends' && state !== 'friends') expect(out.effects).toEqual(expect.arrayContaining(['store-friend', 'emit-added']))
        if (out.state === 'none' && (state === 'friends' || state === 'request-sent')) expect(out.effects).toContain('delete-friend')
        if (out.state === 'blocked' && state !== 'blocked') expect(out.effects).toContain('store-block')
        if (out.effects.includes('emit-request')) expect(state).toBe('none')
      }
    }
  })

  it('the diagram scenarios, as sequences', () => {
    const run = (inputs: FriendshipInput[], from: FriendshipState = 'none'): FriendshipState =>
      inputs.reduce<FriendshipState>((s, i) => step(s, i).state, from)
    expect(run([{ type: 'add' }, { type: 'remote-accept' }])).toBe('friends')
    expect(run([{ type: 'remote-request', nospamOk: true }, { type: 'accept' }])).toBe('friends')
    expect(run([{ type: 'remote-request', nospamOk: true }, { type: 'decline' }, { type: 'remote-request', nospamOk: true }])).toBe('declined')
    expect(run([{ type: 'add' }, { type: 'remote-request', nospamOk: true }])).toBe('friends')
    expect(run([{ type: 'block' }, { type: 'remote-request', nospamOk: true }, { type: 'unblock' }])).toBe('none')
    expect(run([{ type: 'add' }, { type: 'remote-accept' }, { type: 'remove' }])).toBe('none')
  })
})
