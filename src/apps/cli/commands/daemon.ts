/** daemon [--detach], daemon status, daemon stop: the process that owns the profile and the network. */
import { Option, type Command } from 'commander'
import { PsstError } from '../../../errors.js'
import type { Ctx } from '../context.js'
import { daemonStatusLines } from '../format.js'
import { passphraseFromStdin } from '../passphrase.js'
import { examples, run, type Opts } from './run.js'

export function registerDaemon (program: Command): void {
  const daemon = program.command('daemon')
    .description('run the daemon that keeps your profile online (other commands start it when needed)')
    .option('--detach', 'start it in the background and return once it answers')
    // Used by the core when it starts a daemon itself: the passphrase arrives on the child's stdin.
    .addOption(new Option('--passphrase-stdin', 'read the passphrase from the first line of stdin').hideHelp())
    .addHelpText('after', examples(
      'psst daemon                  # in the foreground, logs on stderr, Ctrl-C stops it',
      'psst daemon --detach',
      'psst daemon status --json',
      'psst daemon stop'))
    .action(run(foreground))

  daemon.command('status')
    .description('tell whether the daemon runs, its pid, key and network state')
    .addHelpText('after', examples('psst daemon status', 'psst daemon status --json'))
    .action(run(async (ctx) => {
      const status = await ctx.core.daemonStatus(ctx.home)
      ctx.out.result(status, () => daemonStatusLines(status))
    }))

  daemon.command('stop')
    .description('stop the daemon and wait until it has exited')
    .addHelpText('after', examples('psst daemon stop'))
    .action(run(async (ctx) => {
      const stopped = await ctx.core.stopDaemon(ctx.home)
      ctx.out.result({ stopped }, () => [stopped ? 'daemon stopped' : 'no daemon was running'])
    }))
}

async function foreground (ctx: Ctx, opts: Opts): Promise<void> {
  if (opts.detach === true) {
    await detach(ctx)
    return
  }
  await ctx.core.runDaemon({
    home: ctx.home,
    passphrase: opts.passphraseStdin === true ? async () => await passphraseFromStdin() : ctx.passphrase,
    bootstrap: ctx.bootstrap,
    dhtHost: ctx.dhtHost
    // log: the core's default (timestamped lines on stderr) is what daemon.log and its readers expect
  })
}

async function detach (ctx: Ctx): Promise<void> {
  const status = await ctx.core.daemonStatus(ctx.home)
  if (status.running) {
    ctx.out.result({ running: true, pid: status.pid, started: false }, () => [`daemon already running (pid ${status.pid})`])
    return
  }
  if (!ctx.core.profileExists(ctx.home)) {
    throw new PsstError('NO_PROFILE', `no psst profile in ${ctx.home}; create one with: psst init`)
  }
  const encrypted = ctx.core.isProfileEncrypted(ctx.home)
  const passphrase = encrypted ? await ctx.passphrase() : null
  if (encrypted && passphrase === null) {
    throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted: give the passphrase in a terminal, with --passphrase-file or PSST_PASSPHRASE')
  }
  const { pid } = await ctx.core.startDaemonDetached({ home: ctx.home, passphrase, bootstrap: ctx.bootstrap, dhtHost: ctx.dhtHost })
  ctx.out.result({ running: true, pid, started: true }, () => [`daemon started (pid ${pid})`])
}
