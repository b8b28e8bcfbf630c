/** send, history, export, watch: messages and the live event stream. */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import type { Client } from '../../../daemon/index.js'
import { EVENT_TYPES, resolveName, shownName, type EventType, type FriendInfo, type GroupHistoryEntry, type HistoryEntry, type PsstEvent, type SendResult } from '../../../daemon/api.js'
import { noColours } from '../text.js'
import { PsstError } from '../../../errors.js'
import { joinWords, parseCount, parseFriendRef, parseSeconds } from '../args.js'
import type { Ctx } from '../context.js'
import { eventLine, groupHistoryLines, historyWithRenames, shortKey } from '../format.js'
import { batches, readLines } from '../lines.js'
import { jsonLine } from '../text.js'
import { sanitizeLine } from '../../text/sanitize.js'
import { examples, run, type Opts } from './run.js'

/** Reconnections tried when the daemon goes away in the middle of --stdin. */
const RESEND_ATTEMPTS = 20

/** Lines per sendMany call: big enough to amortise the round trip, small enough to stream. */
export const STDIN_BATCH = 500

export function registerMessages (program: Command): void {
  program.command('send')
    .description('send a message; it is queued and delivered when the friend is reachable')
    .argument('<friend>', 'name, or at least 8 characters of the public key')
    .argument('[text...]', 'the message (or use --stdin)')
    .option('--wait <seconds>', 'wait until delivered (stored by the friend); exit 1 if not within this time')
    .option('--action', 'send as an action, like /me in IRC')
    .option('--stdin', 'send each line of standard input as one message, in order (empty and blank lines are skipped)')
    .addHelpText('after', examples(
      'psst send bob hello there',
      'psst send bob --wait 30 "are you around?"',
      'psst send bob --action waves',
      'tail -f build.log | psst send 3fa2c1d0 --stdin'))
    .action(run(send))

  program.command('history')
    .description('show the messages with a friend, oldest first (· queued, ✓ sent, ✓✓ delivered)')
    .argument('<friend>', 'name, or at least 8 characters of the public key')
    .option('--limit <n>', 'only the last n messages (default: 50; psst export writes them all)')
    .addHelpText('after', examples('psst history bob', 'psst history bob --limit 20', 'psst history bob --json | jq .'))
    .action(run(history))

  program.command('export')
    .description('write the whole conversation with a friend to stdout, oldest first, as text or JSON')
    .argument('<friend>', 'name, or at least 8 characters of the public key')
    .option('--format <format>', 'text (as psst history shows it, without colour) or json (one document)', 'text')
    .addHelpText('after', examples('psst export bob > bob.txt', 'psst export bob --format json > bob.json'))
    .action(run(exportHistory))

  program.command('watch')
    .description('print events as they happen (messages, receipts, requests, presence) until Ctrl-C')
    .argument('[who]', 'only events of this friend or group (name, or key / group id prefix)')
    .option('--type <types>', `only these event types, comma-separated (${EVENT_TYPES.join(', ')})`)
    .addHelpText('after', examples('psst watch', 'psst watch team', 'psst watch --type message,receipt', 'psst watch --json | jq -c \'select(.type == "message")\''))
    .action(run(watch))
}

async function send (ctx: Ctx, opts: Opts, friendArg: string, words: string[]): Promise<void> {
  const friend = parseFriendRef(friendArg)
  const fromStdin = opts.stdin === true
  if (fromStdin && words.length > 0) throw PsstError.usage('give the text as arguments or with --stdin, not both')
  if (!fromStdin && words.length === 0) throw PsstError.usage('nothing to send: give the text, or use --stdin')
  const wait = typeof opts.wait === 'string' ? parseSeconds(opts.wait) : undefined
  const action = opts.action === true
  const client = await ctx.client('daemon')

  let last: SendResult
  let count = 1
  if (fromStdin) {
    const sent = await sendLines(ctx, client, friend, action, process.stdin)
    if (sent.last === null) {
      ctx.out.result({ count: 0 }, () => ['nothing sent: the input had no lines'])
      return
    }
    last = sent.last
    count = sent.count
  } else {
    last = await client.call('send', { friend, text: joinWords(words), action })
  }

  let delivered = last.state === 'delivered'
  if (wait !== undefined && !delivered) {
    delivered = (await client.call('waitDelivered', { friend, seq: last.seq, timeoutMs: Math.round(wait * 1000) })).delivered
    if (delivered) last = { ...last, state: 'delivered' }
  }
  const result = fromStdin ? { ...last, count } : last
  ctx.out.result(result, () => [fromStdin
    ? `${count} message${count === 1 ? '' : 's'} to ${friend}: ${last.state} (last #${last.seq})`
    : `message #${last.seq} to ${friend}: ${last.state}`])
  if (wait !== undefined && !delivered) {
    throw new PsstError('TIMEOUT', `not delivered within ${wait} s; it stays queued and is delivered when ${friend} is reachable`)
  }
}

