/**
 * config [get|set|unset]: the profile's settings: the network ones, used by every daemon started
 * later, and the history caps, which a running daemon applies at once.
 */
import type { Command } from 'commander'
import type { Settings } from '../../../daemon/api.js'
import { PsstError } from '../../../errors.js'
import type { Ctx } from '../context.js'
import { examples, run, type Opts } from './run.js'

const KEYS = ['bootstrap', 'dht-host', 'history-max-bytes', 'history-max-messages'] as const
type Key = typeof KEYS[number]
const FIELD: Record<Key, keyof Settings> = {
  bootstrap: 'bootstrap', 'dht-host': 'dhtHost', 'history-max-bytes': 'historyMaxBytes', 'history-max-messages': 'historyMaxMessages'
}
const DEFAULTS: Record<Key, string> = {
  bootstrap: '(default: the public DHT)',
  'dht-host': '(default: chosen from the bootstrap list)',
  'history-max-bytes': '(default: 256 MiB per friend)',
  'history-max-messages': '(default: no cap)'
}
const NETWORK_KEYS: Key[] = ['bootstrap', 'dht-host']
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1048576, mb: 1048576, mib: 1048576, g: 1073741824, gb: 1073741824, gib: 1073741824 }

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

function parseValue (k: Key, value: string): string | number {
  if (k === 'history-max-bytes') return parseSize(value)
  if (k === 'history-max-messages') return parseMessages(value)
  return value
}

function shown (k: Key, v: string | number | null): string {
  if (v === null) return DEFAULTS[k]
  if (v === 0) return 'off (no cap)'
  if (k === 'history-max-bytes' && typeof v === 'number') return v % 1048576 === 0 ? `${v / 1048576} MiB` : `${v} bytes`
  return String(v)
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
      'psst config set history-max-bytes 64MiB         # per friend; the oldest messages go first',
      'psst config set history-max-messages 5000',
      'psst --bootstrap 127.0.0.1:49737 send bob hi     # for one run (and only with no daemon running)'))
    .action(run(async (ctx) => { show(ctx, await settings(ctx)) }))

  config.command('get')
    .description('print one setting (empty when it is the default)')
    .argument('<key>', KEYS.join(' or '))
    .action(run(async (ctx, _opts: Opts, key: string) => {
      const k = parseKey(key)
      const value = (await settings(ctx))[FIELD[k]]
      ctx.out.result({ [k]: value }, () => [value === null ? '' : String(value)])
    }))

  config.command('set')
    .description('store a setting in the profile')
    .argument('<key>', KEYS.join(' or '))
    .argument('<value>', 'bootstrap: host:port[,host:port…]; dht-host: an IPv4 address to bind; history-max-bytes: a size (64MiB) or off; history-max-messages: a count or off')
    .action(run(async (ctx, _opts: Opts, key: string, value: string) => {
      const k = parseKey(key)
      if (value.trim() === '') throw PsstError.usage(`give a value, or psst config unset ${k}`)
      await change(ctx, { [FIELD[k]]: parseValue(k, value) })
    }))

  config.command('unset')
    .description('go back to the default for a setting')
    .argument('<key>', KEYS.join(' or '))
    .action(run(async (ctx, _opts: Opts, key: string) => {
      await change(ctx, { [FIELD[parseKey(key)]]: null })
    }))
}

async function settings (ctx: Ctx): Promise<Settings> {
  return await (await ctx.client('local')).call('config', {})
}

async function change (ctx: Ctx, delta: Partial<Settings>): Promise<void> {
  const client = await ctx.client('local')
  const next = await client.call('configSet', delta)
  const status = await client.call('status', {})
  const network = Object.keys(delta).some((f) => NETWORK_KEYS.some((k) => FIELD[k] === f))
  const stale = network && status.running && (status.network.bootstrap !== next.bootstrap || status.network.dhtHost !== next.dhtHost)
  show(ctx, next)
  if (stale) ctx.out.note(`the running daemon (pid ${status.pid}) keeps its settings until it restarts: psst daemon stop, and the next command starts it with these`)
}

function show (ctx: Ctx, s: Settings): void {
  const width = Math.max(...KEYS.map((k) => k.length))
  ctx.out.result(s, () => KEYS.map((k) => `${k.padEnd(width)}  ${shown(k, s[FIELD[k]])}`))
}
