/**
 * chat (TUI), demo, relay and mailbox. The first three live in other parts of psst and are loaded on
 * use (see lazy.ts), so the CLI builds and works without them.
 */
import type { Command } from 'commander'
import type { Client } from '../../../daemon/index.js'
import type { MailboxInfo } from '../../../daemon/api.js'
import { parsePort, parsePublicKey, parseSeconds } from '../args.js'
import type { Ctx } from '../context.js'
import { LIMIT_FLAGS } from '../../../relay/limits.js'
import { relayStatusLines, shortKey } from '../format.js'
import { examples, run, setExitCode, type Opts } from './run.js'


export function registerExtras (program: Command): void {
  program.command('chat')
    .description('open the terminal chat window')
    .option('--no-notify', 'no desktop notification (notify-send) for messages to windows you are not looking at; also PSST_NOTIFY=0')
    .option('--timestamp <format>', 'time in front of each line, strftime-like: %H:%M (default), %H:%M:%S, %I:%M %p…; also PSST_TIMESTAMP')
    .addHelpText('after', examples('psst chat', 'psst --home /tmp/bob chat', 'psst chat --timestamp %H:%M:%S --no-notify'))
    .action(run(async (ctx, opts: Opts) => {
      const { runChat, chatSettings } = await import('../../tui/app.js')
      const settings = chatSettings(process.env, { notify: opts.notify as boolean, timestamp: opts.timestamp as string | undefined })
      setExitCode(await runChat(await ctx.resilientClient(), { settings }))
    }))

  program.command('demo')
    .description('try psst with no setup: a private network on your machine, an echo bot, and the chat window')
    .addHelpText('after', examples('psst demo', 'npm start        # the same, from a clone'))
    .action(run(async (ctx) => {
      const demo = await ctx.core.startDemo()
      try {
        const { runChat } = await import('../../tui/app.js')
        setExitCode(await runChat(demo.client, { title: 'psst demo', open: demo.bot.publicKey }))
      } finally {
        await demo.teardown()
      }
    }))

  registerRelay(program)
  registerMailbox(program)
}