/**
 * Streams stdin to sendMany in order, one batch at a time, so memory stays flat for any input size.
 * Each line gets a transaction number in this run's session: if the daemon dies mid-batch, the
 * batch is sent again to a restarted daemon, which skips what it had already stored (no loss,
 * no duplicate).
 */
async function sendLines (ctx: Ctx, first: Client, friend: string, action: boolean, input: NodeJS.ReadableStream):
Promise<{ count: number, last: SendResult | null }> {
  let client = first
  let count = 0
  let skipped = 0
  let last: SendResult | null = null
  const session = randomUUID()
  const lines = readLines(input as AsyncIterable<Buffer>)
  for await (const batch of batches(lines, STDIN_BATCH)) {
    const texts = batch.filter((line) => line.trim() !== '')
    skipped += batch.length - texts.length
    if (texts.length === 0) continue
    const txn = { session, first: count + 1 }
    let results: SendResult[]
    for (let attempt = 0; ; attempt++) {
      try {
        results = await client.call('sendMany', { friend, texts, action, txn })
        break
      } catch (err) {
        if (!(err instanceof PsstError) || err.code !== 'NO_DAEMON' || attempt >= RESEND_ATTEMPTS) {
          if (count > 0) ctx.out.note(`${count} message${count === 1 ? ' was' : 's were'} queued before this error`)
          throw err
        }
        ctx.out.note('lost the daemon; reconnecting to resume where it stopped')
        await new Promise((resolve) => setTimeout(resolve, 200))
        client = await ctx.client('daemon').catch(() => client)
      }
    }
    count += results.length
    last = results.filter((r) => r.duplicate !== true).pop() ?? last
  }
  if (skipped > 0) ctx.out.note(`skipped ${skipped} empty or blank line${skipped === 1 ? '' : 's'}`)
  return { count, last }
}

async function history (ctx: Ctx, opts: Opts, friendArg: string): Promise<void> {
  const friend = parseFriendRef(friendArg)
  const limit = typeof opts.limit === 'string' ? parseCount(opts.limit, '--limit') : undefined
  const client = await ctx.client('offline', { announce: true })
  const { entries, complete } = await lastEntries(client, friend, limit ?? DEFAULT_HISTORY)
  if (isGroupHistory(entries)) {
    ctx.out.result(entries, () => entries.length === 0 ? [`nothing in ${friend} yet`] : groupHistoryLines(entries, ctx.out.colours))
    return
  }
  if (ctx.out.json) {
    writeJsonArray(entries)
    return
  }
  const f = findShown(await client.call('friends', {}), friend, entries.find((e) => e.from !== 'me')?.from)
  const name = f === undefined ? friend : shownName(f)
  if (entries.length === 0) {
    ctx.out.lines([`no messages with ${sanitizeLine(name)} yet`])
    return
  }
  // Renames are kept with the friend, not in the history: they go where their time falls.
  const renames = (f?.renames ?? []).filter((r) => complete || r.at >= entries[0].sentAt).map((r) => ({ ...r, alias: f?.alias }))
  ctx.out.lines(historyWithRenames(entries, renames, name, ctx.out.colours))
}

const DEFAULT_HISTORY = 50

