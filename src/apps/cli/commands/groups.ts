/** psst group …: private group chats (issue 18, docs/groups.md). */
import type { Command } from 'commander'
import type { GroupInfo, GroupMemberInfo, GroupRole } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import { joinWords } from '../args.js'
import type { Ctx } from '../context.js'
import { sanitizeLine as sanitize } from '../../text/sanitize.js'
import { examples, run, type Opts } from './run.js'

const ROLES: GroupRole[] = ['moderator', 'member']

export function registerGroups (program: Command): void {
  const group = program.command('group').description('group chats: private, with history, caught up from any member')
  group.command('create')
    .description('start a group; you are its founder')
    .argument('<name>', 'the group\'s name')
    .addHelpText('after', examples('psst group create team', 'psst group invite team bob'))
    .action(run(async (ctx: Ctx, _o: Opts, name: string) => {
      const r = await (await ctx.client('daemon')).call('groupCreate', { name })
      ctx.out.result(r, () => [`created ${sanitize(r.name)} (${r.groupId.slice(0, 8)}); invite friends with psst group invite ${sanitize(r.name)} <friend>`])
    }))
  group.command('invite')
    .description('invite a friend (they accept with psst group join, or decline)')
    .argument('<group>', 'name or id prefix').argument('<friend>', 'name, or at least 8 characters of the public key')
    .action(run(async (ctx: Ctx, _o: Opts, g: string, friend: string) => {
      const r = await (await ctx.client('daemon')).call('groupInvite', { group: g, friend })
      ctx.out.result(r, () => [`invited ${sanitize(friend)} to ${sanitize(g)}; they see it in psst group invites`])
    }))
  group.command('invites')
    .description('invitations waiting for your answer')
    .action(run(async (ctx: Ctx) => {
      const r = await (await ctx.client('daemon')).call('groupInvites', {})
      ctx.out.result(r.map(({ groupId, name, from }) => ({ groupId, name, from })), () => r.length === 0
        ? ['no invitations']
        : r.map((i) => `${i.groupId.slice(0, 8)}  ${sanitize(i.name)}  from ${sanitize(i.fromName || i.from.slice(0, 12))} — psst group join ${i.groupId.slice(0, 8)}`))
    }))
  group.command('join')
    .description('accept an invitation; the history comes from whichever member is online')
    .argument('<group>', 'name or id prefix as psst group invites lists it')
    .action(run(async (ctx: Ctx, _o: Opts, g: string) => {
      const r = await (await ctx.client('daemon')).call('groupJoin', { group: g })
      ctx.out.result(r, () => [`joining ${sanitize(r.name)}; its history arrives from members who are online`])
    }))
  group.command('decline')
    .description('decline an invitation')
    .argument('<group>', 'name or id prefix as psst group invites lists it')
    .action(run(async (ctx: Ctx, _o: Opts, g: string) => {
      const r = await (await ctx.client('daemon')).call('groupDecline', { group: g })
      ctx.out.result(r, () => [`declined ${sanitize(g)}`])
    }))
  group.command('leave')
    .description('leave a group (its history stays with you)')
    .argument('<group>', 'name or id prefix')
    .action(run(async (ctx: Ctx, _o: Opts, g: string) => {
      const r = await (await ctx.client('daemon')).call('groupLeave', { group: g })
      ctx.out.result(r, () => [`left ${sanitize(g)}`])
    }))
  group.command('remove')
    .description('remove a member (moderators remove members, the founder anyone); a new key is sealed to the rest')
    .argument('<group>', 'name or id prefix').argument('<member>', 'name or key prefix (psst group members)')
    .action(run(async (ctx: Ctx, _o: Opts, g: string, member: string) => {
      const r = await (await ctx.client('daemon')).call('groupRemove', { group: g, member })
      ctx.out.result(r, () => [`removed ${sanitize(member)} from ${sanitize(g)}; what follows is sealed with a key they do not have`])
    }))
  group.command('role')
    .description('make a member a moderator, or a member again (founder only)')
    .argument('<group>', 'name or id prefix').argument('<member>', 'name or key prefix').argument('<role>', ROLES.join(' or '))
    .action(run(async (ctx: Ctx, _o: Opts, g: string, member: string, role: string) => {
      if (!(ROLES as string[]).includes(role)) throw PsstError.usage(`a role is ${ROLES.join(' or ')}, not '${role}'`)
      const r = await (await ctx.client('daemon')).call('groupRole', { group: g, member, role: role as GroupRole })
      ctx.out.result(r, () => [`${sanitize(member)} is now a ${r.role} of ${sanitize(g)}`])
    }))
  group.command('topic')
    .description('set the topic (founder and moderators)')
    .argument('<group>', 'name or id prefix').argument('<text...>', 'the topic')
    .action(run(async (ctx: Ctx, _o: Opts, g: string, words: string[]) => {
      const r = await (await ctx.client('daemon')).call('groupTopic', { group: g, text: joinWords(words) })
      ctx.out.result(r, () => [`topic of ${sanitize(g)}: ${sanitize(r.topic)}`])
    }))
  group.command('members')
    .description('who is in a group, with roles and who is online')
    .argument('<group>', 'name or id prefix')
    .action(run(async (ctx: Ctx, _o: Opts, g: string) => {
      const r = await (await ctx.client('daemon')).call('groupMembers', { group: g })
      ctx.out.result(r.map(({ publicKey, name, role, online }) => ({ publicKey, name, role, online })), () => r.map(memberLine))
    }))
  group.command('list')
    .description('your groups, with unread counts')
    .addHelpText('after', examples('psst group list', 'psst send team hello everyone', 'psst history team'))
    .action(run(async (ctx: Ctx) => {
      const r = await (await ctx.client('daemon')).call('groupList', {})
      ctx.out.result(r.map(({ groupId, name, members, unread }) => ({ groupId, name, members, unread })), () => r.length === 0 ? ['no groups (psst group create <name>)'] : r.map(groupLine))
    }))
}

const SIGIL: Record<GroupRole, string> = { founder: '~', moderator: '@', member: ' ' }

function memberLine (m: GroupMemberInfo): string {
  return `${SIGIL[m.role]}${sanitize(m.name)}  ${m.publicKey.slice(0, 12)}  ${m.role}${m.status === 'invited' ? ' (invited)' : ''}  ${m.online ? 'online' : 'offline'}`
}

function groupLine (g: GroupInfo): string {
  const unread = g.unread > 0 ? `  ${g.unread} unread` : ''
  const state = g.state === 'joined' ? '' : `  (${g.state})`
  return `${g.groupId.slice(0, 8)}  ${sanitize(g.name)}  ${g.members} member${g.members === 1 ? '' : 's'}${unread}${state}${g.topic === '' ? '' : `  — ${sanitize(g.topic)}`}`
}
