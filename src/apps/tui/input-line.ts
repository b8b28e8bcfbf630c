/**
 * The input line: Emacs/readline editing over grapheme clusters, a kill buffer, history (Up/Down keep
 * the unsent draft), and a horizontal view that keeps the cursor visible. Pure: no terminal.
 */
import { graphemes, stringWidth } from './width.js'

const MAX_HISTORY = 500
const isSpace = (g: string): boolean => /^\s+$/u.test(g)
const isWordChar = (g: string): boolean => /[\p{L}\p{N}\p{M}_]/u.test(g)

/** UTF-16 offsets of every grapheme boundary in `text`, from 0 to text.length. */
function boundaries (text: string): number[] {
  const out = [0]
  let at = 0
  for (const g of graphemes(text)) { at += g.length; out.push(at) }
  return out
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
    this.#cursor = this.#snap(Math.max(0, Math.min(cursor, text.length)))
  }

  #snap (at: number): number {
    const b = boundaries(this.#text)
    let best = 0
    for (const x of b) if (x <= at) best = x
    return best
  }

  #prevBoundary (): number {
    const b = boundaries(this.#text)
    let best = 0
    for (const x of b) if (x < this.#cursor) best = x
    return best
  }

  #nextBoundary (): number {
    for (const x of boundaries(this.#text)) if (x > this.#cursor) return x
    return this.#text.length
  }

  insert (s: string): void {
    this.#text = this.#text.slice(0, this.#cursor) + s + this.#text.slice(this.#cursor)
    // Snap: a combining mark or the second half of a surrogate pair joins the grapheme before it.
    this.#cursor = this.#snapAfterInsert(this.#cursor + s.length)
  }

  #snapAfterInsert (at: number): number {
    for (const x of boundaries(this.#text)) if (x >= at) return x
    return this.#text.length
  }

  left (): void { this.#cursor = this.#prevBoundary() }
  right (): void { this.#cursor = this.#nextBoundary() }
  home (): void { this.#cursor = 0 }
  end (): void { this.#cursor = this.#text.length }

  backspace (): void {
    const from = this.#prevBoundary()
    this.#delete(from, this.#cursor, false)
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

  #wordStart (isSeparator: (g: string) => boolean): number {
    const gs = graphemes(this.#text.slice(0, this.#cursor))
    let i = gs.length
    while (i > 0 && isSeparator(gs[i - 1])) i--
    while (i > 0 && !isSeparator(gs[i - 1])) i--
    return gs.slice(0, i).join('').length
  }

  #wordEnd (): number {
    const rest = graphemes(this.#text.slice(this.#cursor))
    let i = 0
    while (i < rest.length && !isWordChar(rest[i])) i++
    while (i < rest.length && isWordChar(rest[i])) i++
    return this.#cursor + rest.slice(0, i).join('').length
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

  /**
   * What fits in `width` columns, scrolled horizontally so the cursor stays visible, and the
   * cursor's column within it.
   */
  view (width: number): { text: string, cursorCol: number } {
    const w = Math.max(1, width - 1) // one column for the cursor at the end
    if (this.#offset > this.#cursor) this.#offset = this.#snap(this.#cursor)
    // move the start right until the cursor fits
    while (stringWidth(this.#text.slice(this.#offset, this.#cursor)) > w) {
      const g = graphemes(this.#text.slice(this.#offset))[0]
      this.#offset += g.length
    }
    // back to the start once everything up to the cursor fits again (after deleting)
    if (this.#offset > 0 && stringWidth(this.#text.slice(0, this.#cursor)) <= w) this.#offset = 0
    let text = ''
    let used = 0
    for (const g of graphemes(this.#text.slice(this.#offset))) {
      const gw = stringWidth(g)
      if (used + gw > width) break
      text += g
      used += gw
    }
    return { text, cursorCol: stringWidth(this.#text.slice(this.#offset, this.#cursor)) }
  }
}
