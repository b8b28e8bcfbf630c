/**
 * The input line: Emacs/readline editing over grapheme clusters, a kill buffer, history (Up/Down keep
 * the unsent draft), and a horizontal view that keeps the cursor visible. Pure: no terminal.
 *
 * The text may be a 64 KiB paste, so no key costs time in proportion to the whole line: clusters are
 * found from the nearest position that is surely a boundary (see safeStart), and the view walks only
 * the columns it shows. A pasted line break is kept (a multi-line message) and shown as one glyph.
 */
import { graphemeSpans, stringWidth } from '../text/width.js'

const MAX_HISTORY = 500
const isSpace = (g: string): boolean => /^\s+$/u.test(g)
const isWordChar = (g: string): boolean => /[\p{L}\p{N}\p{M}_]/u.test(g)

/**
 * Code points that grapheme rules never join to a neighbour of the same kind: no combining marks,
 * joiners, prepended marks, regional indicators, Hangul jamo or emoji modifiers among them. Between two
 * of these there is always a cluster boundary (UAX #29, GB999).
 */
const SIMPLE: ReadonlyArray<readonly [number, number]> = [
  [0x09, 0x0a], [0x20, 0x7e], [0xa0, 0xac], [0xae, 0x2ff], [0x370, 0x482], [0x3041, 0x3096],
  [0x30a1, 0x30fa], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x1f300, 0x1f3fa], [0x1f400, 0x1f64f],
  [0x1f680, 0x1f6ff], [0x1f900, 0x1f9ff]
]

function isSimple (cp: number | undefined): boolean {
  if (cp === undefined) return false
  for (const [a, b] of SIMPLE) if (cp >= a && cp <= b) return true
  return false
}

const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff

/** The code point that ends just before offset `i`. */
function before (text: string, i: number): number | undefined {
  if (i <= 0) return undefined
  return isLow(text.charCodeAt(i - 1)) && i >= 2 ? text.codePointAt(i - 2) : text.codePointAt(i - 1)
}

/** Offset `i` is surely a cluster boundary: the ends, or between two simple code points. */
function surelyBoundary (text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return true
  return !isLow(text.charCodeAt(i)) && isSimple(before(text, i)) && isSimple(text.codePointAt(i))
}

/**
 * A cluster boundary at or before `at`. Near ordinary text (any script of the table above, emoji)
 * this is `at` itself or a step or two back.
 */
function safeStart (text: string, at: number): number {
  for (let i = Math.min(at, text.length); i > 0; i--) if (surelyBoundary(text, i)) return i
  return 0
}

/** The cluster that holds position `at` as [start, end); [length, length] at the end of the text. */
export function clusterAt (text: string, at: number): [number, number] {
  if (at >= text.length) return [text.length, text.length]
  const next = at + (text.codePointAt(at) as number > 0xffff ? 2 : 1)
  if (surelyBoundary(text, at) && surelyBoundary(text, next)) return [at, next]
  for (const span of graphemeSpans(text, safeStart(text, at))) if (span[1] > at) return span
  return [text.length, text.length]
}

/** What a cluster looks like in the input line: a line break as `newline`, a tab as a space. */
function shown (g: string, newline: string): string {
  return g === '\n' ? newline : g === '\t' ? ' ' : g
}

export class InputLine {
  #text = ''
  /** UTF-16 offset, always on a grapheme boundary. */
  #cursor = 0
  #offset = 0
  #kill = ''
  readonly #history: string[] = []
  #historyPos = 0
  #draft = ''