/**
 * The last `limit` entries, paging backwards: a page is bounded by bytes (large messages make
 * short pages), so pages are asked for until the count is reached or the conversation begins.
 */
async function lastEntries (client: Client, friend: string, limit: number): Promise<{ entries: HistoryEntry[], complete: boolean }> {
  const pages: HistoryEntry[][] = []
  let have = 0
  let before: number | undefined
  for (;;) {
    const page = await client.call('historyPage', { friend, limit: limit - have, ...(before === undefined ? {} : { before }) })
    pages.unshift(page.entries)
    have += page.entries.length
    if (page.next === null) return { entries: pages.flat(), complete: true }
    if (have >= limit) return { entries: pages.flat(), complete: false }
    before = page.next
  }
}

/** A JSON array written an entry at a time (one line, as jsonLine writes it): no string holds it all. */
function writeJsonArray (entries: HistoryEntry[]): void {
  process.stdout.write('[')
  entries.forEach((e, i) => process.stdout.write((i === 0 ? '' : ',') + jsonLine(e)))
  process.stdout.write(']\n')
}

/** A group's history (asked by group name where a friend's would be): its entries carry an author. */
function isGroupHistory (entries: HistoryEntry[]): entries is Array<HistoryEntry & GroupHistoryEntry> {
  return entries.length > 0 && typeof (entries[0] as Partial<GroupHistoryEntry>).author === 'string'
}

/** The name a history shows: my alias or their name, by the rule of findShown; else the reference. */
export function displayName (friends: FriendInfo[], ref: string, keyInHistory: string | undefined): string {
  const f = findShown(friends, ref, keyInHistory)
  return f === undefined ? ref : shownName(f)
}

/** The friend a history is of: by the key seen in it, else by the shared naming rule, else none. */
function findShown (friends: FriendInfo[], ref: string, keyInHistory: string | undefined): FriendInfo | undefined {
  const byKey = friends.find((f) => f.publicKey === keyInHistory)
  if (byKey !== undefined) return byKey
  try {
    return resolveName(ref, friends.map((f) => ({ ...f, hex: f.publicKey })))
  } catch {
    return undefined
  }
}

/** History entries asked for per page while exporting (each page is also bounded by bytes). */
const EXPORT_PAGE = 10_000

/** The whole conversation, oldest first, written page by page as it arrives (any length fits). */
async function exportHistory (ctx: Ctx, opts: Opts, friendArg: string): Promise<void> {
  const format = ctx.out.json ? 'json' : String(opts.format ?? 'text')
  if (format !== 'text' && format !== 'json') throw PsstError.usage(`--format is text or json, not '${format}'`)
  const friend = parseFriendRef(friendArg)
  const client = await ctx.client('offline')
  let page = await client.call('historyPage', { friend, limit: EXPORT_PAGE, after: -1 })
  const f = findShown(await client.call('friends', {}), friend, page.entries.find((e) => e.from !== 'me')?.from)
  const name = f === undefined ? friend : shownName(f)
  const write = format === 'json' ? jsonExport(f) : textExport(f, name)
  for (;;) {
    write.page(page.entries, page.next === null)
    if (page.next === null) break
    page = await client.call('historyPage', { friend, limit: EXPORT_PAGE, after: page.next })
  }
  write.end()
}

interface ExportWriter { page: (entries: HistoryEntry[], last: boolean) => void, end: () => void }

/** The same bytes as JSON.stringify(doc, null, 2), written an entry at a time. */
function jsonExport (f: FriendInfo | undefined): ExportWriter {
  const doc = { friend: f === undefined ? null : { publicKey: f.publicKey, name: f.name, alias: f.alias ?? '' }, exportedAt: Date.now(), messages: [] }
  const head = JSON.stringify(doc, null, 2)
  process.stdout.write(head.slice(0, head.lastIndexOf('[]')) + '[')
  let n = 0
  return {
    page (entries) {
      for (const e of entries) process.stdout.write((n++ === 0 ? '' : ',') + '\n    ' + JSON.stringify(e, null, 2).replace(/\n/g, '\n    '))
    },
    end () { process.stdout.write((n === 0 ? ']' : '\n  ]') + '\n}\n') }
  }
}

