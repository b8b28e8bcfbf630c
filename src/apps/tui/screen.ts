/**
 * The terminal: blessed sets it up and restores it (alternate screen, raw mode, terminfo), decodes keys
 * and reports resizes; this module paints the rows view.ts built.
 *
 * Why rows are painted here and not through blessed's widgets: blessed 0.1.81 keeps an astral-plane
 * character (most emoji) in one cell of its buffer while the terminal draws it in two, so every
 * emoji shifts the rest of its line, and telling blessed such a character is wide makes it drop the
 * next one. psst computes every width itself (src/apps/text/width.ts) and writes each changed row at an absolute
 * position with autowrap off, so a terminal that disagrees about a width can garble at most the end
 * of one row, never the layout.
 */
import { EventEmitter } from 'node:events'
import { StringDecoder } from 'node:string_decoder'
import blessed from 'blessed'
import { InputSplitter } from './input-splitter.js'
import type { InputPiece } from './input-splitter.js'
import type { Frame } from './view.js'
import { clipRow, continuationOf, rowWidth } from './wrap.js'
import type { Row, Style } from './wrap.js'
import { stripControls } from '../text/sanitize.js'

const NICK_SGR = ['31', '32', '33', '34', '35', '36', '91', '92', '93', '94', '95', '96']

const SGR: Partial<Record<Style, string>> = {
  dim: '90', error: '1;91', warn: '33', hilight: '1;95', self: '1', action: '35',
  'mark-queued': '90', 'mark-sent': '32', 'mark-delivered': '1;92', qr: '30;47', separator: '90',
  online: '32', away: '33', busy: '31', offline: '90', unread: '1;93', search: '30;43',
  bar: '97;44', 'bar-dim': '96;44', 'bar-strong': '1;97;44', 'bar-alert': '1;93;44',
  'act-1': '96;44', 'act-2': '1;97;44', 'act-3': '1;95;44'
}

export function sgrFor (style: Style): string {
  const nick = /^nick-(\d+)$/.exec(style)
  if (nick !== null) return NICK_SGR[Number(nick[1]) % NICK_SGR.length]
  return SGR[style] ?? ''
}

/** One row as terminal output: SGR-coloured, cut to `cols`, cleared to the end of the line. */
export function rowToAnsi (row: Row, cols: number): string {
  const clipped = clipRow(row, cols)
  let out = ''
  for (const s of clipped) {
    const sgr = sgrFor(s.style)
    // Last line of defence: nothing reaches the terminal that could act as a control sequence.
    out += `\x1b[0${sgr === '' ? '' : `;${sgr}`}m${stripControls(s.text)}`
  }
  out += '\x1b[0m'
  if (rowWidth(clipped) < cols) out += '\x1b[K'
  return out
}

/** The last row of the run starting at `y` in which each full-width row goes on in the next. */
function linkedEnd (rows: Row[], y: number, height: number, cols: number): number {
  let end = y
  while (end + 1 < height) {
    const row = rows[end]
    if (row === undefined || continuationOf(row) !== rows[end + 1] || rowWidth(row) !== cols) break
    end++
  }
  return end
}

export interface Terminal {
  readonly cols: number
  readonly rows: number
  paint: (frame: Frame, force?: boolean) => void
  bell: () => void
  suspend: (onResume: () => void) => void
  onKey: (fn: (ch: string | undefined, key: { name?: string, full?: string, ctrl?: boolean, meta?: boolean }) => void) => void
  /** Text that arrived in one piece (a paste, a burst of typing) and Alt+Enter: never one key at a time. */
  onInput: (fn: (piece: Exclude<InputPiece, { kind: 'keys' }>) => void) => void
  onResize: (fn: () => void) => void
  destroy: () => void
}

/**
 * A paste whose end marker does not come within this quiet time is taken as ended. Long, because a
 * paste cut short by a stall (ssh) would let its remaining line breaks act as Enter.
 */
const PASTE_QUIET_MS = 5000
const BRACKETED_PASTE_ON = '\x1b[?2004h'
const BRACKETED_PASTE_OFF = '\x1b[?2004l'