  get text (): string { return this.#text }
  get cursor (): number { return this.#cursor }
  get history (): readonly string[] { return this.#history }

  /** Replaces the whole line (Tab completion, history). */
  set (text: string, cursor = text.length): void {
    this.#text = text
    this.#cursor = this.#floor(Math.max(0, Math.min(cursor, text.length)))
    this.#offset = Math.min(this.#offset, this.#cursor)
  }

  /** The boundary at or before `at`. */
  #floor (at: number): number {
    const [s] = clusterAt(this.#text, at)
    return Math.min(s, at)
  }

  #prevBoundary (at = this.#cursor): number {
    return at <= 0 ? 0 : clusterAt(this.#text, at - 1)[0]
  }

  #nextBoundary (at = this.#cursor): number {
    return clusterAt(this.#text, at)[1]
  }

  insert (s: string): void {
    if (s === '') return
    const at = this.#cursor
    this.#text = this.#text.slice(0, at) + s + this.#text.slice(at)
    // Snap forward: a combining mark or the second half of a surrogate pair joins the cluster before it.
    const end = at + s.length
    const [cs, ce] = clusterAt(this.#text, end)
    this.#cursor = cs === end ? end : ce
  }

  left (): void { this.#cursor = this.#prevBoundary() }
  right (): void { this.#cursor = this.#nextBoundary() }
  home (): void { this.#cursor = 0 }
  end (): void { this.#cursor = this.#text.length }

  backspace (): void {
    this.#delete(this.#prevBoundary(), this.#cursor, false)
  }

  deleteForward (): void {
    this.#delete(this.#cursor, this.#nextBoundary(), false)
  }

  #delete (from: number, to: number, kill: boolean): void {
    if (to <= from) return
    if (kill) this.#kill = this.#text.slice(from, to)
    this.#text = this.#text.slice(0, from) + this.#text.slice(to)
    this.#cursor = from
  }

  /** Ctrl+U: kill from the start of the line to the cursor. */
  killToStart (): void { this.#delete(0, this.#cursor, true) }

  /** Ctrl+K: kill from the cursor to the end of the line. */
  killToEnd (): void { this.#delete(this.#cursor, this.#text.length, true) }

  /** Ctrl+W: kill the white-space separated word before the cursor (readline's unix-word-rubout). */
  killWordBack (): void {
    this.#delete(this.#wordStart(isSpace), this.#cursor, true)
  }

  /** Alt+D: kill to the end of the next word. */
  killWordForward (): void {
    this.#delete(this.#cursor, this.#wordEnd(), true)
  }

  /** Alt+B: back to the start of the (alphanumeric) word. */
  wordLeft (): void { this.#cursor = this.#wordStart(g => !isWordChar(g)) }

  /** Alt+F: forward past the end of the (alphanumeric) word. */
  wordRight (): void { this.#cursor = this.#wordEnd() }

  /** Ctrl+Y: insert the last killed text. */
  yank (): void { if (this.#kill !== '') this.insert(this.#kill) }

  #before (at: number): string {
    return this.#text.slice(this.#prevBoundary(at), at)
  }

  #wordStart (isSeparator: (g: string) => boolean): number {
    let at = this.#cursor
    while (at > 0 && isSeparator(this.#before(at))) at = this.#prevBoundary(at)
    while (at > 0 && !isSeparator(this.#before(at))) at = this.#prevBoundary(at)
    return at
  }

  #wordEnd (): number {
    const t = this.#text
    let at = this.#cursor
    const next = (): string => t.slice(at, this.#nextBoundary(at))
    while (at < t.length && !isWordChar(next())) at = this.#nextBoundary(at)
    while (at < t.length && isWordChar(next())) at = this.#nextBoundary(at)
    return at
  }

  /** Up: the previous history line; the current text is kept as a draft. */
  historyUp (): void {
    if (this.#historyPos === 0) return
    if (this.#historyPos === this.#history.length) this.#draft = this.#text
    this.#historyPos--
    this.set(this.#history[this.#historyPos])
  }

  /** Down: the next history line, and finally the draft. */
  historyDown (): void {
    if (this.#historyPos >= this.#history.length) return
    this.#historyPos++
    this.set(this.#historyPos === this.#history.length ? this.#draft : this.#history[this.#historyPos])
  }

  /** Enter: returns the line, remembers it in history, empties the input. */
  submit (): string {
    const line = this.#text
    if (line.trim() !== '' && this.#history[this.#history.length - 1] !== line) {
      this.#history.push(line)
      if (this.#history.length > MAX_HISTORY) this.#history.shift()
    }
    this.#historyPos = this.#history.length
    this.#draft = ''
    this.set('')
    this.#offset = 0
    return line
  }

  /** Empties the line without sending it (first Ctrl+C); keeps it in history like irssi does. */
  discard (): void {
    this.submit()
  }

  /** Lines in the text: more than one after a multi-line paste or Alt+Enter. */
  get lineCount (): number {
    let n = 1
    for (let i = this.#text.indexOf('\n'); i !== -1; i = this.#text.indexOf('\n', i + 1)) n++
    return n
  }

  /**
   * What fits in `width` columns, scrolled horizontally so the cursor stays visible, and the
   * cursor's column within it. Costs the columns shown, not the length of the line.
   */
  view (width: number, newline = '↵'): { text: string, cursorCol: number } {
    const w = Math.max(1, width - 1) // one column for the cursor at the end
    const t = this.#text
    const cols = (from: number, to: number): number => stringWidth(shown(t.slice(from, to), newline))
    if (this.#offset > this.#cursor) this.#offset = this.#cursor
    // walk back from the cursor while it fits: past the offset means the cursor went off the right
    let start = this.#cursor
    let used = 0
    while (start > this.#offset) {
      const p = this.#prevBoundary(start)
      const gw = cols(p, start)
      if (used + gw > w) break
      used += gw
      start = p
    }
    if (start > this.#offset) {
      this.#offset = start
    } else {
      // back to the start once everything up to the cursor fits again (after deleting)
      let s = start
      while (s > 0) {
        const p = this.#prevBoundary(s)
        used += cols(p, s)
        if (used > w) break
        s = p
      }
      if (s === 0) this.#offset = 0
    }
    let text = ''
    let taken = 0
    let cursorCol = 0
    for (const [at, next] of graphemeSpans(t, this.#offset)) {
      const g = shown(t.slice(at, next), newline)
      const gw = stringWidth(g)
      if (taken + gw > width) break
      if (at < this.#cursor) cursorCol += gw
      text += g
      taken += gw
    }
    return { text, cursorCol }
  }
}
