/**
 * config [get|set|unset]: the profile's settings: the network ones, used by every daemon started
 * later, and the history caps, which a running daemon applies at once.
 */
import type { Command } from 'commander'
import type { Settings } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import type { Ctx } from '../context.js'
import { examples, run, type Opts } from './run.js'

const KEYS = ['bootstrap', 'dht-host', 'lan', 'history-max-bytes', 'history-max-messages'] as const
type Key = typeof KEYS[number]
const FIELD: Record<Key, keyof Settings> = {
  bootstrap: 'bootstrap', 'dht-host': 'dhtHost', lan: 'lan', 'history-max-bytes': 'historyMaxBytes', 'history-max-messages': 'historyMaxMessages'
}
const DEFAULTS: Record<Key, string> = {
  bootstrap: '(default: the public DHT)',
  'dht-host': '(default: chosen from the bootstrap list)',
  lan: 'on',
  'history-max-bytes': '(default: 256 MiB per friend)',
  'history-max-messages': '(default: no cap)'
}
/** The settings a running daemon takes only when it starts again. */
const NETWORK_KEYS: Key[] = ['bootstrap', 'dht-host', 'lan']
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1048576, mb: 1048576, mib: 1048576, g: 1073741824, gb: 1073741824, gib: 1073741824 }

/** How a setting reads in `config get`: lan as on/off, a cap as its number (0: none), the rest as stored; null: the default. */
function shown (s: Settings, k: Key): string | null {
  if (k === 'lan') return s.lan === false ? 'off' : 'on'
  const v = s[FIELD[k]]
  return v === null || v === undefined ? null : String(v)
}

/** How a setting reads in the `psst config` table. */
function described (s: Settings, k: Key): string {
  const v = shown(s, k)
  if (v === null) return DEFAULTS[k]
  if (k !== 'history-max-bytes' && k !== 'history-max-messages') return v
  const n = Number(v)
  if (n === 0) return 'off (no cap)'
  return k === 'history-max-bytes' && n % 1048576 === 0 ? `${n / 1048576} MiB` : v
}

/** `64MiB`, `500M`, `1g`, a number of bytes, or `off` (no cap). Throws a usage error. */
export function parseSize (value: string): number {
  const v = value.trim().toLowerCase()
  if (v === 'off' || v === 'none') return 0
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(v)
  if (m === null || UNITS[m[2]] === undefined) throw PsstError.usage(`bad size '${value}': give bytes, or a number with KiB, MiB or GiB (e.g. 64MiB), or off`)
  return Math.round(Number(m[1]) * UNITS[m[2]])
}

function parseMessages (value: string): number {
  const v = value.trim().toLowerCase()
  if (v === 'off' || v === 'none') return 0
  if (!/^\d+$/.test(v)) throw PsstError.usage(`bad count '${value}': give a whole number of messages, or off`)
  return Number(v)
}

function parseValue (k: Key, value: string): string | number | boolean {
  if (k === 'lan') return onOff(value)
  if (k === 'history-max-bytes') return parseSize(value)
  if (k === 'history-max-messages') return parseMessages(value)
  return value
}

function parseKey (key: string): Key {
  if ((KEYS as readonly string[]).includes(key)) return key as Key
  throw PsstError.usage(`unknown setting '${key}'; the settings are ${KEYS.join(', ')}`)
}

export function registerConfig (program: Command): void {
  const config = program.command('config')
    .description("show the profile's settings: network (for daemons started later) and history caps (applied at once)")
    .addHelpText('after', examples(
      'psst config',
      'psst config set bootstrap 203.0.113.7:49737     # your own relay as the only bootstrap',
      'psst config get bootstrap',
      'psst config unset dht-host',
      'psst config set lan off                         # no LAN beacons (psst --no-lan: for one run)',
      'psst config set history-max-bytes 64MiB         # per friend; the oldest messages go first',
      'psst config set history-max-messages 5000',
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
    .argument('<value>', 'bootstrap: host:port[,host:port…]; dht-host: an IPv4 address to bind; lan: on or off; history-max-bytes: a size (64MiB) or off; history-max-messages: a count or off')
    .action(run(async (ctx, _opts: Opts, key: string, value: string) => {
      const k = parseKey(key)
      if (value.trim() === '') throw PsstError.usage(`give a value, or psst config unset ${k}`)
      await change(ctx, { [FIELD[k]]: parseValue(k, value) })
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

async function settings (ctx: Ctx): Promise<Settings> {
  return await (await ctx.client('local')).call('config', {})
}

async function change (ctx: Ctx, delta: Partial<Settings>): Promise<void> {
  const client = await ctx.client('local')
  const next = await client.call('configSet', delta)
  const status = await client.call('status', {})
  const network = Object.keys(delta).some((f) => NETWORK_KEYS.some((k) => FIELD[k] === f))
  const stale = network && status.running && (status.network.bootstrap !== next.bootstrap || status.network.dhtHost !== next.dhtHost || (status.network.lan !== false) !== (next.lan !== false))
  show(ctx, next)
  if (stale) ctx.out.note(`the running daemon (pid ${status.pid}) keeps its settings until it restarts: psst daemon stop, and the next command starts it with these`)
}

function show (ctx: Ctx, s: Settings): void {
  const width = Math.max(...KEYS.map((k) => k.length))
  ctx.out.result(s, () => KEYS.map((k) => `${k.padEnd(width)}  ${described(s, k)}`))
}
