/**
 * The slash commands: one table, like toxic's execute.c. A handler parses its arguments, calls at most
 * ONE daemon method through the client, and reports through the context; it keeps no state of its own.
 * Errors (PsstError from parsing or from the daemon) become one line in the current window.
 */
import { resolve } from 'node:path'
import { PsstError } from '../../errors.js'
import type { ChatClient, FriendInfo, IdInfo, Presence, SendResult } from './client.js'
import type { ArgKind } from './complete.js'
import { displayName, formatLastSeen, shortKey, timestampProblem } from './format.js'
import type { SystemLevel } from './format.js'
import type { FriendBook } from './friends.js'
import { KEY_HELP } from './keys.js'
import type { ChatSettings } from './state.js'
import type { ChatWindow } from './windows.js'
import { GROUP_COMMANDS, type GroupBook } from './groups.js'

/** What a handler may do besides calling the client; the controller implements it. */
export interface CommandContext {
  client: ChatClient
  book: FriendBook
  window: ChatWindow
  print: (text: string, level?: SystemLevel) => void
  /** Prints a multi-line block (a QR code) as it is. */
  printBlock: (title: string, lines: string[]) => void
  qr: (text: string) => Promise<string>
  openQuery: (key: string) => void
  closeWindow: () => void
  clearWindow: () => void
  switchWindow: (n: number) => void
  quit: (code: number) => void
  setIdentity: (info: IdInfo) => void
  setMyStatus: (status: Presence, message: string) => void
  friendAdded: (info: FriendInfo) => void
  friendGone: (key: string) => void
  requestGone: (key: string) => void
  ownMessage: (friend: string, text: string, action: boolean, result: SendResult) => void
  search: (text: string) => void
  searchOlder: () => void
  /** This session's settings; /set changes them in place. */
  settings: ChatSettings
  groups: GroupBook
  /** Opens a group's window and switches to it. */
  openGroup: (groupId: string) => void
}

export interface Command {
  name: string
  aliases?: string[]
  usage: string
  help: string
  arg: ArgKind
  run: (args: string, ctx: CommandContext) => Promise<void> | void
}

/** Splits off the first white-space separated word. */
export function splitFirst (args: string): [string, string] {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(args)
  return m === null ? ['', ''] : [m[1], m[2].trim()]
}

function need (args: string, usage: string): string {
  const a = args.trim()
  if (a === '') throw PsstError.usage(`usage: ${usage}`)
  return a
}

function friendWindow (ctx: CommandContext, what: string): string {
  if (ctx.window.kind !== 'friend') throw PsstError.usage(`${what} works in a conversation window — /query <friend> first`)
  return ctx.window.key
}

/** The request meant by `args`, or the only pending one when `args` is empty. */
function pickRequest (args: string, ctx: CommandContext): string {
  if (args.trim() !== '') return ctx.book.resolveRequest(args).publicKey
  const pending = [...ctx.book.requests.values()]
  if (pending.length === 1) return pending[0].publicKey
  if (pending.length === 0) throw PsstError.notFound('no pending friend requests')
  throw new PsstError('AMBIGUOUS', `${pending.length} requests pending — name one: ${pending.map(r => ctx.book.nameOf(r.publicKey)).join(', ')}`)
}

/** `~/x` as the shell would have it (the daemon resolves nothing relative to the TUI). */
/** A path as typed, made absolute here: the daemon runs elsewhere, a relative path means nothing to it. */
function expandHome (path: string): string {
  const home = process.env.HOME ?? ''
  if (path === '~' || path.startsWith('~/')) return home + path.slice(1)
  return resolve(path)
}

const STATUSES: Presence[] = ['online', 'away', 'busy']

