/**
 * The `psst` command line: commander setup, global options, and the one place where errors become
 * one stderr line and an exit code (0 ok, 1 failure, 2 usage error; docs/design.md, CLI and JSON shapes).
 */
import { Command, CommanderError } from 'commander'
import { PsstError } from '../../errors.js'
import { argvWantsJson } from './args.js'
import { registerConfig } from './commands/config.js'
import { registerDaemon } from './commands/daemon.js'
import { registerExtras } from './commands/extras.js'
import { registerFriends } from './commands/friends.js'
import { registerFiles } from './commands/files.js'
import { registerDevices } from './commands/devices.js'
import { registerAvatar } from './commands/avatar.js'
import { registerGroups } from './commands/groups.js'
import { registerMessages } from './commands/messages.js'
import { registerProfile } from './commands/profile.js'
import { registerShell } from './commands/shell.js'
import { registerDesktop } from './commands/desktop.js'
import { examples, takeExitCode } from './commands/run.js'
import { errorReport } from './output.js'
import { packageVersion } from './version.js'

/** Filled while parsing: which command ran or failed, for the `hint: psst <cmd> --help` line. */
interface ParseState { command: string, helpOnError: string }

export function buildProgram (state: ParseState = { command: '', helpOnError: '' }): Command {
  const program = new Command('psst')
    .description('psst: a decentralized, end-to-end encrypted messenger. No servers, no accounts.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option('--home <dir>', 'profile folder (default: $PSST_HOME, $XDG_DATA_HOME/psst, ~/.local/share/psst)')
    .option('--bootstrap <list>', 'DHT bootstrap nodes, host:port,host:port (none: no DHT, the LAN only), for this run (default: $PSST_BOOTSTRAP, then psst config); stored by init')
    .option('--dht-host <addr>', 'local address for the DHT to use, for this run (default: $PSST_DHT_HOST, then psst config); stored by init')
    .option('--no-lan', 'no LAN discovery for this run: no beacons sent or heard (default: $PSST_LAN, then psst config)')
    .option('--json', 'machine output: one JSON document on stdout (NDJSON for watch), errors as JSON on stderr')
    .option('--no-autostart', 'never start the daemon: answer from the profile without network when none runs (commands that need the network fail)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of this file (or set PSST_PASSPHRASE)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .addHelpText('after', examples(
      'psst init --name alice          # once: create your identity',
      'psst id                         # your ID, to give to friends',
      'psst add <their ID> hi it is alice',
      'psst requests && psst accept 3fa2c1d0',
      'psst send bob hello',
      'psst chat                       # the terminal UI'))
  program.hook('preAction', (_root, action) => { state.command = commandPath(action) })

  registerProfile(program)
  registerFriends(program)
  registerMessages(program)
  registerFiles(program)
  registerDevices(program)
  registerAvatar(program)
  registerGroups(program)
  registerDaemon(program)
  registerConfig(program)
  registerExtras(program)
  registerDesktop(program)
  registerShell(program)
  forEachCommand(program, (cmd) => {
    cmd.exitOverride()
    cmd.configureOutput({
      writeOut: (s) => { process.stdout.write(s) },
      // Only the help shown for a missing command goes here; main() replaces it with one error line.
      writeErr: (s) => { state.helpOnError += s },
      outputError: () => { state.command = commandPath(cmd) }
    })
  })
  return program
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main (argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const state: ParseState = { command: '', helpOnError: '' }
  const json = argvWantsJson(argv.slice(2))
  try {
    await buildProgram(state).parseAsync(argv)
    return takeExitCode()
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0 // --help, --version, `psst help`
      const message = err.code === 'commander.help' ? helpTopicError(argv.slice(2)) : err.message.replace(/^error:\s*/, '')
      return report(PsstError.usage(message), json, state.command, env)
    }
    return report(err, json, state.command, env)
  }
}

/** `psst help sned` lands in commander's "no command" help: name the unknown topic and the nearest command. */
function helpTopicError (args: string[]): string {
  const at = args.indexOf('help')
  const topic = at >= 0 ? args.slice(at + 1).find((a) => !a.startsWith('-')) : undefined
  if (topic === undefined) return 'no command given'
  const names = buildProgram().commands.flatMap((c) => [c.name(), ...c.aliases()])
  const near = nearest(topic, names)
  return `unknown command '${topic}'${near === null ? '' : ` (Did you mean ${near}?)`}`
}

/** The name within edit distance 2 of `word` (as commander suggests for a mistyped command). */
export function nearest (word: string, names: string[]): string | null {
  let best: string | null = null
  let bestDistance = 3
  for (const n of names) {
    const d = editDistance(word.toLowerCase(), n)
    if (d < bestDistance) { best = n; bestDistance = d }
  }
  return best
}

function editDistance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const swap = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? prev[j - 2] + 1 : Infinity
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1), swap)
    }
    prev = row
  }
  return prev[b.length]
}

function report (err: unknown, json: boolean, command: string, env: NodeJS.ProcessEnv): number {
  const { lines, exitCode } = errorReport(err, { json, command, debug: env.PSST_DEBUG === '1' })
  for (const line of lines) process.stderr.write(line + '\n')
  return exitCode
}

function commandPath (cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c?.parent != null; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

function forEachCommand (cmd: Command, fn: (cmd: Command) => void): void {
  fn(cmd)
  for (const sub of cmd.commands) forEachCommand(sub, fn)
}