/**
 * What blessed reads keys from: the terminal's raw mode and flow control, but only the input the
 * splitter leaves as keys. Everything else arrives through `onPiece`, in the order it was typed.
 */
class KeyStream extends EventEmitter {
  readonly isTTY = true
  readonly #splitter = new InputSplitter()
  readonly #decoder = new StringDecoder('utf8')
  #quiet: NodeJS.Timeout | null = null
  onPiece: (piece: Exclude<InputPiece, { kind: 'keys' }>) => void = () => {}

  constructor (readonly tty: NodeJS.ReadStream) {
    super()
    tty.on('data', this.#onData)
  }

  readonly #onData = (data: Buffer | string): void => {
    this.#deliver(this.#splitter.feed(typeof data === 'string' ? data : this.#decoder.write(data)))
    if (this.#quiet !== null) clearTimeout(this.#quiet)
    this.#quiet = this.#splitter.pasting ? setTimeout(() => this.#deliver(this.#splitter.flush()), PASTE_QUIET_MS) : null
  }

  #deliver (pieces: InputPiece[]): void {
    for (const p of pieces) {
      if (p.kind === 'keys') this.emit('data', Buffer.from(p.data, 'utf8'))
      else this.onPiece(p)
    }
  }

  get isRaw (): boolean { return this.tty.isRaw }
  setRawMode (mode: boolean): this { this.tty.setRawMode(mode); return this }
  resume (): this { this.tty.resume(); return this }
  pause (): this { this.tty.pause(); return this }
  stop (): void { if (this.#quiet !== null) clearTimeout(this.#quiet); this.tty.removeListener('data', this.#onData) }
}

export function openTerminal (opts: { title?: string }): Terminal {
  const keyStream = new KeyStream(process.stdin)
  const screen = blessed.screen({
    input: keyStream as unknown as NodeJS.ReadStream,
    fullUnicode: true,
    smartCSR: true,
    autoPadding: false,
    warnings: false,
    title: opts.title,
    // blessed must not act on keys itself: Ctrl+C and friends are ours
    ignoreLocked: [],
    dockBorders: false
  })
  const program = screen.program
  let previous: string[] = []
  let destroyed = false
  program.write(BRACKETED_PASTE_ON)

  const paint = (frame: Frame, force = false): void => {
    if (destroyed) return
    const cols = screen.width as number
    let out = '\x1b[?7l' // autowrap off while painting
    if (force) { out += '\x1b[0m\x1b[2J'; previous = [] }
    const height = screen.height as number
    const next: string[] = []
    for (let y = 0; y < height; y++) next.push(rowToAnsi(frame.rows[y] ?? [], cols))
    for (let y = 0; y < height;) {
      const end = linkedEnd(frame.rows, y, height, cols)
      let changed = false
      for (let k = y; k <= end; k++) if (previous[k] !== next[k]) changed = true
      // rows of one long word are written as one line with autowrap on: the terminal wraps it
      // itself and so still sees one URL (for clicking, and for copying without line breaks)
      if (changed) out += end > y ? `\x1b[${y + 1};1H\x1b[?7h${next.slice(y, end + 1).join('')}\x1b[?7l` : `\x1b[${y + 1};1H${next[y]}`
      y = end + 1
    }
    previous = next
    out += `\x1b[?7h\x1b[${frame.cursor.row + 1};${frame.cursor.col + 1}H\x1b[?25h`
    program.flush()
    program.write(out)
  }

  return {
    get cols () { return screen.width as number },
    get rows () { return screen.height as number },
    paint,
    bell: () => { program.bell() },
    suspend: onResume => {
      program.write(BRACKETED_PASTE_OFF)
      program.sigtstp(() => { program.write(BRACKETED_PASTE_ON); previous = []; onResume() })
    },
    onKey: fn => { screen.on('keypress', fn) },
    onInput: fn => { keyStream.onPiece = fn },
    onResize: fn => { screen.on('resize', () => { previous = []; fn() }) },
    destroy: () => {
      if (destroyed) return
      destroyed = true
      program.write(`${BRACKETED_PASTE_OFF}\x1b[?7h\x1b[0m`)
      screen.destroy()
      keyStream.stop()
    }
  }
}