export const COMMANDS: Command[] = [
  {
    name: 'add', usage: '/add <ID> [message]', arg: 'none', help: 'send a friend request to a psst ID',
    async run (args, ctx) {
      const [id, message] = splitFirst(need(args, this.usage))
      const r = await ctx.client.call('add', message === '' ? { id } : { id, message })
      ctx.print(r.state === 'friends' ? `you are now friends with ${shortKey(r.publicKey)}` : `friend request sent to ${shortKey(r.publicKey)}`)
    }
  },
  {
    name: 'accept', usage: '/accept [friend | file id] [--force]', arg: 'request', help: 'accept a friend request (the only one, or the one named; --force confirms a look-alike), or in a conversation the file offered there',
    async run (args, ctx) {
      const a = args.trim()
      // A hex word is a file id unless it starts the key of a pending request (the look-alike hint prints one).
      const isFileId = /^[0-9a-f]{4,32}$/i.test(a) && ![...ctx.book.requests.keys()].some((k) => k.startsWith(a.toLowerCase()))
      if (isFileId || (a === '' && ctx.book.requests.size === 0 && ctx.window.kind === 'friend')) {
        const f = await ctx.client.call('fileAccept', isFileId ? { fileId: a } : { friend: ctx.window.key })
        ctx.print(`accepted ${f.name} — it will be saved as ${f.path}`)
        return
      }
      const force = /(^|\s)--force(\s|$)/.test(args)
      const key = pickRequest(args.replace(/(^|\s)--force(?=\s|$)/, ' ').trim(), ctx)
      const r = ctx.book.requests.get(key)
      const like = r === undefined ? [] : ctx.book.lookAlikes(r)
      if (like.length > 0 && !force) {
        const f = like[0]
        ctx.print(`${ctx.book.nameOf(key)} (${shortKey(key)}) looks like your friend ${ctx.book.nameOf(f.publicKey)} (${shortKey(f.publicKey)}) — compare the keys; /accept ${shortKey(key)} --force accepts anyway`, 'warn')
        return
      }
      const info = await ctx.client.call('accept', { friend: key, force })
      // The friend-added event may come before this answer and has said it already.
      const told = ctx.book.get(info.publicKey)?.state === 'friends'
      ctx.friendAdded(info)
      const name = displayName(info.name, info.publicKey)
      if (!told) ctx.print(`you and ${name} are now friends — /query ${name} to talk`)
    }
  },
  {
    name: 'decline', usage: '/decline [friend]', arg: 'request', help: 'decline a friend request',
    async run (args, ctx) {
      const key = pickRequest(args, ctx)
      const name = ctx.book.nameOf(key)
      await ctx.client.call('decline', { friend: key })
      ctx.requestGone(key)
      ctx.print(`declined the request from ${name}`)
    }
  },
  {
    name: 'friends', usage: '/friends', arg: 'none', help: 'list your friends',
    async run (_args, ctx) {
      const list = await ctx.client.call('friends', {})
      ctx.book.setFriends(list)
      if (list.length === 0) { ctx.print('no friends yet — /myid shows your ID, /add <ID> sends a request'); return }
      for (const f of ctx.book.sorted()) {
        const state = f.online ? f.status : 'offline'
        const msg = f.statusMessage.trim() === '' ? '' : ` "${f.statusMessage}"`
        ctx.print(`${ctx.book.nameOf(f.publicKey)} (${shortKey(f.publicKey)}) ${state}${msg}${f.unread > 0 ? `, ${f.unread} unread` : ''}`)
      }
    }
  },
  {
    name: 'requests', usage: '/requests', arg: 'none', help: 'list pending friend requests',
    async run (_args, ctx) {
      const list = await ctx.client.call('requests', {})
      ctx.book.setRequests(list)
      if (list.length === 0) ctx.print('no pending friend requests')
      for (const r of list) ctx.print(`${ctx.book.nameOf(r.publicKey)} (${shortKey(r.publicKey)}): ${r.message}`)
    }
  },
  {
    name: 'alias', usage: '/alias <friend> [name|-]', arg: 'friend', help: 'your own name for a friend, shown and matched first; "-" removes it',
    async run (args, ctx) {
      const [who, name] = splitFirst(need(args, this.usage))
      const f = ctx.book.resolveFriend(who)
      const info = await ctx.client.call('alias', name === '' ? { friend: f.publicKey } : { friend: f.publicKey, alias: name === '-' ? null : name })
      ctx.book.upsert(info.publicKey, { alias: info.alias ?? '' })
      const theirs = displayName(info.name, info.publicKey)
      ctx.print((info.alias ?? '') === '' ? `${theirs} (${shortKey(info.publicKey)}) has no alias` : `${theirs} (${shortKey(info.publicKey)}) is now shown as ${info.alias ?? ''}`)
    }
  },
  {
    name: 'nick', usage: '/nick <name>', arg: 'none', help: 'change the name your friends see',
    async run (args, ctx) {
      const info = await ctx.client.call('nick', { name: need(args, this.usage) })
      ctx.setIdentity(info)
      ctx.print(`you are now known as ${info.name}`)
    }
  },
  {
    name: 'status', usage: '/status [online|away|busy] [message]', arg: 'status', help: 'show or set your status and status message',
    async run (args, ctx) {
      if (args.trim() === '') {
        const info = await ctx.client.call('id', {})
        ctx.setIdentity(info)
        ctx.print(`status: ${info.status}${info.statusMessage === '' ? '' : ` "${info.statusMessage}"`}`)
        return
      }
      const [word, message] = splitFirst(args)
      const status = word.toLowerCase() as Presence
      if (!STATUSES.includes(status)) throw PsstError.usage(`status must be online, away or busy, not "${word}"`)
      const r = await ctx.client.call('setStatus', { status, message })
      ctx.setMyStatus(r.status, r.statusMessage)
      ctx.print(`status: ${r.status}${r.statusMessage === '' ? '' : ` "${r.statusMessage}"`}`)
    }
  },
  {
    name: 'me', usage: '/me <action>', arg: 'none', help: 'send an action ("* you wave")',
    async run (args, ctx) {
      const text = need(args, this.usage)
      if (ctx.window.kind === 'group') {
        await ctx.client.call('groupSend', { group: ctx.window.key, text, action: true })
        return
      }
      const friend = friendWindow(ctx, '/me')
      const r = await ctx.client.call('send', { friend, text, action: true })
      ctx.ownMessage(friend, text, true, r)
    }
  },
  {
    name: 'file', usage: '/file <path>', arg: 'path', help: 'offer a file to the friend of this window (resumable, verified; Tab completes the path)',
    async run (args, ctx) {
      const friend = friendWindow(ctx, '/file')
      const path = expandHome(need(args, this.usage))
      const f = await ctx.client.call('fileSend', { friend, path })
      ctx.print(`offered ${f.name} (${f.size} bytes) to ${ctx.book.nameOf(friend)}; it moves once they accept`)
    }
  },
  {
    name: 'avatar', usage: '/avatar [path]', arg: 'path', help: 'show your avatar, or set it to a PNG or JPEG of at most 64 KiB (sent to every friend)',
    async run (args, ctx) {
      const path = args.trim()
      const a = path === '' ? await ctx.client.call('avatarGet', {}) : await ctx.client.call('avatarSet', { path: expandHome(path) })
      if (a.path === null) { ctx.print('no avatar set — /avatar <path> sets one (PNG or JPEG, at most 64 KiB)'); return }
      ctx.print(`${path === '' ? 'your avatar' : 'avatar set, sent to your friends'}: ${a.path} (${a.size} bytes)`)
    }
  },
  {
    name: 'myid', usage: '/myid', arg: 'none', help: 'show your psst ID and its QR code',
    async run (_args, ctx) {
      const info = await ctx.client.call('id', {})
      ctx.setIdentity(info)
      ctx.print(`your psst ID: ${info.id}`)
      ctx.printBlock('QR', (await ctx.qr(info.id)).split('\n').filter(l => l.trim() !== ''))
    }
  },
  {
    name: 'devices', usage: '/devices', arg: 'none', help: 'list the devices of your ID (psst device link adds one)',
    async run (_args, ctx) {
      const list = await ctx.client.call('deviceList', {})
      for (const d of list) {
        const seen = d.current ? 'this device' : d.lastSeen > 0 ? `last seen ${formatLastSeen(d.lastSeen)}` : 'never seen'
        ctx.print(`${d.current ? '*' : ' '} ${displayName(d.name, d.deviceKey, 32)} (${shortKey(d.deviceKey)}) ${seen}`)
      }
      if (list.length === 1) ctx.print('one device; on a new one run psst device link, then psst device add <code> here', 'dim')
    }
  },
  {
    name: 'remove', usage: '/remove <friend>', arg: 'friend', help: 'remove a friend',
    async run (args, ctx) {
      const f = ctx.book.resolveFriend(need(args, this.usage))
      await ctx.client.call('remove', { friend: f.publicKey })
      ctx.friendGone(f.publicKey)
      ctx.print(`removed ${displayName(f.name, f.publicKey)} from your friends`)
    }
  },
  {
    name: 'block', usage: '/block <key>', arg: 'friend', help: 'block a key (a friend name works too)',
    async run (args, ctx) {
      const key = keyOrFriend(need(args, this.usage), ctx)
      const r = await ctx.client.call('block', { key })
      ctx.print(`blocked ${shortKey(r.publicKey)}`)
    }
  },
  {
    name: 'unblock', usage: '/unblock <key>', arg: 'none', help: 'unblock a key',
    async run (args, ctx) {
      const r = await ctx.client.call('unblock', { key: need(args, this.usage) })
      ctx.print(`unblocked ${shortKey(r.publicKey)}`)
    }
  },
  {
    name: 'nospam', usage: '/nospam [new]', arg: 'none', help: 'show your nospam; "new" rotates it (old IDs stop working for requests)',
    async run (args, ctx) {
      const a = args.trim().toLowerCase()
      if (a !== '' && a !== 'new') throw PsstError.usage('usage: /nospam [new]')
      const info = await ctx.client.call('nospam', a === 'new' ? { new: true } : {})
      ctx.setIdentity(info)
      ctx.print(`${a === 'new' ? 'new nospam' : 'nospam'}: ${info.nospam} — your ID is now ${info.id}`)
    }
  },
  {
    name: 'query', aliases: ['q'], usage: '/query <friend>', arg: 'friend', help: 'open a conversation window',
    run (args, ctx) { ctx.openQuery(ctx.book.resolveFriend(need(args, this.usage)).publicKey) }
  },
  {
    name: 'window', aliases: ['w', 'win'], usage: '/window <number>', arg: 'none', help: 'go to a window (as Alt+number)',
    run (args, ctx) {
      const n = Number(need(args, this.usage))
      if (!Number.isInteger(n) || n < 1) throw PsstError.usage('usage: /window <number>')
      ctx.switchWindow(n)
    }
  },
  {
    name: 'search', usage: '/search [text]', arg: 'none',
    help: 'find text in this window (newest first, highlighted); again without text or Ctrl+R: older; Esc ends',
    run (args, ctx) {
      const text = args.trim()
      if (text === '') { ctx.searchOlder(); return }
      ctx.search(text)
    }
  },
  {
    name: 'set', usage: '/set [notify on|off | timestamp <format>]', arg: 'none',
    help: 'show or change a setting for this session: desktop notifications, the time format (%H:%M:%S…)',
    run (args, ctx) { setting(args, ctx) }
  },
  { name: 'close', usage: '/close', arg: 'none', help: 'close this window', run (_a, ctx) { ctx.closeWindow() } },
  { name: 'clear', usage: '/clear', arg: 'none', help: 'clear this window (PageUp brings history back)', run (_a, ctx) { ctx.clearWindow() } },
  {
    name: 'help', usage: '/help [command]', arg: 'command', help: 'list commands and keys, or explain one command',
    run (args, ctx) { for (const line of helpLines(args.trim())) ctx.print(line) }
  },
  ...GROUP_COMMANDS,
  { name: 'quit', aliases: ['exit'], usage: '/quit', arg: 'none', help: 'leave psst chat (the daemon keeps running)', run (_a, ctx) { ctx.quit(0) } }
]

