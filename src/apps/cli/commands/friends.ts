/** add, requests, accept, alias, decline, friends, remove, block, unblock, blocked. */
import type { Command } from 'commander'
import { isPublicKeyHex, parseId } from '../../../crypto/id.js'
import { joinWords, parseFriendRef } from '../args.js'
import { blockedLines, friendsLines, requestsLines, shortKey } from '../format.js'
import { REQUEST_FLOOD_ADVICE } from '../../../daemon/api.js'
import { sanitizeLine } from '../../text/sanitize.js'
import { PsstError } from '../../../errors.js'
import { examples, run } from './run.js'
import type { Ctx } from '../context.js'

const FRIEND_REF = 'name, or at least 8 characters of the public key'
const GATE_OPEN = 'friend requests are on: whoever holds your current ID (psst id) can send you one'
const GATE_CLOSED = 'friend requests are off: nobody can send you one, even with your ID (psst requests on opens them); friends are not affected'

function addedText (state: 'friends' | 'request-sent' | 'key-added', key: string): string {
  switch (state) {
    case 'friends': return `${key} is now your friend`
    case 'key-added': return `added ${key}; nothing was sent to them: you become friends when they add your key (psst id shows it as "key")`
    case 'request-sent': return `friend request sent to ${key}; they appear in psst friends once they accept`
  }
}

