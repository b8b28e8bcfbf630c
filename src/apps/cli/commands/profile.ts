/** init, id, nospam, nick, status: your own identity and how you appear to friends. */
import type { Command } from 'commander'
import type { IdInfo, Protection } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import { joinWords, parsePresence } from '../args.js'
import type { Ctx } from '../context.js'
import { idLines } from '../format.js'
import { askNewPassphrase } from '../passphrase.js'
import { noColours } from '../text.js'
import { sanitizeLine } from '../../text/sanitize.js'
import { examples, run } from './run.js'

const DEFAULT_NAME = 'anonymous'

export function registerProfile (program: Command): void {
  program.command('init')
    .description('create your profile (a new identity key pair in the home folder) and go online: its daemon keeps running in the background')
    .option('--name <name>', `the name your friends see (default: ${DEFAULT_NAME}; change it later with psst nick)`)
    .option('--passphrase', 'encrypt the profile; the passphrase is asked twice, or read from --passphrase-file or PSST_PASSPHRASE')
    .addHelpText('after', examples(
      'psst init --name alice',
      'psst init --name alice --passphrase',
      'psst init --name alice --bootstrap 203.0.113.7:49737   # your own network, kept in the profile',
      'psst --no-autostart init --name alice                  # create only, stay offline',
      'psst --home /tmp/bob init --name bob --passphrase-file ~/.psst-pass'))
    .action(run(init))

  program.command('passwd')
    .description('add, change or remove the passphrase that encrypts the profile (all of it is re-encrypted at once)')
    .option('--remove', 'store the profile without a passphrase')
    .option('--new-passphrase-file <file>', 'read the new passphrase from the first line of this file (or set PSST_NEW_PASSPHRASE)')
    .addHelpText('after', examples(
      'psst passwd                      # asks the current passphrase (if any), then the new one twice',
      'psst passwd --remove',
      'psst passwd --passphrase-file old.txt --new-passphrase-file new.txt'))
    .addHelpText('after', '\nA running daemon is stopped for the change and started again after it. An interruption\n' +
      '(power cut, kill -9) leaves the profile under the old passphrase or the new one, never a mix.')
    .action(run(passwd))

  program.command('id')
    .description('show your psst ID, the 76 characters friends need to add you')
    .option('--qr', 'also draw the ID as a QR code')
    .addHelpText('after', examples('psst id', 'psst id --qr', 'psst id --json'))
    .action(run(async (ctx, opts) => {
      const info = { ...await (await ctx.client('background', { announce: true })).call('id', {}), protection: ctx.core.profileProtection(ctx.home) }
      if (opts.qr === true && !ctx.out.json) ctx.out.lines([await qrLines(info.id, ctx.out.colours !== noColours)])
      ctx.out.result(info, () => [...idLines(info), ...protectionLines(info.protection)])
      if (!ctx.core.isProfileEncrypted(ctx.home)) ctx.out.warn('this profile is not encrypted (psst passwd adds a passphrase)')
    }))

  program.command('nospam')
    .description('show your nospam, or with --new change it so IDs handed out before stop working for new requests')
    .option('--new', 'pick a new random nospam (existing friends are not affected)')
    .addHelpText('after', examples('psst nospam', 'psst nospam --new'))
    .action(run(async (ctx, opts) => {
      const info = await (await ctx.client('offline', { announce: opts.new !== true })).call('nospam', { new: opts.new === true })
      ctx.out.result(info, () => [
        ...(opts.new === true ? ['new nospam: IDs you handed out before no longer work for new friend requests'] : []),
        `nospam  ${info.nospam}`, ...idLines(info)])
    }))

  program.command('nick')
    .description('change the name your friends see')
    .argument('<name>', 'your new name')
    .addHelpText('after', examples('psst nick alice', 'psst nick "Alice Liddell"'))
    .action(run(async (ctx, _opts, name: string) => {
      if (name.trim() === '') throw PsstError.usage('the name must not be empty')
      const info = await (await ctx.client('offline')).call('nick', { name })
      ctx.out.result(info, () => [`your name is now ${sanitizeLine(info.name)}`])
    }))

  program.command('status')
    .description('show your presence and status message, or set them (online, away, busy)')
    .argument('[presence]', 'online, away or busy; without it, show what friends see now')
    .argument('[message...]', 'status message friends see')
    .addHelpText('after', examples('psst status', 'psst status away', 'psst status busy in a meeting until 3'))
    .action(run(async (ctx, _opts, presence: string | undefined, words: string[]) => {
      if (presence === undefined) {
        const info = await (await ctx.client('offline')).call('id', {})
        ctx.out.result({ status: info.status, statusMessage: info.statusMessage }, () => [statusLine(info.status, info.statusMessage)])
        return
      }
      const status = parsePresence(presence)
      const message = words.length > 0 ? joinWords(words) : undefined
      const res = await (await ctx.client('offline')).call('setStatus', { status, message })
      ctx.out.result(res, () => [statusLine(res.status, res.statusMessage)])
    }))
}

