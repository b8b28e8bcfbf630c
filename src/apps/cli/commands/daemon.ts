/** daemon [--detach], daemon status, daemon stop: the process that owns the profile and the network. */
import { Option, type Command } from 'commander'
import { PsstError } from '../../../errors.js'
import type { Ctx } from '../context.js'
import { daemonStatusLines } from '../format.js'
import { passphraseFromStdin } from '../passphrase.js'
import { examples, run, setExitCode, type Opts } from './run.js'

export function registerDaemon (program: Command): void {
  const daemon = program.command('daemon')
    .description('run the daemon that keeps your profile online (other commands start it when needed)')
    .option('--detach', 'start it in the background and return once it answers')
    // Used by the core when it starts a daemon itself: the passphrase arrives on the child's stdin.
    .addOption(new Option('--passphrase-stdin', 'read the passphrase from the first line of stdin').hideHelp())
    // Also the core's: a detached daemon writes its own log, rotated at a size bound.
    .addOption(new Option('--log-file <file>', 'log here instead of stderr').hideHelp())
    .addHelpText('after', examples(
      'psst daemon                  # in the foreground, logs on stderr, Ctrl-C stops it',
      'psst daemon --detach',
      'psst daemon status --json',
      'psst daemon stop',
      'psst daemon install          # a systemd user service: online from login'))
    .action(run(foreground))

  daemon.command('status')
    .description('tell whether the daemon runs, its pid, key and network state (exit status 3 when it does not run)')
    .addHelpText('after', examples('psst daemon status', 'psst daemon status --json', 'psst daemon status >/dev/null || echo offline'))
    .action(run(async (ctx) => {
      const status = await ctx.core.daemonStatus(ctx.home)
      ctx.out.result(status, () => daemonStatusLines(status))
      // As `systemctl status`: scripts can test whether the profile is online.
      if (!status.running) setExitCode(NOT_RUNNING)
    }))

  daemon.command('stop')
    .description('stop the daemon and wait until it has exited')
    .addHelpText('after', examples('psst daemon stop'))
    .action(run(async (ctx) => {
      const stopped = await ctx.core.stopDaemon(ctx.home)
      ctx.out.result({ stopped }, () => [stopped ? 'daemon stopped' : 'no daemon was running'])
    }))

  daemon.command('install')
    .description('make the daemon a systemd user service (written to ~/.config/systemd/user/), so the profile is online from login')
    .addHelpText('after', examples(
      'psst daemon install && systemctl --user enable --now psst.service',
      'psst --home ~/work-psst daemon install',
      'psst daemon install --passphrase-file ~/.config/psst/pass   # an encrypted profile'))
    .action(run(install))

  daemon.command('uninstall')
    .description('remove the systemd user service written by psst daemon install')
    .addHelpText('after', examples('psst daemon uninstall'))
    .action(run(async (ctx) => {
      const unit = ctx.core.uninstallUnit(ctx.home)
      ctx.out.result(unit, () => unit.removed
        ? [`removed ${unit.path}`, `if it was enabled: systemctl --user disable --now ${unit.name}`]
        : [`no service was installed for ${ctx.home} (${unit.path})`])
    }))
}

/** `systemctl status`'s code for a unit that is not running. */
const NOT_RUNNING = 3

async function install (ctx: Ctx): Promise<void> {
  if (!ctx.core.profileExists(ctx.home)) {
    throw new PsstError('NO_PROFILE', `no psst profile in ${ctx.home}; create one with: psst init`)
  }
  if (ctx.core.isProfileEncrypted(ctx.home) && ctx.passphraseFile === undefined) {
    throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted and a service cannot ask for its passphrase: give --passphrase-file F (a file only you can read)')
  }
  const unit = ctx.core.installUnit({ home: ctx.home, bootstrap: ctx.flags.bootstrap, dhtHost: ctx.flags.dhtHost, passphraseFile: ctx.passphraseFile })
  const enable = `systemctl --user enable --now ${unit.name}`
  ctx.out.result({ ...unit, enable }, () => [
    `${unit.replaced ? 'updated' : 'wrote'} ${unit.path}`,
    'start it now and at every login with:',
    `  ${enable}`,
    'a daemon started by a command meanwhile holds the profile: psst daemon stop first; loginctl enable-linger keeps it online after logout'
  ])
}

async function foreground (ctx: Ctx, opts: Opts): Promise<void> {
  if (opts.detach === true) {
    await detach(ctx)
    return
  }
  await ctx.core.runDaemon({
    ...(typeof opts.logFile === 'string' ? { log: ctx.core.fileLogger(opts.logFile) } : {}),
    home: ctx.home,
    passphrase: opts.passphraseStdin === true ? async () => await passphraseFromStdin() : ctx.passphrase,
    bootstrap: ctx.bootstrap,
    dhtHost: ctx.dhtHost,
    lan: ctx.lan
    // log: the core's default (timestamped lines on stderr) is what daemon.log and its readers expect
  })
}

async function detach (ctx: Ctx): Promise<void> {
  const status = await ctx.core.daemonStatus(ctx.home)
  if (status.running) {
    ctx.core.checkRunningMatches(ctx.home, status.network, { bootstrap: ctx.bootstrap, dhtHost: ctx.dhtHost, lan: ctx.lan }, status.dht.host)
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
  const { pid } = await ctx.core.startDaemonDetached({ home: ctx.home, passphrase, bootstrap: ctx.bootstrap, dhtHost: ctx.dhtHost, lan: ctx.lan })
  ctx.out.result({ running: true, pid, started: true }, () => [`daemon started (pid ${pid})`])
}