const ON_OFF: Record<string, boolean> = { on: true, off: false, yes: true, no: false, true: true, false: false }

function setting (args: string, ctx: CommandContext): void {
  const [name, value] = splitFirst(args)
  const s = ctx.settings
  if (name === '') {
    ctx.print(`notify ${s.notify ? 'on' : 'off'} — a desktop notification for a message to a window you are not looking at`)
    ctx.print(`timestamp ${s.timestamp} — the time in front of each line`)
    return
  }
  if (name === 'notify') {
    const on = ON_OFF[value.toLowerCase()]
    if (on === undefined) throw PsstError.usage('usage: /set notify on|off')
    s.notify = on
    ctx.print(`notify ${on ? 'on' : 'off'}`)
    return
  }
  if (name === 'timestamp') {
    if (value === '') throw PsstError.usage('usage: /set timestamp <format>, e.g. %H:%M:%S')
    const problem = timestampProblem(value)
    if (problem !== null) throw PsstError.usage(problem)
    s.timestamp = value
    ctx.print(`timestamp ${value}`)
    return
  }
  throw PsstError.usage(`no setting "${name}" — the settings are notify and timestamp`)
}

function keyOrFriend (arg: string, ctx: CommandContext): string {
  try {
    return ctx.book.resolveFriend(arg).publicKey
  } catch (err) {
    if (err instanceof PsstError && err.code === 'NOT_FOUND') return arg
    throw err
  }
}

