/** add, requests, accept, decline, friends, remove, block, unblock, blocked. */
import type { Command } from 'commander'
import { parseId } from '../../../crypto/id.js'
import { joinWords, parseFriendRef } from '../args.js'
import { friendsLines, requestsLines, shortKey } from '../format.js'
import { REQUEST_FLOOD_ADVICE } from '../../../daemon/api.js'
import { sanitizeLine } from '../../text/sanitize.js'
import { examples, run } from './run.js'

const FRIEND_REF = 'name, or at least 8 characters of the public key'

export function registerFriends (program: Command): void {
  program.command('add')
    .description('send a friend request to a psst ID')
    .argument('<ID>', "the friend's 76-character psst ID (psst:<ID> and spaces are fine)")
    .argument('[message...]', 'a note shown with the request')
    .addHelpText('after', examples(
      'psst add 3FA2C1D0…7B1E hi, it is Alice from the train',
      'psst add "psst:3FA2 C1D0 … 7B1E"'))
    .action(run(async (ctx, _opts, id: string, words: string[]) => {
      parseId(id) // a malformed ID is a usage error before any daemon is started
      const message = words.length > 0 ? joinWords(words) : undefined
      const res = await (await ctx.client('daemon')).call('add', { id: id.trim(), message })
      ctx.out.result(res, () => [res.state === 'friends'
        ? `${shortKey(res.publicKey)} is now your friend`
        : `friend request sent to ${shortKey(res.publicKey)}; they appear in psst friends once they accept`])
    }))

  program.command('requests')
    .description('list friend requests waiting for your answer')
    .addHelpText('after', examples('psst requests', 'psst requests --json'))
    .action(run(async (ctx) => {
      const client = await ctx.client('offline', { announce: true })
      const list = await client.call('requests', {})
      // A flood in progress is said under the list, with what to do (issue 15); --json keeps the list.
      const flood = ctx.out.json ? undefined : (await client.call('status', {}).catch(() => null))?.requestFlood
      ctx.out.result(list, () => [...requestsLines(list, Date.now(), ctx.out.colours), ...(flood === undefined ? [] : [`! ${REQUEST_FLOOD_ADVICE}`])])
    }))

  program.command('accept')
    .description('accept a friend request')
    .argument('<key>', 'the requester\'s public key, or at least 8 characters of it')
    .addHelpText('after', examples('psst accept 3fa2c1d0'))
    .action(run(async (ctx, _opts, key: string) => {
      const f = await (await ctx.client('daemon')).call('accept', { friend: parseFriendRef(key) })
      ctx.out.result(f, () => [`${sanitizeLine(f.name)} (${shortKey(f.publicKey)}) is now your friend`])
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

  program.command('remove')
    .description('remove a friend (history stays; they can send a new request)')
    .argument('<friend>', FRIEND_REF)
    .addHelpText('after', examples('psst remove bob', 'psst remove 3fa2c1d0'))
    .action(run(async (ctx, _opts, friend: string) => {
      const res = await (await ctx.client('daemon')).call('remove', { friend: parseFriendRef(friend) })
      ctx.out.result(res, () => [`removed ${shortKey(res.publicKey)}`])
    }))

  program.command('block')
    .description('block a key: no requests, messages or connections from it')
    .argument('<key>', 'a public key, or a friend\'s name or key prefix')
    .addHelpText('after', examples('psst block 3fa2c1d0e5…', 'psst block bob'))
    .action(run(async (ctx, _opts, key: string) => {
      const res = await (await ctx.client('daemon')).call('block', { key: parseFriendRef(key) })
      ctx.out.result(res, () => [`blocked ${shortKey(res.publicKey)}`])
    }))

  program.command('unblock')
    .description('unblock a key')
    .argument('<key>', 'a blocked public key, or at least 8 characters of it')
    .addHelpText('after', examples('psst unblock 3fa2c1d0'))
    .action(run(async (ctx, _opts, key: string) => {
      const res = await (await ctx.client('daemon')).call('unblock', { key: parseFriendRef(key) })
      ctx.out.result(res, () => [`unblocked ${shortKey(res.publicKey)}`])
    }))

  program.command('blocked')
    .description('list blocked keys')
    .addHelpText('after', examples('psst blocked'))
    .action(run(async (ctx) => {
      const keys = await (await ctx.client('offline', { announce: true })).call('blocked', {})
      ctx.out.result(keys, () => keys.length === 0 ? ['no blocked keys'] : keys)
    }))
}
