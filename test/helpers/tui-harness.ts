/** A ChatController wired to the fake client, fake timers and a recording UI, for TUI unit tests. */
import { ChatController } from '../../src/apps/tui/controller.js'
import type { Timers, UiHooks } from '../../src/apps/tui/controller.js'
import { ASCII_GLYPHS } from '../../src/apps/tui/format.js'
import { rowText } from '../../src/apps/tui/wrap.js'
import { FakeChatClient } from './fake-chat-client.js'
import type { FakeOptions } from './fake-chat-client.js'

export class ManualTimers implements Timers {
  now = new Date(2024, 4, 1, 12, 0).getTime()
  #next = 1
  readonly pending = new Map<number, { at: number, fn: () => void }>()

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++
    this.pending.set(id, { at: this.now + ms, fn })
    return id
  }

  clearTimeout = (t: unknown): void => { this.pending.delete(t as number) }

  /** Moves the clock and runs what fell due, in time order. */
  advance (ms: number): void {
    const end = this.now + ms
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.pending.delete(due[0])
      this.now = due[1].at
      due[1].fn()
    }
    this.now = end
  }
}

export interface Harness {
  client: FakeChatClient
  c: ChatController
  timers: ManualTimers
  bells: number
  exits: Array<{ code: number, message?: string }>
  renders: number
  /** Types a line and presses Enter, waiting for the command to finish. */
  line: (text: string) => Promise<void>
  /** The screen as plain text lines. */
  screen: () => string[]
  /** Every line of the active window's log, as text. */
  log: () => string[]
}

export async function harness (opts: FakeOptions = {}, size = { cols: 100, rows: 30 }): Promise<Harness> {
  const client = new FakeChatClient(opts)
  const timers = new ManualTimers()
  const ui: UiHooks & { h?: Harness } = {
    render: () => { if (ui.h !== undefined) ui.h.renders++ },
    bell: () => { if (ui.h !== undefined) ui.h.bells++ },
    redraw: () => {},
    suspend: () => {},
    exit: (code, message) => { ui.h?.exits.push({ code, message }) }
  }
  const c = new ChatController(client, ui, {
    title: 'test', glyphs: ASCII_GLYPHS, now: () => timers.now, timers, qr: async t => `\x1b[47m QR:${t.slice(0, 4)} \x1b[0m\n`
  })
  const h: Harness = {
    client, c, timers, bells: 0, exits: [], renders: 0,
    line: async text => { c.input.set(text); await c.submit(); await flush() },
    screen: () => c.frame().rows.map(rowText),
    log: () => c.state.windows.active.buffer.entries.map(e => e.kind === 'msg' ? `${e.from}: ${e.text} [${e.state}]` : e.text)
  }
  ui.h = h
  c.resize(size.cols, size.rows)
  await c.start()
  await flush()
  return h
}

/** Lets pending promise callbacks (fake daemon replies) run. */
export async function flush (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>(resolve => setImmediate(resolve))
}
