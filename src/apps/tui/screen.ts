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
import blessed from 'blessed'
import type { Frame } from './view.js'
import { clipRow, rowWidth } from './wrap.js'
import type { Row, Style } from './wrap.js'
import { stripControls } from '../text/sanitize.js'

const NICK_SGR = ['31', '32', '33', '34', '35', '36', '91', '92', '93', '94', '95', '96']

const SGR: Partial<Record<Style, string>> = {
  dim: '90', error: '1;91', warn: '33', hilight: '1;95', self: '1', action: '35',
  'mark-queued': '90', 'mark-sent': '32', 'mark-delivered': '1;92', qr: '30;47', separator: '90',
  online: '32', away: '33', busy: '31', offline: '90', unread: '1;93',
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

export interface Terminal {
  readonly cols: number
  readonly rows: number
  paint: (frame: Frame, force?: boolean) => void
  bell: () => void
  suspend: (onResume: () => void) => void
  onKey: (fn: (ch: string | undefined, key: { name?: string, full?: string, ctrl?: boolean, meta?: boolean }) => void) => void
  onResize: (fn: () => void) => void
  destroy: () => void
}

export function openTerminal (opts: { title?: string }): Terminal {
  const screen = blessed.screen({
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

  const paint = (frame: Frame, force = false): void => {
    if (destroyed) return
    const cols = screen.width as number
    let out = '\x1b[?7l' // autowrap off while painting
    if (force) { out += '\x1b[0m\x1b[2J'; previous = [] }
    const next: string[] = []
    for (let y = 0; y < (screen.height as number); y++) {
      const line = rowToAnsi(frame.rows[y] ?? [], cols)
      next.push(line)
      if (previous[y] !== line) out += `\x1b[${y + 1};1H${line}`
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
    suspend: onResume => { program.sigtstp(() => { previous = []; onResume() }) },
    onKey: fn => { screen.on('keypress', fn) },
    onResize: fn => { screen.on('resize', () => { previous = []; fn() }) },
    destroy: () => {
      if (destroyed) return
      destroyed = true
      program.write('\x1b[?7h\x1b[0m')
      screen.destroy()
    }
  }
}