function registerRelay (program: Command): void {
  const relay = program.command('relay')
    .description('run a relay node: a DHT node others can bootstrap from, a blind relay, and mailboxes for friends who are offline')
    .option('--host <host>', 'the address others reach the relay at (and its bind address)')
    .option('--port <port>', 'UDP port of the relay\'s DHT node (default 49737)')
  for (const { flag, help } of LIMIT_FLAGS) relay.option(flag, help)
  relay
    .option('--owners <policy>', 'who may register a mailbox: invite (--allow-owner keys and invite codes; the default) or open (any key that reaches the relay)')
    .option('--allow-owner <key>', 'a profile key admitted without an invite (repeat for more)', (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText('after', examples(
      'psst --home /var/lib/psst-relay relay --host 203.0.113.7 --port 49737',
      'psst --home /var/lib/psst-relay relay --host 203.0.113.7 --owners invite --allow-owner <your profile key>',
      'psst --home /var/lib/psst-relay relay invite         # a one-time code for a friend\'s profile',
      'psst --home /var/lib/psst-relay relay --owner-quota 128M --retention 14d',
      'psst --home /var/lib/psst-relay relay status --json',
      'see docs/relay.md and docs/psst-relay.service'))
    .action(run(async (ctx: Ctx, opts: Opts) => {
      const { runRelay } = await import('../../../relay/index.js')
      const limits: Record<string, string> = {}
      for (const { flag, key } of LIMIT_FLAGS) {
        const value = opts[camel(flag)]
        if (typeof value === 'string') limits[key] = value
      }
      await runRelay({
        home: ctx.home,
        host: typeof opts.host === 'string' ? opts.host : undefined,
        port: typeof opts.port === 'string' ? parsePort(opts.port) : undefined,
        bootstrap: ctx.bootstrap,
        dhtHost: ctx.dhtHost,
        limits,
        owners: typeof opts.owners === 'string' ? opts.owners : undefined,
        allowOwners: Array.isArray(opts.allowOwner) ? opts.allowOwner as string[] : [],
        log: (line) => { process.stderr.write(line + '\n') }
      })
    }))

  relay.command('status')
    .description('show the state of the relay node of this home')
    .addHelpText('after', examples('psst relay status', 'psst relay status --json'))
    .action(run(async (ctx: Ctx) => {
      const { relayStatus } = await import('../../../relay/index.js')
      const status = await relayStatus({ home: ctx.home })
      ctx.out.result(status, () => relayStatusLines(status, Date.now()))
    }))

  relay.command('invite')
    .description('make a one-time code that lets one profile register a mailbox at this relay (--owners invite)')
    .option('--valid <time>', 'how long the code works, e.g. 7d, 12h (default 7d)')
    .addHelpText('after', examples('psst --home /var/lib/psst-relay relay invite', 'psst relay invite --valid 1d --json'))
    .action(run(async (ctx: Ctx, opts: Opts) => {
      const { relayInvite } = await import('../../../relay/index.js')
      const { parseDuration } = await import('../../../relay/limits.js')
      const validMs = typeof opts.valid === 'string' ? parseDuration(opts.valid, '--valid') : undefined
      const inv = await relayInvite(ctx.home, validMs)
      ctx.out.result(inv, () => [
        `invite code: ${inv.code} (one profile, once; valid until ${new Date(inv.expiresAt).toISOString()})`,
        `on that profile: psst mailbox set ${inv.relay} --invite ${inv.code}`
      ])
    }))
}

/** "--owner-quota <size>" → "ownerQuota", the key commander stores it under. */
function camel (flag: string): string {
  return flag.split(' ')[0].replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
}

function registrationText (info: MailboxInfo): string {
  switch (info.registration) {
    case 'registered': return ' (registered)'
    case 'connecting': return ' (connecting)'
    case 'not-admitted': return ` (not admitted: ask its operator for an invite code, then psst mailbox set ${info.relay ?? ''} --invite CODE)`
    default: return ''
  }
}

function registerMailbox (program: Command): void {
  const show = (ctx: Ctx, info: MailboxInfo): void => ctx.out.result(info, () => [info.relay === null
    ? 'mailbox: none (messages to you wait until you and the sender are online together)'
    : `mailbox: relay ${info.relay}${registrationText(info)}`])

  const mailbox = program.command('mailbox')
    .description('show which relay keeps your mail while you are offline')
    .addHelpText('after', examples('psst mailbox', 'psst mailbox set <relay key>', 'psst mailbox clear'))
    .action(run(async (ctx: Ctx) => { show(ctx, await (await ctx.client('daemon')).call('mailbox', {})) }))

  mailbox.command('set')
    .description('use this relay as your mailbox and tell your friends')
    .argument('<relay>', "the relay's public key (64 hex characters, printed by psst relay)")
    .option('--invite <code>', 'the code from the relay operator (psst relay invite), when the relay admits by invite')
    .option('--wait <seconds>', `how long to wait for the relay to confirm (default ${CONFIRM_SECONDS}); 0 does not wait`)
    .addHelpText('after', examples('psst mailbox set 5c0e…9a41', 'psst mailbox set 5c0e…9a41 --invite Zk3…'))
    .action(run(async (ctx: Ctx, opts: Opts, relayKey: string) => {
      const relay = parsePublicKey(relayKey, 'the relay key')
      const invite = typeof opts.invite === 'string' ? opts.invite : undefined
      const wait = opts.wait === '0' ? 0 : typeof opts.wait === 'string' ? parseSeconds(opts.wait) : CONFIRM_SECONDS
      const client = await ctx.client('daemon')
      const before = (await client.call('status', {})).counters
      const info = await client.call('mailboxSet', invite === undefined ? { relay } : { relay, invite })
      const answer = wait === 0 ? 'unchecked' : await relayAnswer(client, before, wait)
      show(ctx, info)
      if (answer === 'silent') {
        ctx.out.warn(`relay ${shortKey(relay)} did not answer within ${wait} s: check the key is a psst relay's (psst relay status on it) and that it runs; psst keeps trying (psst mailbox clear undoes this)`)
      } else if (answer !== 'registered' && answer !== 'unchecked') {
        ctx.out.warn(`relay ${shortKey(relay)} refused to keep your mail (${answer})${answer === 'not-admitted' ? ': ask its operator for an invite (psst relay invite) and use --invite' : ''}`)
      }
    }))

  mailbox.command('clear')
    .description('stop using a mailbox relay')
    .addHelpText('after', examples('psst mailbox clear'))
    .action(run(async (ctx: Ctx) => { show(ctx, await (await ctx.client('daemon')).call('mailboxClear', {})) }))
}

/** Seconds `mailbox set` waits for the relay to register us: a key that is no relay never does. */
const CONFIRM_SECONDS = 15

/** Watches the daemon's counters until the relay registered us or refused, or the time is up. */
async function relayAnswer (client: Client, before: Record<string, number>, seconds: number): Promise<string> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    const now = (await client.call('status', {})).counters
    for (const [k, v] of Object.entries(now)) {
      if (!k.startsWith('mailbox-register') || v <= (before[k] ?? 0)) continue
      return k === 'mailbox-registered' ? 'registered' : k.replace('mailbox-register-', '')
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return 'silent'
}

