/** psst avatar [set <picture>]: my avatar, sent to every friend (issue 17, item 5). */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { AvatarInfo } from '../../../daemon/api.js'
import type { Ctx } from '../context.js'
import { sanitizeLine as sanitize } from '../../text/sanitize.js'
import { examples, run } from './run.js'
import { formatBytes } from '../progress.js'

export function registerAvatar (program: Command): void {
  const avatar = program.command('avatar').description('your picture, sent to every friend (PNG or JPEG, at most 64 KiB)')
    .addHelpText('after', examples('psst avatar', 'psst avatar set ~/me.png', 'psst friends --json | jq \'.[] | {name, avatar}\''))
    .action(run(showAvatar))
  avatar.command('set')
    .description('use this picture as your avatar and send it to your friends (those offline get it when they are back)')
    .argument('<picture>', 'a PNG or JPEG file of at most 64 KiB')
    .addHelpText('after', examples('psst avatar set ~/me.png', 'psst avatar set photo.jpg --json'))
    .action(run(setAvatar))
}

function describe (a: AvatarInfo): string {
  return a.path === null ? 'no avatar set (psst avatar set <picture>)' : `${sanitize(a.path)} (${formatBytes(a.size)}, id ${a.fileId?.slice(0, 8) ?? ''})`
}

async function showAvatar (ctx: Ctx): Promise<void> {
  const info = await (await ctx.client('daemon')).call('avatarGet', {})
  ctx.out.result(info, () => [describe(info)])
}

async function setAvatar (ctx: Ctx, _opts: unknown, picture: string): Promise<void> {
  const info = await (await ctx.client('daemon')).call('avatarSet', { path: resolve(picture) })
  ctx.out.result(info, () => [`avatar set: ${describe(info)}; sent to your friends`])
}
