/**
 * Key bindings: blessed's key events → editor and window actions. Pure, so the table is tested
 * without a terminal. Esc then a digit within a second works like Alt+digit, for terminals that do
 * not send Meta (irssi and WeeChat accept both).
 */

export interface KeyInput {
  name?: string
  full?: string
  ctrl?: boolean
  meta?: boolean
  sequence?: string
}

export type EditOp =
  | 'left' | 'right' | 'home' | 'end' | 'backspace' | 'delete' | 'killToStart' | 'killToEnd'
  | 'killWordBack' | 'killWordForward' | 'wordLeft' | 'wordRight' | 'yank'

export type KeyAction =
  | { type: 'insert', text: string }
  | { type: 'newline' }
  | { type: 'search-older' }
  | { type: 'edit', op: EditOp }
  | { type: 'submit' }
  | { type: 'history', dir: 'up' | 'down' }
  | { type: 'complete' }
  | { type: 'scroll', dir: 'up' | 'down' }
  | { type: 'window', n: number }
  | { type: 'next-window' }
  | { type: 'prev-window' }
  | { type: 'interrupt' }
  | { type: 'redraw' }
  | { type: 'suspend' }
  | { type: 'none' }

const ESC_DIGIT_MS = 1000

const EDIT: Record<string, EditOp> = {
  left: 'left', 'C-b': 'left', right: 'right', 'C-f': 'right',
  home: 'home', 'C-a': 'home', end: 'end', 'C-e': 'end',
  backspace: 'backspace', delete: 'delete', 'C-d': 'delete',
  'C-u': 'killToStart', 'C-k': 'killToEnd', 'C-w': 'killWordBack', 'M-backspace': 'killWordBack',
  'M-d': 'killWordForward', 'M-b': 'wordLeft', 'M-f': 'wordRight', 'C-y': 'yank'
}

const OTHER: Record<string, KeyAction> = {
  // blessed reports Enter (\r) twice, as "enter" and then "return"; act on "return" only.
  return: { type: 'submit' },
  linefeed: { type: 'submit' },
  'M-return': { type: 'newline' },
  'M-enter': { type: 'newline' },
  up: { type: 'history', dir: 'up' },
  down: { type: 'history', dir: 'down' },
  tab: { type: 'complete' },
  pageup: { type: 'scroll', dir: 'up' },
  pagedown: { type: 'scroll', dir: 'down' },
  'C-n': { type: 'next-window' },
  'C-p': { type: 'prev-window' },
  'C-c': { type: 'interrupt' },
  'C-l': { type: 'redraw' },
  'C-r': { type: 'search-older' },
  'C-z': { type: 'suspend' }
}

/** Rows for /help and the README: key, what it does. */
export const KEY_HELP: Array<[string, string]> = [
  ['Enter', 'send the line / run the command'],
  ['Alt+Enter', 'new line in the message (a multi-line paste stays one message too)'],
  ['Alt+1…9, Alt+0', 'go to window 1…9, 10 (Esc then digit works too)'],
  ['Ctrl+N / Ctrl+P', 'next / previous window'],
  ['PageUp / PageDown', 'scroll; older history loads when you reach the top'],
  ['Up / Down', 'input history'],
  ['Tab', 'complete command or friend name (again: next match)'],
  ['Ctrl+A / Ctrl+E', 'start / end of line (also Home / End)'],
  ['Ctrl+B / Ctrl+F', 'character left / right (also Left / Right)'],
  ['Alt+B / Alt+F', 'word left / right'],
  ['Ctrl+U / Ctrl+K', 'delete to start / end of line'],
  ['Ctrl+W / Alt+D', 'delete word before / after the cursor'],
  ['Ctrl+Y', 'paste what was last deleted'],
  ['Backspace / Delete', 'delete character before / under the cursor'],
  ['Ctrl+R', 'search the window: older match (/search <text> starts; Esc ends)'],
  ['Ctrl+L', 'redraw the screen'],
  ['Ctrl+Z', 'suspend (fg to come back)'],
  ['Ctrl+C', 'clear the line; twice within 2 s quits (as /quit)']
]

export class KeyMap {
  #escAt = Number.NEGATIVE_INFINITY

  /** Maps one key event (blessed's `ch`, `key`) to an action; `now` in ms, for Esc+digit. */
  decode (ch: string | undefined, key: KeyInput, now: number): KeyAction {
    const full = key.full ?? key.name ?? ''
    const afterEsc = now - this.#escAt <= ESC_DIGIT_MS
    this.#escAt = Number.NEGATIVE_INFINITY
    if (full === 'escape') { this.#escAt = now; return { type: 'none' } }
    const digit = /^(?:M-)?([0-9])$/.exec(full)
    if (digit !== null && (key.meta === true || full.startsWith('M-') || afterEsc)) {
      const d = Number(digit[1])
      return { type: 'window', n: d === 0 ? 10 : d }
    }
    const edit = EDIT[full]
    if (edit !== undefined) return { type: 'edit', op: edit }
    const other = OTHER[full]
    if (other !== undefined) return other
    if (full === 'enter') return { type: 'none' }
    if (ch !== undefined && ch !== '' && key.ctrl !== true && key.meta !== true && isPrintable(ch)) {
      return { type: 'insert', text: ch }
    }
    return { type: 'none' }
  }
}

/** Not a C0/C1 control or DEL; lone surrogates pass (blessed splits astral characters in two). */
export function isPrintable (ch: string): boolean {
  return !/[\u0000-\u001f\u007f-\u009f]/.test(ch)
}
