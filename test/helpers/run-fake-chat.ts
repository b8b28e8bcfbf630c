/**
 * Runs `psst chat` against the fake client, for trying the TUI in tmux without a daemon:
 *   npx tsc -p . && node dist/test/helpers/run-fake-chat.js
 * PSST_FAKE_DROP_MS=N makes the "daemon" go away after N ms; PSST_FAKE_CHATTER_MS=N makes alice write
 * every N ms.
 */
import { runChat } from '../../src/apps/tui/app.js'
import { FakeChatClient, friend } from './fake-chat-client.js'

const ALICE = '1'.repeat(8) + 'b'.repeat(56)
const BOB = '2'.repeat(8) + 'c'.repeat(56)
const CAROL = '3'.repeat(8) + 'd'.repeat(56)
const DAVE = '4'.repeat(8) + 'e'.repeat(56)

const client = new FakeChatClient({
  friends: [
    friend(ALICE, 'alice', { statusMessage: 'reading the hyperdht source', unread: 2 }),
    friend(BOB, '李小龍🐉', { status: 'away', statusMessage: 'ﺳﻼﻡ — بعد قليل' }),
    friend(CAROL, 'carol', { online: false, lastSeen: Date.now() - 3_600_000 })
  ],
  requests: [{ publicKey: DAVE, name: 'dave', message: 'hi, it is dave from the meetup', receivedAt: Date.now() - 60_000 }],
  histories: { [ALICE]: 100_000, [BOB]: 3 },
  deliverAfterMs: 400,
  baseTime: Date.now() - 100_000 * 60_000
})
client.id = { id: '6B2F'.repeat(16) + '0A1B2C3D9F1E', publicKey: '6b2f'.repeat(16), nospam: '0A1B2C3D', name: 'me', status: 'online', statusMessage: '' }

const drop = Number(process.env.PSST_FAKE_DROP_MS ?? 0)
if (drop > 0) setTimeout(() => client.drop(), drop).unref()
const chatter = Number(process.env.PSST_FAKE_CHATTER_MS ?? 0)
if (chatter > 0) {
  let n = 0
  setInterval(() => { client.receive(ALICE, `ping ${++n} — 你好 👋 e\u0301`) }, chatter).unref()
}

const code = await runChat(client, { title: 'fake' })
process.stdout.write(`exit ${code}\n`)
process.exitCode = code
