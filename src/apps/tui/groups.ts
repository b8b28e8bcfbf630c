/**
 * Group windows in the TUI (issue 18): what the TUI knows of each group (name, topic, members for
 * the nick list on the topic line), how a group line enters a window, and the /group, /invite,
 * /topic and /names commands. Membership changes show as irssi's `-!-` lines.
 */
import { PsstError } from '../../errors.js'
import type { GroupHistoryEntry, GroupInfo, GroupMemberInfo, GroupRole } from '../../daemon/api.js'
import type { IncomingMessage } from './buffer.js'
import type { ChatClient } from './client.js'
import type { SystemLevel } from './format.js'
import type { FriendBook } from './friends.js'
import type { ChatWindow } from './windows.js'

/** What the group commands need of the command context (commands.ts's CommandContext has it). */
export interface GroupCommandContext {
  client: ChatClient
  book: Pick<FriendBook, 'resolveFriend' | 'nameOf'>
  groups: GroupBook
  window: ChatWindow
  print: (text: string, level?: SystemLevel) => void
  openGroup: (groupId: string) => void
}

type CommandContext = GroupCommandContext

export interface GroupCommand {
  name: string
  aliases?: string[]
  usage: string
  help: string
  arg: 'none' | 'friend'
  run: (args: string, ctx: GroupCommandContext) => Promise<void> | void
}

function splitFirst (args: string): [string, string] {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(args)
  return m === null ? ['', ''] : [m[1], m[2].trim()]
}

export interface GroupView { info: GroupInfo, members: GroupMemberInfo[] }

export class GroupBook {
  readonly groups = new Map<string, GroupView>()
  /** Names of group members who are not friends (friends are named by the friend book). */
  readonly names = new Map<string, string>()

  set (info: GroupInfo): GroupView {
    const known = this.groups.get(info.groupId)
    const view = { info, members: known?.members ?? [] }
    this.groups.set(info.groupId, view)
    return view
  }

  setMembers (groupId: string, members: GroupMemberInfo[]): void {
    const view = this.groups.get(groupId)
    if (view !== undefined) view.members = members
    for (const m of members) this.names.set(m.publicKey, m.name)
  }

  label (groupId: string): string {
    return `#${this.groups.get(groupId)?.info.name ?? groupId.slice(0, 8)}`
  }

