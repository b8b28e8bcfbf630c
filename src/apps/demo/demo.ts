import { mkdtempSync, rmSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLoopbackNetwork, type LoopbackNetwork } from '../../net/testnet.js'
import { initProfile } from '../../daemon/profile.js'
import { startDaemon, type Client, type PsstEvent, type IdInfo } from '../../daemon/embed.js'
import { connect } from '../../daemon/control-client.js'

/** The demo network lives on 127.0.0.N with N in this range, away from the tests' (below 160, and 200..254). */
export const DEMO_HOSTS = [160, 199] as const
const BOOTSTRAP_PORT = 49736

export interface Demo {
  /** A client of your demo profile's daemon, for `psst chat`. */
  client: Client
  me: IdInfo
  bot: IdInfo
  home: string
  teardown (): Promise<void>
}

/** A free 127.0.0.N: its bootstrap port can be bound, so no other demo or test is there. */
async function pickHost (): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = DEMO_HOSTS[0] + Math.floor(Math.random() * (DEMO_HOSTS[1] - DEMO_HOSTS[0] + 1))
    const host = `127.0.0.${n}`
    if (await portFree(host, BOOTSTRAP_PORT)) return host
  }
  throw new Error('no free loopback address for the demo network')
}

function portFree (host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4')
    s.once('error', () => { s.close(); resolve(false) })
    s.bind(port, host, () => { s.close(); resolve(true) })
  })
}

/**
 * `psst demo`: a private hyperdht network on a loopback address of its own, an "echo" bot,
 * and your throwaway demo profile, befriended, all in this process so quitting ends it all.
 */
export async function startDemo (log: (line: string) => void = () => {}): Promise<Demo> {
  const root = mkdtempSync(join(tmpdir(), 'psst-demo-'))
  const net: LoopbackNetwork = await createLoopbackNetwork({ host: await pickHost() })
  const homes = { me: join(root, 'you'), bot: join(root, 'echo') }
  const me = await initProfile(homes.me, { name: process.env.USER ?? 'you', passphrase: null })
  const bot = await initProfile(homes.bot, { name: 'echo', passphrase: null })
  const daemons = await Promise.all([homes.bot, homes.me].map(async (home) => await startDaemon({
    home,
    bootstrap: net.bootstrapString,
    log: (l) => log(`[${home === homes.me ? 'you' : 'echo'}] ${l}`)
  })))
  const botClient = await connect({ home: homes.bot, autostart: false })
  const client = await connect({ home: homes.me, autostart: false })
  const stopBot = await runEchoBot(botClient, me)
  // The bot asks; the demo accepts on your behalf so the conversation is there at once.
  await botClient.call('add', { id: me.id, message: 'hi! I am echo, a bot on your private demo network' })
  await waitUntil(async () => (await client.call('requests', {})).length > 0, 15_000)
  await client.call('accept', { friend: bot.publicKey })
  return {
    client,
    me,
    bot,
    home: homes.me,
    async teardown () {
      stopBot()
      // The chat may have closed its client already: stop the daemons directly.
      await Promise.allSettled(daemons.map(async (d) => await d.stop()))
      await botClient.close()
      await client.close()
      await net.destroy()
      rmSync(root, { recursive: true, force: true })
    }
  }
}

async function waitUntil (fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('the demo network did not come up in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The echo bot: welcomes you, shows typing, answers each message with one quoting it. */
export async function runEchoBot (bot: Client, me: IdInfo): Promise<() => void> {
  let stopped = false
  const welcome = [
    'Welcome to psst! This is a private demo network on your own machine: nothing leaves it.',
    'Type a message and press Enter; I answer every one. Try /help, /myid, /nick <name>, Alt+1 for home, /quit to leave.'
  ]
  const reply = async (text: string): Promise<void> => {
    if (stopped) return
    await bot.call('typing', { friend: me.publicKey, typing: true }).catch(() => {})
    await new Promise((r) => setTimeout(r, 400))
    if (stopped) return
    await bot.call('sendMany', { friend: me.publicKey, texts: [`echo: ${text}`] }).catch(() => {})
    await bot.call('typing', { friend: me.publicKey, typing: false }).catch(() => {})
  }
  await bot.subscribe((e: PsstEvent) => {
    if (e.type === 'friend-added' && e.publicKey === me.publicKey) {
      void bot.call('sendMany', { friend: me.publicKey, texts: welcome }).catch(() => {})
    }
    if (e.type === 'message' && e.friend === me.publicKey && e.from !== 'me') void reply(e.kind === 'action' ? `* ${e.text}` : e.text)
  })
  return () => { stopped = true }
}