export function findCommand (name: string): Command | undefined {
  const n = name.toLowerCase()
  return COMMANDS.find(c => c.name === n || (c.aliases ?? []).includes(n))
}

/** `/cmd args` → name and argument text; null for a line that is not a command. `//x` sends "/x". */
export function parseCommandLine (line: string): { name: string, args: string } | null {
  if (!line.startsWith('/') || line.startsWith('//')) return null
  const m = /^\/(\S*)\s*([\s\S]*)$/.exec(line)
  if (m === null) return null
  return { name: m[1], args: m[2] }
}

export function helpLines (topic: string): string[] {
  if (topic !== '') {
    const c = findCommand(topic.replace(/^\//, ''))
    if (c === undefined) return [`no command /${topic.replace(/^\//, '')} — /help lists them`]
    const aliases = (c.aliases ?? []).map(a => `/${a}`).join(', ')
    return [`${c.usage} — ${c.help}${aliases === '' ? '' : ` (also ${aliases})`}`]
  }
  const width = Math.max(...COMMANDS.map(c => c.usage.length))
  return [
    'commands:',
    ...COMMANDS.map(c => `  ${c.usage.padEnd(width)}  ${c.help}`),
    'plain text in a conversation window sends it; start with // to send a line that begins with /',
    'keys:',
    ...KEY_HELP.map(([k, what]) => `  ${k.padEnd(22)}  ${what}`)
  ]
}

/** Runs one command line; every failure becomes a single line in the current window. */
export async function executeCommand (line: string, ctx: CommandContext): Promise<void> {
  const parsed = parseCommandLine(line)
  if (parsed === null) return
  const cmd = findCommand(parsed.name)
  if (cmd === undefined) {
    ctx.print(`unknown command /${parsed.name} — /help lists them`, 'error')
    return
  }
  try {
    await cmd.run(parsed.args, ctx)
  } catch (err) {
    ctx.print(`/${cmd.name}: ${errorText(err)}`, 'error')
  }
}

export function errorText (err: unknown): string {
  if (err instanceof PsstError) return err.code === 'USAGE' || err.code === 'INTERNAL' ? err.message : `${err.message} (${err.code})`
  if (err instanceof Error) return err.message
  return String(err)
}
