/**
 * psst: links, as irc:// links open an IRC client: `psst open <uri>` and the desktop entry that
 * registers psst as the handler of x-scheme-handler/psst.
 */
import type { Command } from 'commander'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { isPublicKeyHex, parseId } from '../../../crypto/id.js'
import { PsstError } from '../../../errors.js'
import { examples, run, setExitCode } from './run.js'

/** `psst:<ID>`, `psst://<ID>` or `psst:<public key>` → the text `/add` takes; usage error otherwise. */
export function uriTarget (uri: string): string {
  const body = decodeURIComponent(uri.trim()).replace(/^psst:(\/\/)?/i, '').replace(/[/?#].*$/, '').replace(/\s+/g, '')
  if (isPublicKeyHex(body)) return body.toLowerCase()
  try {
    return parseId(body) && body.toUpperCase()
  } catch (err) {
    throw PsstError.usage(`not a psst link: ${err instanceof Error ? err.message : String(err)} (expected psst:<ID> or psst:<public key>)`)
  }
}

const applicationsDir = (env: NodeJS.ProcessEnv = process.env): string =>
  join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'applications')

/** The desktop entry: Terminal=true, because psst open runs the terminal UI. */
export function desktopEntry (exec: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=psst',
    'GenericName=Messenger',
    'Comment=End-to-end encrypted messenger without servers',
    `Exec=${exec} open %u`,
    'Terminal=true',
    'MimeType=x-scheme-handler/psst;',
    'Categories=Network;InstantMessaging;',
    ''
  ].join('\n')
}

/** How the entry starts this psst: the same node and script as now, quoted for the Exec key. */
function selfCommand (): string {
  const quote = (s: string): string => /^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["`$\\])/g, '\\$1')}"`
  return [process.execPath, resolve(process.argv[1] ?? 'psst')].map(quote).join(' ')
}

/** Runs a desktop helper when it exists; its absence is normal on a server. */
function tryRun (cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return r.error === undefined && r.status === 0
}

export function registerDesktop (program: Command): void {
  program.command('open')
    .description('open a psst: link: the chat window with the friend request ready to send')
    .argument('<uri>', 'psst:<ID> (or psst:<public key>)')
    .addHelpText('after', examples('psst open psst:3FA2C1D0…7B1E', 'xdg-open "psst:3FA2C1D0…7B1E"   # after psst desktop install'))
    .action(run(async (ctx, _opts, uri: string) => {
      const target = uriTarget(uri)
      const { runChat } = await import('../../tui/app.js')
      setExitCode(await runChat(await ctx.resilientClient(), { draft: `/add ${target} ` }))
    }))

  const desktop = program.command('desktop')
    .description('make psst: links open psst (a desktop entry for x-scheme-handler/psst)')
  desktop.command('install')
    .description('write psst.desktop to ~/.local/share/applications and make it the psst: handler')
    .addHelpText('after', examples('psst desktop install', 'xdg-open psst:<ID>   # then opens psst chat with /add <ID> typed'))
    .action(run(async (ctx) => {
      const dir = applicationsDir()
      mkdirSync(dir, { recursive: true })
      const file = join(dir, 'psst.desktop')
      writeFileSync(file, desktopEntry(selfCommand()), { mode: 0o644 })
      const registered = tryRun('xdg-mime', ['default', 'psst.desktop', 'x-scheme-handler/psst'])
      tryRun('update-desktop-database', [dir])
      ctx.out.result({ file, registered }, () => [
        `wrote ${file}`,
        registered ? 'psst: links now open psst (xdg-mime)' : 'xdg-mime is not installed: your desktop picks the handler up from the file at next login (or run: xdg-mime default psst.desktop x-scheme-handler/psst)'
      ])
    }))
  desktop.command('uninstall')
    .description('remove psst.desktop again')
    .action(run(async (ctx) => {
      const file = join(applicationsDir(), 'psst.desktop')
      const existed = existsSync(file)
      rmSync(file, { force: true })
      ctx.out.result({ file, removed: existed }, () => [existed ? `removed ${file}` : `no ${file} to remove`])
    }))
}