  /** A group by name (with or without #) or id prefix, as the daemon resolves it. */
  resolve (query: string): string {
    const q = query.replace(/^#/, '').trim().toLowerCase()
    const all = [...this.groups.values()]
    const byName = all.filter((g) => g.info.name.toLowerCase() === q)
    const found = byName.length > 0 ? byName : all.filter((g) => q.length >= 4 && g.info.groupId.startsWith(q))
    if (found.length === 1) return found[0].info.groupId
    if (found.length > 1) throw new PsstError('AMBIGUOUS', `"${query}" matches ${found.length} groups; use more of the id`)
    throw PsstError.notFound(`no group "${query}" — /group list shows yours`)
  }
}

const SIGIL: Record<GroupRole, string> = { founder: '~', moderator: '@', member: '' }

/** The nick list irssi shows with /names: ~founder @moderators members, invited ones in brackets. */
export function nickList (members: GroupMemberInfo[]): string {
  return members.map((m) => m.status === 'invited' ? `(${m.name})` : `${SIGIL[m.role]}${m.name}`).join(' ')
}

/** A group history entry as a window line: membership changes become `* ann joined` actions. */
export function groupLine (e: GroupHistoryEntry): IncomingMessage {
  const base = { id: e.id, from: e.from, sentAt: e.sentAt, state: 'delivered' as const, index: e.index, seq: null }
  if (e.kind !== 'event') return { ...base, text: e.text, kind: e.kind }
  const text = e.text.startsWith(`${e.authorName} `) ? e.text.slice(e.authorName.length + 1) : e.text
  return { ...base, text, kind: 'action' }
}

function groupWindow (ctx: CommandContext, what: string): string {
  if (ctx.window.kind !== 'group') throw PsstError.usage(`${what} works in a group window — /group join or /group list first`)
  return ctx.window.key
}

function need (args: string, usage: string): string {
  const a = args.trim()
  if (a === '') throw PsstError.usage(`usage: ${usage}`)
  return a
}

/** The group a command means: the one named, else this window's. */
function target (ctx: CommandContext, named: string, what: string): string {
  return named !== '' ? ctx.groups.resolve(named) : groupWindow(ctx, what)
}

const GROUP_USAGE = '/group create|join|decline|leave|list|invites|members|remove|role|topic …'

async function groupCommand (args: string, ctx: CommandContext): Promise<void> {
  const [sub, rest] = splitFirst(args)
  const c = ctx.client
  switch (sub.toLowerCase()) {
    case 'create': {
      const r = await c.call('groupCreate', { name: need(rest, '/group create <name>') })
      ctx.groups.set({ groupId: r.groupId, name: r.name, members: 1, unread: 0, topic: '', state: 'joined', role: 'founder' })
      ctx.openGroup(r.groupId)
      ctx.print(`created #${r.name} — /invite <friend> in its window`)
      return
    }
    case 'join': {
      const r = await c.call('groupJoin', { group: need(rest, '/group join <group>') })
      ctx.groups.set({ groupId: r.groupId, name: r.name, members: 0, unread: 0, topic: '', state: 'joining', role: null })
      ctx.openGroup(r.groupId)
      return
    }
    case 'decline': {
      await c.call('groupDecline', { group: need(rest, '/group decline <group>') })
      ctx.print(`declined ${rest}`)
      return
    }
    case 'leave': case 'part': {
      const gid = target(ctx, rest, '/group leave')
      await c.call('groupLeave', { group: gid })
      ctx.print(`you left ${ctx.groups.label(gid)}`)
      return
    }
    case 'list': case '': {
      const list = await c.call('groupList', {})
      for (const g of list) ctx.groups.set(g)
      if (list.length === 0) { ctx.print('no groups — /group create <name>, or /group invites'); return }
      for (const g of list) ctx.print(`#${g.name} (${g.groupId.slice(0, 8)}) ${g.members} members${g.unread > 0 ? `, ${g.unread} unread` : ''}${g.state === 'joined' ? '' : ` — ${g.state}`}${g.topic === '' ? '' : ` — ${g.topic}`}`)
      return
    }
    case 'invites': {
      const list = await c.call('groupInvites', {})
      if (list.length === 0) { ctx.print('no group invitations'); return }
      for (const i of list) ctx.print(`#${i.name} (${i.groupId.slice(0, 8)}) from ${i.fromName || i.from.slice(0, 12)} — /group join ${i.groupId.slice(0, 8)}`)
      return
    }
    case 'members': case 'names': return await names(rest, ctx)
    case 'remove': case 'kick': {
      const gid = groupWindow(ctx, '/group remove')
      const r = await c.call('groupRemove', { group: gid, member: need(rest, '/group remove <member>') })
      ctx.print(`removed ${ctx.groups.names.get(r.publicKey) ?? r.publicKey.slice(0, 12)} — a new key is sealed to the rest`)
      return
    }
    case 'role': {
      const gid = groupWindow(ctx, '/group role')
      const [member, role] = splitFirst(need(rest, '/group role <member> moderator|member'))
      if (role !== 'moderator' && role !== 'member') throw PsstError.usage('usage: /group role <member> moderator|member')
      await c.call('groupRole', { group: gid, member, role })
      return
    }
    case 'topic': return await topic(rest, ctx)
    default: throw PsstError.usage(`usage: ${GROUP_USAGE}`)
  }
}

async function names (rest: string, ctx: CommandContext): Promise<void> {
  const gid = target(ctx, rest, '/names')
  const members = await ctx.client.call('groupMembers', { group: gid })
  ctx.groups.setMembers(gid, members)
  ctx.print(`${ctx.groups.label(gid)}: ${nickList(members)} (${members.length} member${members.length === 1 ? '' : 's'}, ${members.filter((m) => m.online).length} online)`)
}

async function topic (rest: string, ctx: CommandContext): Promise<void> {
  const gid = groupWindow(ctx, '/topic')
  if (rest.trim() === '') {
    const t = ctx.groups.groups.get(gid)?.info.topic ?? ''
    ctx.print(t === '' ? `no topic set — /topic <text> sets one` : `topic: ${t}`)
    return
  }
  await ctx.client.call('groupTopic', { group: gid, text: rest.trim() })
}

export const GROUP_COMMANDS: GroupCommand[] = [
  {
    name: 'group', aliases: ['g'], usage: GROUP_USAGE, arg: 'none',
    help: 'group chats: create one, join or decline an invitation, leave, list, members, remove, roles, topic',
    run: groupCommand
  },
  {
    name: 'invite', usage: '/invite <friend>', arg: 'friend', help: 'invite a friend to this group',
    async run (args, ctx) {
      const gid = groupWindow(ctx, '/invite')
      const friend = ctx.book.resolveFriend(need(args, this.usage)).publicKey
      await ctx.client.call('groupInvite', { group: gid, friend })
      ctx.print(`invited ${ctx.book.nameOf(friend)} to ${ctx.groups.label(gid)}`)
    }
  },
  { name: 'topic', usage: '/topic [text]', arg: 'none', help: 'show or set this group\'s topic', run: topic },
  { name: 'names', usage: '/names [group]', arg: 'none', help: 'who is in this group, with roles (~founder @moderator)', run: names }
]
