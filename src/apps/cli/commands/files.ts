/** psst file send|list|accept|cancel: file transfer (issue 17). */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { Client } from '../../../daemon/index.js'
import type { FileInfo, PsstEvent } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import { parseFriendRef } from '../args.js'
import type { Ctx } from '../context.js'
import { sanitizeLine as sanitize } from '../../text/sanitize.js'
import { examples, run, type Opts } from './run.js'
import { ProgressBar, formatBytes } from '../progress.js'

export function registerFiles (program: Command): void {
  const file = program.command('file').description('send and receive files (resumable, verified)')
  file.command('send')
    .description('offer a file to a friend; it moves once they accept, resuming after any interruption')
    .argument('<friend>', 'name, or at least 8 characters of the public key')
    .argument('<path>', 'the file to send')
    .option('--wait', 'wait until the friend has the whole file (a progress bar in a terminal)')
    .option('--as <name>', 'offer it under another name (default: the file\'s own name)')
    .addHelpText('after', examples('psst file send bob ~/holiday.jpg', 'psst file send bob big.iso --wait', 'psst file send bob ./out.bin --as report-2026.bin'))
    .action(run(sendFile))
  file.command('list')
    .description('show offered, running and finished transfers')
    .addHelpText('after', examples('psst file list', 'psst file list --json | jq \'.[] | select(.state == "offered")\''))
    .action(run(listFiles))
  file.command('accept')
    .description('accept an offered file; it goes to --to, $XDG_DOWNLOAD_DIR/psst or ~/Downloads/psst')
    .argument('<fileId>', 'the id from psst file list (a unique prefix is enough)')
    .option('--to <dir>', 'save into this folder')
    .option('--wait', 'wait until the file is complete (a progress bar in a terminal)')
    .addHelpText('after', examples('psst file accept 3fa2c1d0', 'psst file accept 3fa2 --to ~/incoming --wait'))
    .action(run(acceptFile))
  file.command('cancel')
    .description('stop a transfer (either direction); a partial download is deleted')
    .argument('<fileId>', 'the id from psst file list (a unique prefix is enough)')
    .action(run(cancelFile))
}

function line (f: FileInfo): string {
  const arrow = f.direction === 'out' ? '→' : '←'
  const where = f.path !== '' ? `  ${sanitize(f.path)}` : ''
  const why = f.reason !== undefined ? `  (${sanitize(f.reason)})` : ''
  return `${f.fileId.slice(0, 8)} ${arrow} ${f.friend.slice(0, 8)}  ${f.state.padEnd(9)} ${formatBytes(f.bytes)}/${formatBytes(f.size)}  ${sanitize(f.name)}${where}${why}`
}

async function sendFile (ctx: Ctx, opts: Opts, friendArg: string, path: string): Promise<void> {
  const friend = parseFriendRef(friendArg)
  const client = await ctx.client('daemon')
  const waiter = opts.wait === true ? await follow(ctx, client) : null
  const info = await client.call('fileSend', { friend, path: resolve(path), name: typeof opts.as === 'string' ? opts.as : undefined })
  const result = { fileId: info.fileId, name: info.name, size: info.size, state: info.state }
  if (waiter === null) {
    ctx.out.result(result, () => [`offered ${sanitize(info.name)} (${formatBytes(info.size)}) to ${friend} as ${info.fileId.slice(0, 8)}; it moves once they accept`])
    return
  }
  const end = await waiter(info)
  ctx.out.result({ ...result, state: end.state }, () => [`${sanitize(info.name)} → ${friend}: ${end.state}`])
  failIfNotComplete(end)
}

async function listFiles (ctx: Ctx): Promise<void> {
  const client = await ctx.client('daemon')
  const files = await client.call('fileList', {})
  const shown = files.map(({ fileId, friend, direction, name, size, bytes, state, path, reason }) =>
    reason === undefined ? { fileId, friend, direction, name, size, bytes, state, path } : { fileId, friend, direction, name, size, bytes, state, path, reason })
  ctx.out.result(shown, () => files.length === 0 ? ['no file transfers'] : files.map(line))
}

async function acceptFile (ctx: Ctx, opts: Opts, fileId: string): Promise<void> {
  const client = await ctx.client('daemon')
  const waiter = opts.wait === true ? await follow(ctx, client) : null
  const to = typeof opts.to === 'string' ? resolve(opts.to) : undefined
  const info = await client.call('fileAccept', { fileId, to })
  if (waiter === null) {
    ctx.out.result(info, () => [`accepted ${sanitize(info.name)} (${formatBytes(info.size)}); it will be saved as ${sanitize(info.path)}`])
    return
  }
  const end = await waiter(info)
  ctx.out.result(end, () => [end.state === 'complete' ? `saved ${sanitize(end.path)}` : line(end)])
  failIfNotComplete(end)
}

async function cancelFile (ctx: Ctx, _opts: Opts, fileId: string): Promise<void> {
  const client = await ctx.client('daemon')
  const info = await client.call('fileCancel', { fileId })
  ctx.out.result(info, () => [`cancelled ${sanitize(info.name)}`])
}

function failIfNotComplete (end: FileInfo): void {
  if (end.state === 'complete') return
  throw new PsstError('DAEMON_FAILED', `the transfer ${end.state}${end.reason !== undefined ? `: ${end.reason}` : ''}`)
}

/**
 * Subscribes before the call that starts a transfer (so no event is missed), then resolves with
 * the transfer's final state, drawing a progress bar on stderr in a terminal.
 */
async function follow (ctx: Ctx, client: Client): Promise<(info: FileInfo) => Promise<FileInfo>> {
  const seen: FileInfo[] = []
  let target: string | null = null
  let bar: ProgressBar | null = null
  let finish: ((f: FileInfo) => void) | null = null
  const onEvent = (e: PsstEvent): void => {
    if (e.type !== 'file-progress' && e.type !== 'file-complete' && e.type !== 'file-failed') return
    const { type: _type, ...f } = e
    if (target === null) { seen.push(f); return }
    handle(f)
  }
  const handle = (f: FileInfo): void => {
    if (f.fileId !== target) return
    bar?.update(f.bytes)
    if (f.state === 'complete' || f.state === 'failed' || f.state === 'cancelled') {
      bar?.done(f.state === 'complete')
      finish?.(f)
    }
  }
  await client.subscribe(onEvent, ['file-progress', 'file-complete', 'file-failed'])
  return async (info) => await new Promise<FileInfo>((resolvePromise) => {
    target = info.fileId
    finish = resolvePromise
    const stderr = process.stderr
    if (!ctx.out.json && stderr.isTTY === true) bar = new ProgressBar(stderr, sanitize(info.name), info.size)
    for (const f of seen.splice(0)) handle(f)
  })
}