/** Text as psst history shows it; each rename goes before the first message after it. */
function textExport (f: FriendInfo | undefined, name: string): ExportWriter {
  let renames = (f?.renames ?? []).map((r) => ({ ...r, alias: f?.alias }))
  return {
    page (entries, last) {
      const upTo = last || entries.length === 0 ? Infinity : entries[entries.length - 1].sentAt
      const now = renames.filter((r) => r.at < upTo)
      renames = renames.filter((r) => r.at >= upTo)
      for (const line of historyWithRenames(entries, now, name, noColours)) process.stdout.write(line + '\n')
    },
    end () {}
  }
}

function parseEventTypes (value: unknown): EventType[] | undefined {
  if (typeof value !== 'string') return undefined
  const types = value.split(',').map((t) => t.trim()).filter((t) => t.length > 0)
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))
  if (types.length === 0 || unknown.length > 0) throw PsstError.usage(`unknown event type ${unknown[0] ?? '(none given)'}; use ${EVENT_TYPES.join(', ')}`)
  return types as EventType[]
}

const RECONNECTED = 'reconnected to the daemon; events from the gap are in psst history'

/** The key of a friend, else the id of a group, that `watch <who>` follows (as send and history resolve it). */
async function watchTarget (client: Client, who: string): Promise<string> {
  const friends = await client.call('friends', {})
  try {
    return resolveName(who, friends.map((f) => ({ ...f, hex: f.publicKey }))).publicKey
  } catch (err) {
    if (!(err instanceof PsstError) || err.code !== 'NOT_FOUND') throw err
  }
  const q = who.trim().toLowerCase()
  const groups = (await client.call('groupList', {})).filter((g) => g.name.toLowerCase() === q || (q.length >= 4 && g.groupId.startsWith(q)))
  if (groups.length === 1) return groups[0].groupId
  if (groups.length > 1) throw new PsstError('AMBIGUOUS', `"${who}" matches ${groups.length} groups; use more of the group id (psst group list)`)
  throw new PsstError('NOT_FOUND', `no friend or group matches "${who}" (psst friends, psst group list)`)
}

/** Whether an event is about `key` (a friend's public key or a group id). */
function concerns (e: PsstEvent, key: string): boolean {
  const x = e as { friend?: string, publicKey?: string, groupId?: string }
  return x.friend === key || x.publicKey === key || x.groupId === key
}

async function watch (ctx: Ctx, opts: Opts, who?: string): Promise<void> {
  const types = parseEventTypes(opts.type)
  const client = await ctx.resilientClient()
  const only = who === undefined ? null : await watchTarget(client, parseFriendRef(who))
  client.onConnection((state, detail) => {
    // Also with --json (as a JSON line on stderr): a script must know its stream had a gap.
    if (state === 'connected') ctx.out.stderr.write((ctx.out.json ? jsonLine({ notice: { message: RECONNECTED } }) : `psst watch: ${RECONNECTED}`) + '\n')
    else ctx.out.warn(`lost the daemon (${detail ?? 'connection closed'}); reconnecting…`)
  })
  const names = new Map<string, string>()
  const aliases = new Map<string, string>()
  for (const f of await client.call('friends', {})) {
    names.set(f.publicKey, shownName(f))
    aliases.set(f.publicKey, f.alias ?? '')
  }
  const nameOf = (key: string): string => sanitizeLine(names.get(key) ?? shortKey(key))

  await new Promise<void>((resolve, reject) => {
    const stop = (): void => { cleanup(); resolve() }
    const cleanup = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    const onEvent = (e: PsstEvent): void => {
      if (e.type === 'friend-added' || e.type === 'presence') names.set(e.publicKey, shownName({ name: e.name, alias: aliases.get(e.publicKey) }))
      if (only !== null && !concerns(e, only)) return
      ctx.out.record(e, () => eventLine(e, nameOf, Date.now(), ctx.out.colours))
    }
    client.subscribe(onEvent, types).catch((err: unknown) => { cleanup(); reject(err) })
  })
}
