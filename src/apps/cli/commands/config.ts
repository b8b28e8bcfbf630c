/** config [get|set|unset]: the profile's network settings, used by every daemon started later. */
import type { Command } from 'commander'
import type { NetworkSettings } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import type { Ctx } from '../context.js'
import { examples, run, type Opts } from './run.js'

const KEYS = ['bootstrap', 'dht-host', 'lan'] as const
type Key = typeof KEYS[number]
const FIELD: Record<Key, keyof NetworkSettings> = { bootstrap: 'bootstrap', 'dht-host': 'dhtHost', lan: 'lan' }
const DEFAULTS: Record<Key, string> = { bootstrap: '(default: the public DHT)', 'dht-host': '(default: chosen from the bootstrap list)', lan: 'on' }

/** How a setting reads in `psst config` and `config get`: lan as on/off, the rest as stored. */
function shown (s: NetworkSettings, k: Key): string | null {
  if (k === 'lan') return s.lan === false ? 'off' : 'on'
  return s[FIELD[k]] as string | null
}

function parseKey (key: string): Key {
  if ((KEYS as readonly string[]).includes(key)) return key as Key
  throw PsstError.usage(`unknown setting '${key}'; the settings are ${KEYS.join(', ')}`)
}

export function registerConfig (program: Command): void {
  const config = program.command('config')
    .description("show the profile's network settings (what a daemon started later by any command uses)")
    .addHelpText('after', examples(
      'psst config',
      'psst config set bootstrap 203.0.113.7:49737     # your own relay as the only bootstrap',
      'psst config get bootstrap',
      'psst config unset dht-host',
      'psst config set lan off                         # no LAN beacons (psst --no-lan: for one run)',
      'psst --bootstrap 127.0.0.1:49737 send bob hi     # for one run (and only with no daemon running)'))
    .action(run(async (ctx) => { show(ctx, await settings(ctx)) }))

  config.command('get')
    .description('print one setting (empty when it is the default)')
    .argument('<key>', KEYS.join(' or '))
    .action(run(async (ctx, _opts: Opts, key: string) => {
      const k = parseKey(key)
      const value = shown(await settings(ctx), k)
      ctx.out.result({ [k]: value }, () => [value ?? ''])
    }))

  config.command('set')
    .description('store a setting in the profile')
    .argument('<key>', KEYS.join(' or '))
    .argument('<value>', 'bootstrap: host:port[,host:port…]; dht-host: an IPv4 address to bind; lan: on or off')
    .action(run(async (ctx, _opts: Opts, key: string, value: string) => {
      const k = parseKey(key)
      if (value.trim() === '') throw PsstError.usage(`give a value, or psst config unset ${k}`)
      await change(ctx, { [FIELD[k]]: k === 'lan' ? onOff(value) : value })
    }))

  config.command('unset')
    .description('go back to the default for a setting')
    .argument('<key>', KEYS.join(' or '))
    .action(run(async (ctx, _opts: Opts, key: string) => {
      const k = parseKey(key)
      await change(ctx, k === 'lan' ? { lan: true } : { [FIELD[k]]: null })
    }))
}

function onOff (value: string): boolean {
  const v = value.trim().toLowerCase()
  if (v === 'on' || v === 'off') return v === 'on'
  throw PsstError.usage(`lan is on or off, not "${value}"`)
}

async function settings (ctx: Ctx): Promise<NetworkSettings> {
  return await (await ctx.client('local')).call('config', {})
}

async function change (ctx: Ctx, delta: Partial<NetworkSettings>): Promise<void> {
  const client = await ctx.client('local')
  const next = await client.call('configSet', delta)
  const status = await client.call('status', {})
  const stale = status.running && (status.network.bootstrap !== next.bootstrap || status.network.dhtHost !== next.dhtHost || (status.network.lan !== false) !== (next.lan !== false))
  show(ctx, next)
  if (stale) ctx.out.note(`the running daemon (pid ${status.pid}) keeps its settings until it restarts: psst daemon stop, and the next command starts it with these`)
}

function show (ctx: Ctx, s: NetworkSettings): void {
  ctx.out.result(s, () => KEYS.map((k) => `${k.padEnd(9)}  ${shown(s, k) ?? DEFAULTS[k]}`))
}
