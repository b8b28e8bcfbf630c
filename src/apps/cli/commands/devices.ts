/** `psst device …`: one identity on several devices (docs/devices.md). */
import type { Command } from 'commander'
import { hostname } from 'node:os'
import type { DeviceInfo } from '../../../daemon/api.js'
import type { Ctx } from '../context.js'
import { relativeTime, shortKey } from '../format.js'
import { sanitizeLine } from '../../text/sanitize.js'
import { noColours } from '../text.js'
import { examples, run, type Opts } from './run.js'

export function registerDevices (program: Command): void {
  const device = program.command('device')
    .description('use one psst ID on several devices: link a new one, list, rename or revoke them')
    .addHelpText('after', examples(
      'psst --home ~/phone device link --name phone   # on the new device: prints a one-time code',
      'psst device add 3fa2-c1d0-…                    # on your first device: completes the link',
      'psst device list',
      'psst device revoke phone'))

  device.command('link')
    .description('make this (empty) home a new device of an identity you have elsewhere: prints a one-time code and waits')
    .option('--name <name>', 'this device\'s name in your device list (default: the host name)')
    .option('--qr', 'also draw the code as a QR code')
    .addHelpText('after', examples('psst --home ~/laptop device link --name laptop', 'psst device link --json   # {"code": …} now, {"id": …, "deviceKey": …} once linked'))
    .action(run(async (ctx: Ctx, opts: Opts) => {
      const name = typeof opts.name === 'string' && opts.name.trim() !== '' ? opts.name.trim() : hostname().slice(0, 64)
      const linked = await ctx.core.linkDevice({
        home: ctx.home,
        name,
        bootstrap: ctx.bootstrap,
        dhtHost: ctx.dhtHost,
        onCode: (code) => {
          ctx.out.record({ code }, () => code)
          if (opts.qr === true && !ctx.out.json) void qrLines(code, ctx.out.colours !== noColours).then((qr) => ctx.out.lines([qr]))
          ctx.out.note('on a device that already has your ID, run: psst device add <this code>   (waiting…)')
        }
      })
      ctx.out.record(linked, () => `linked: this device now speaks for ${linked.id} (psst id)`)
    }))

  device.command('add')
    .description('on your first device: complete a link started with psst device link on the new one')
    .argument('<code>', 'the one-time code the new device shows')
    .addHelpText('after', examples('psst device add 3fa2-c1d0-9b7e-4411-0c2d-77aa-e0f1-5b63'))
    .action(run(async (ctx, _opts, code: string) => {
      const r = await (await ctx.client('daemon')).call('deviceAdd', { code })
      ctx.out.result(r, () => [`linked ${sanitizeLine(r.name)} (${shortKey(r.deviceKey)}): your friends learn of it as they come online`])
    }))

  device.command('list')
    .description('your devices: key, name, this one, last seen')
    .action(run(async (ctx) => {
      const list = await (await ctx.client('offline')).call('deviceList', {})
      ctx.out.result(list, () => deviceLines(list))
    }))

  device.command('revoke')
    .description('revoke a device: friends stop delivering to it (run on your first device)')
    .argument('<device>', 'its name or a key prefix (psst device list)')
    .action(run(async (ctx, _opts, which: string) => {
      const r = await (await ctx.client('daemon')).call('deviceRevoke', { device: which })
      ctx.out.result(r, () => [`revoked ${shortKey(r.deviceKey)}: friends stop delivering to it as they learn of it`])
    }))

  device.command('rename')
    .description('rename a device (this one when only a name is given; run on your first device)')
    .argument('<nameOrDevice>', 'the new name, or the device to rename')
    .argument('[name]', 'the new name, when a device is given first')
    .action(run(async (ctx, _opts, first: string, second: string | undefined) => {
      const params = second === undefined ? { name: first } : { device: first, name: second }
      const r = await (await ctx.client('daemon')).call('deviceRename', params)
      ctx.out.result(r, () => [`${shortKey(r.deviceKey)} is now called ${sanitizeLine(r.name)}`])
    }))
}

function deviceLines (list: DeviceInfo[]): string[] {
  const now = Date.now()
  return list.map((d) => `${d.current ? '*' : ' '} ${shortKey(d.deviceKey)}  ${sanitizeLine(d.name)}  ${d.current ? 'this device' : relativeTime(d.lastSeen, now)}`)
}

async function qrLines (text: string, ansi: boolean): Promise<string> {
  const { qrText } = await import('../../../crypto/qr.js')
  return (await qrText(text, ansi)).trimEnd()
}
