/**
 * `psst chat`: wires the controller to the terminal. Everything that can go wrong ends the same way:
 * the terminal is restored first, then the reason is printed, then runChat resolves with an exit code.
 */
import type { ChatClient } from './client.js'
import { ChatController } from './controller.js'
import { formatClock, glyphsForEnv } from './format.js'
import { openTerminal } from './screen.js'
import type { Terminal } from './screen.js'

export type { ChatClient } from './client.js'

const MIN_PAINT_MS = 30

/**
 * Runs the chat UI until the user quits (/quit or Ctrl+C twice → 0) or the daemon connection closes
 * (→ 1). Takes ownership of `client` and closes it before returning.
 */
export async function runChat (client: ChatClient, opts: { title?: string, open?: string } = {}): Promise<number> {
  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) {
    process.stderr.write('psst chat: needs a terminal (stdin and stdout must be a TTY)\n')
    closeQuietly(client)
    return 1
  }
  return await new Promise<number>(resolve => {
    let term: Terminal | null = null
    let ctrl: ChatController | null = null
    let done = false
    let paintTimer: NodeJS.Timeout | null = null
    let lastPaint = 0
    let clock = ''

    const finish = (code: number, message?: string): void => {
      if (done) return
      done = true
      if (paintTimer !== null) clearTimeout(paintTimer)
      clearInterval(ticker)
      for (const [sig, fn] of signals) process.removeListener(sig, fn)
      process.removeListener('uncaughtException', fatal)
      process.removeListener('unhandledRejection', fatal)
      try { term?.destroy() } catch {}
      closeQuietly(client)
      if (message !== undefined) process.stderr.write(`${message}\n`)
      resolve(code)
    }
    const fatal = (err: unknown): void => {
      finish(1, `psst chat: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    }
    const guard = (fn: () => void): void => {
      try { fn() } catch (err) { fatal(err) }
    }

    const paintNow = (force = false): void => guard(() => {
      paintTimer = null
      if (done || term === null || ctrl === null) return
      lastPaint = Date.now()
      clock = formatClock(lastPaint)
      term.paint(ctrl.frame(), force)
    })
    // Bursts of events (thousands of messages) coalesce into one paint per MIN_PAINT_MS.
    const render = (): void => {
      if (paintTimer !== null || done) return
      paintTimer = setTimeout(() => paintNow(), Math.max(0, MIN_PAINT_MS - (Date.now() - lastPaint)))
    }

    const signals: Array<[NodeJS.Signals, () => void]> = (['SIGTERM', 'SIGHUP', 'SIGINT'] as NodeJS.Signals[])
      .map(sig => [sig, () => finish(1, `psst chat: ${sig}`)])
    for (const [sig, fn] of signals) process.on(sig, fn)
    process.on('uncaughtException', fatal)
    process.on('unhandledRejection', fatal)
    const ticker = setInterval(() => { if (formatClock(Date.now()) !== clock) render() }, 1000)

    guard(() => {
      const t = openTerminal({ title: opts.title === undefined ? 'psst' : `psst — ${opts.title}` })
      term = t
      const c = new ChatController(client, {
        render,
        bell: () => guard(() => t.bell()),
        redraw: () => paintNow(true),
        suspend: () => guard(() => t.suspend(() => paintNow(true))),
        exit: (code, message) => finish(code, message)
      }, { title: opts.title, open: opts.open, glyphs: glyphsForEnv(process.env) })
      ctrl = c
      t.onKey((ch, key) => guard(() => c.handleKey(ch, key)))
      t.onInput(piece => guard(() => c.handleInput(piece)))
      t.onResize(() => guard(() => { c.resize(t.cols, t.rows); paintNow(true) }))
      c.resize(t.cols, t.rows)
      paintNow(true)
      c.start().catch(fatal)
    })
  })
}

function closeQuietly (client: ChatClient): void {
  try {
    const r = client.close()
    if (r instanceof Promise) r.catch(() => {})
  } catch {}
}
