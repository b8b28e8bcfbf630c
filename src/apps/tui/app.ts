/**
 * `psst chat`: wires the controller to the terminal. Everything that can go wrong ends the same way:
 * the terminal is restored first, then the reason is printed, then runChat resolves with an exit code.
 */
import { spawn } from 'node:child_process'
import type { ChatClient } from './client.js'
import { ChatController } from './controller.js'
import { formatClock, glyphsForEnv, timestampProblem } from './format.js'
import { PsstError } from '../../errors.js'
import { openTerminal } from './screen.js'
import type { Terminal } from './screen.js'
import type { ChatSettings } from './state.js'

export type { ChatClient } from './client.js'

const MIN_PAINT_MS = 30

/**
 * Runs the chat UI until the user quits (/quit or Ctrl+C twice → 0) or the daemon connection closes
 * (→ 1). Takes ownership of `client` and closes it before returning.
 */
export async function runChat (client: ChatClient, opts: { title?: string, open?: string, settings?: Partial<ChatSettings>, draft?: string } = {}): Promise<number> {
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
        exit: (code, message) => finish(code, message),
        notify: desktopNotifier()
      }, { title: opts.title, open: opts.open, glyphs: glyphsForEnv(process.env), settings: opts.settings })
      ctrl = c
      t.onKey((ch, key) => guard(() => c.handleKey(ch, key)))
      t.onInput(piece => guard(() => c.handleInput(piece)))
      t.onResize(() => guard(() => { c.resize(t.cols, t.rows); paintNow(true) }))
      c.resize(t.cols, t.rows)
      // `psst open psst:<ID>`: the command is typed for the user, who reads it and presses Enter.
      if (opts.draft !== undefined) c.input.insert(opts.draft)
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

/**
 * Shows a desktop notification with notify-send (libnotify) when it is installed; where it is not
 * (a server, a container), the first try finds out and the rest are skipped. Nothing waits for it.
 */
function desktopNotifier (): (title: string, body: string) => void {
  let missing = false
  return (title, body) => {
    if (missing) return
    try {
      const child = spawn('notify-send', ['--app-name=psst', '--', title, markupSafe(body)], { stdio: 'ignore' })
      child.on('error', () => { missing = true })
      child.unref()
    } catch {
      missing = true
    }
  }
}

/** Chat settings from `psst chat` flags, then PSST_NOTIFY / PSST_TIMESTAMP; a bad format is a usage error. */
export function chatSettings (env: Record<string, string | undefined>, flags: { notify?: boolean, timestamp?: string }): Partial<ChatSettings> {
  const timestamp = flags.timestamp ?? env.PSST_TIMESTAMP
  if (timestamp !== undefined) {
    const problem = timestampProblem(timestamp)
    if (problem !== null) throw PsstError.usage(`--timestamp: ${problem}`)
  }
  const notify = flags.notify !== false && env.PSST_NOTIFY !== '0' && env.PSST_NOTIFY !== 'off'
  return timestamp === undefined ? { notify } : { notify, timestamp }
}

/** notify-send reads the body as a little HTML: a friend's "<b>" stays text. */
function markupSafe (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