export function registerFriends (program: Command): void {
  program.command('add')
    .description('send a friend request to a psst ID, or add a friend by public key alone (no request)')
    .argument('<ID or key>', "the friend's 76-character psst ID, or their 64-character public key (psst: and spaces are fine)")
    .argument('[message...]', 'a note shown with the request (not with a public key: nothing is sent)')
    .addHelpText('after', examples(
      'psst add 3FA2C1D0…7B1E hi, it is Alice from the train',
      'psst add "psst:3FA2 C1D0 … 7B1E"',
      'psst add 3fa2c1d0…(64 hex)      # both add each other\'s key: friends, no request'))
    .addHelpText('after', '\nAdding a public key sends nothing they would see: once they add yours too, you are\n' +
      'friends and connect. Until then psst friends shows "waiting for them to add you".')
    .action(run(async (ctx, _opts, id: string, words: string[]) => {
      const keyOnly = isPublicKeyHex(id.trim().replace(/^psst:/i, '').replace(/\s+/g, ''))
      if (!keyOnly) parseId(id) // a malformed ID is a usage error before any daemon is started
      const message = words.length > 0 ? joinWords(words) : undefined
      if (keyOnly && message !== undefined) throw PsstError.usage('a message goes with a request to a psst ID; adding a public key sends nothing to them')
      const res = await (await ctx.client('daemon')).call('add', { id: id.trim(), message })
      ctx.out.result(res, () => [addedText(res.state, shortKey(res.publicKey))])
    }))

  program.command('requests')
    .description('list friend requests waiting for your answer; `on`/`off` opens or closes your ID to new requests')
    .argument('[on|off]', 'off: nobody can send you a request (even with your ID) until `psst requests on`')
    .addHelpText('after', examples('psst requests', 'psst requests --json', 'psst requests off', 'psst requests on'))
    .action(run(async (ctx, _opts, gate: string | undefined) => {
      if (gate !== undefined) return await setGate(ctx, gate)
      const client = await ctx.client('offline', { announce: true })
      const list = await client.call('requests', {})
      // A flood in progress is said under the list, with what to do (issue 15); --json keeps the list.
      const flood = ctx.out.json ? undefined : (await client.call('status', {}).catch(() => null))?.requestFlood
      const closed = ctx.out.json ? false : (await client.call('requestsOpen', {}).catch(() => ({ open: true }))).open === false
      ctx.out.result(list, () => [
        ...requestsLines(list, Date.now(), ctx.out.colours),
        ...(flood === undefined ? [] : [`! ${REQUEST_FLOOD_ADVICE}`]),
        ...(closed ? [GATE_CLOSED] : [])
      ])
    }))

  async function setGate (ctx: Ctx, gate: string): Promise<void> {
    const word = gate.trim().toLowerCase()
    if (word !== 'on' && word !== 'off') throw PsstError.usage(`expected \`psst requests on\` or \`psst requests off\`, got "${gate}"`)
    const res = await (await ctx.client('offline', { announce: true })).call('requestsOpen', { open: word === 'on' })
    ctx.out.result(res, () => [res.open ? GATE_OPEN : GATE_CLOSED])
  }

  program.command('accept')
    .description('accept a friend request')
    .argument('<key>', 'the requester\'s public key, or at least 8 characters of it')
    .option('--force', 'accept a request that looks like one of your friends (same-looking name or key start)')
    .addHelpText('after', examples('psst accept 3fa2c1d0', 'psst accept 3fa2c1d0 --force   # after comparing the keys'))
    .action(run(async (ctx, opts, key: string) => {
      const f = await (await ctx.client('daemon')).call('accept', { friend: parseFriendRef(key), force: opts.force === true })
      ctx.out.result(f, () => [`${sanitizeLine(f.name)} (${shortKey(f.publicKey)}) is now your friend`])
    }))

  program.command('alias')
    .description('name a friend yourself: the alias is shown and matched before the name they chose')
    .argument('<friend>', FRIEND_REF)
    .argument('[alias...]', 'the name you give them (without it: show the alias)')
    .option('--clear', 'remove the alias (their own name is shown again)')
    .addHelpText('after', examples('psst alias 3fa2c1d0 bob-work', 'psst alias bob-work', 'psst alias bob-work --clear'))
    .action(run(async (ctx, opts, friend: string, words: string[]) => {
      if (opts.clear === true && words.length > 0) throw PsstError.usage('give an alias or --clear, not both')
      const alias = opts.clear === true ? null : words.length > 0 ? joinWords(words) : undefined
      const f = await (await ctx.client('offline')).call('alias', { friend: parseFriendRef(friend), alias })
      const who = `${shortKey(f.publicKey)} (their name: ${f.name === '' ? '?' : sanitizeLine(f.name)})`
      ctx.out.result(f, () => [(f.alias ?? '') === ''
        ? `${who} has no alias${alias === null ? ' now' : ''}`
        : `your alias for ${who}: ${sanitizeLine(f.alias ?? '')}`])
    }))

  program.command('decline')
    .description('decline a friend request (the same key is not shown again)')
    .argument('<key>', 'the requester\'s public key, or at least 8 characters of it')
    .addHelpText('after', examples('psst decline 3fa2c1d0'))
    .action(run(async (ctx, _opts, key: string) => {
      const res = await (await ctx.client('daemon')).call('decline', { friend: parseFriendRef(key) })
      ctx.out.result(res, () => [`declined ${shortKey(res.publicKey)}`])
    }))

  program.command('friends')
    .description('list your friends: name, key, presence, status message, last seen')
    .addHelpText('after', examples('psst friends', 'psst friends --json'))
    .action(run(async (ctx) => {
      const list = await (await ctx.client('offline', { announce: true })).call('friends', {})
      ctx.out.result(list, () => friendsLines(list, Date.now(), ctx.out.colours))
    }))

  keyCommand(program, { name: 'remove', method: 'remove', param: 'friend', done: 'removed', arg: ['<friend>', FRIEND_REF],
    description: 'remove a friend and your history with them (they can send a new request)',
    examples: ['psst remove bob', 'psst remove 3fa2c1d0'] })
  keyCommand(program, { name: 'block', method: 'block', param: 'key', done: 'blocked', arg: ['<key>', 'a public key, or a friend\'s name or key prefix'],
    description: 'block a key: no requests, messages or connections from it',
    examples: ['psst block 3fa2c1d0e5…', 'psst block bob'] })
  keyCommand(program, { name: 'unblock', method: 'unblock', param: 'key', done: 'unblocked', arg: ['<key>', 'a blocked public key, at least 8 characters of it, or the name it had'],
    description: 'unblock a key, or forget a declined request (the key may ask again)',
    examples: ['psst unblock 3fa2c1d0', 'psst unblock dave'] })

  program.command('blocked')
    .description('list blocked keys and declined requesters (psst unblock takes either)')
    .addHelpText('after', examples('psst blocked', 'psst blocked --json'))
    .action(run(async (ctx) => {
      const list = await (await ctx.client('offline', { announce: true })).call('blocked', {})
      ctx.out.result(list, () => blockedLines(list, Date.now(), ctx.out.colours))
    }))
}

interface KeyCommand {
  name: string
  method: 'remove' | 'block' | 'unblock'
  param: 'friend' | 'key'
  done: string
  arg: [string, string]
  description: string
  examples: string[]
}

/** remove, block and unblock: one friend or key in, one line with its key prefix out. */
function keyCommand (program: Command, c: KeyCommand): void {
  program.command(c.name)
    .description(c.description)
    .argument(c.arg[0], c.arg[1])
    .addHelpText('after', examples(...c.examples))
    .action(run(async (ctx, _opts, ref: string) => {
      const params = { [c.param]: parseFriendRef(ref) } as never
      const res = await (await ctx.client('daemon')).call(c.method, params)
      ctx.out.result(res, () => [`${c.done} ${shortKey(res.publicKey)}`])
    }))
}