function statusLine (status: string, message: string): string {
  return `status: ${status}` + (message !== '' ? ` — ${sanitizeLine(message)}` : '')
}

async function init (ctx: Ctx, opts: Record<string, unknown>): Promise<void> {
  // Checked before asking for a passphrase, so nobody types one twice for nothing; initProfile checks again.
  if (ctx.core.profileExists(ctx.home)) {
    throw new PsstError('PROFILE_EXISTS', `a profile already exists in ${ctx.home}; it was left untouched`)
  }
  const name = typeof opts.name === 'string' ? opts.name : DEFAULT_NAME
  if (name.trim() === '') throw PsstError.usage('the name must not be empty')
  const encrypt = opts.passphrase === true || ctx.passphraseFile !== undefined
  const passphrase = encrypt ? await askNewPassphrase({ file: ctx.passphraseFile }) : null
  // --bootstrap/--dht-host given here are the profile's network from now on (env vars stay one-run overrides).
  const info: IdInfo = { ...await ctx.core.initProfile(ctx.home, { name, passphrase, settings: ctx.flags }), protection: ctx.core.profileProtection(ctx.home) }
  ctx.knowPassphrase(passphrase)
  const daemon = ctx.autostart ? await goOnline(ctx) : null
  ctx.out.result(daemon === null ? info : { ...info, daemon }, () => [
    `created a profile in ${ctx.home}`, ...idLines(info), ...protectionLines(info.protection!),
    ...(daemon !== null ? [`you are online: the daemon runs in the background (pid ${daemon.pid}); psst daemon stop takes you offline`] : [])
  ])
  if (!encrypt) ctx.out.warn(`this profile is not encrypted: anyone who can read ${ctx.home} can use your identity (psst passwd adds a passphrase)`)
}

async function passwd (ctx: Ctx, opts: Record<string, unknown>): Promise<void> {
  if (!ctx.core.profileExists(ctx.home)) throw new PsstError('NO_PROFILE', `no psst profile in ${ctx.home}; create one with: psst init`)
  const remove = opts.remove === true
  const newFile = typeof opts.newPassphraseFile === 'string' ? opts.newPassphraseFile : undefined
  if (remove && newFile !== undefined) throw PsstError.usage('give --remove or a new passphrase, not both')
  const wasEncrypted = ctx.core.isProfileEncrypted(ctx.home)
  if (remove && !wasEncrypted) throw PsstError.usage('this profile has no passphrase; nothing to remove')
  const old = wasEncrypted ? await ctx.passphrase() : null
  if (wasEncrypted && old === null) throw new PsstError('PASSPHRASE_REQUIRED', 'this profile is encrypted: give its current passphrase (prompt, --passphrase-file F or PSST_PASSPHRASE)')
  const next = remove ? null : await askNewPassphrase({ file: newFile, env: { PSST_PASSPHRASE: process.env.PSST_NEW_PASSPHRASE } })
  const running = (await ctx.core.daemonStatus(ctx.home)).running
  if (running) await ctx.core.stopDaemon(ctx.home)
  const result = await ctx.core.changePassphrase(ctx.home, old, next)
  ctx.knowPassphrase(next)
  if (running) await ctx.client('daemon')
  const what = remove ? 'removed: the profile is stored unencrypted' : wasEncrypted ? 'changed' : 'added: the profile is encrypted now'
  ctx.out.result({ ...result, restarted: running }, () => [
    `passphrase ${what} (${result.records} records re-encrypted${result.skipped > 0 ? `, ${result.skipped} unreadable ones left out` : ''})`,
    ...(running ? ['the daemon was restarted'] : [])])
}

/** How an encrypted profile is kept on disk (a plain one gets its warning on stderr). */
function protectionLines (p: Protection): string[] {
  if (!p.encrypted || p.kdf === null) return []
  const weak = p.kdf.strength === 'interactive' ? ' (test strength: faster to guess)' : ''
  return [`disk  encrypted, passphrase through Argon2id ${p.kdf.strength}${weak}: ${p.kdf.opslimit} passes, ${Math.round(p.kdf.memlimit / 1048576)} MiB`]
}

/** A new profile goes online at once, so requests sent to its ID arrive before any other command. */
async function goOnline (ctx: Ctx): Promise<{ running: true, pid: number } | null> {
  try {
    const status = await (await ctx.client('daemon')).call('status', {})
    return { running: true, pid: status.pid }
  } catch (err) {
    ctx.out.warn(`the profile was created, but its daemon did not start: ${err instanceof Error ? err.message : String(err)}`)
    return null
  }
}

/** Upper-case `PSST:` keeps the whole text in QR alphanumeric mode (a smaller code); parseId accepts it. */
async function qrLines (id: string, ansi: boolean): Promise<string> {
  const { qrText } = await import('../../../crypto/qr.js')
  return (await qrText(`PSST:${id}`, ansi)).trimEnd()
}
