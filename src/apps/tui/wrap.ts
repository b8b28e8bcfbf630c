/**
 * Styled text and word wrapping by display width. A Row is what one terminal line shows; the renderer
 * (screen.ts) only maps styles to colours.
 */
import { graphemes, stringWidth } from '../text/width.js'

/** Named styles; screen.ts maps each to terminal attributes. */
export type Style =
  | 'plain' | 'time' | 'dim' | 'info' | 'error' | 'warn' | 'self' | 'action' | 'hilight'
  | 'mark-queued' | 'mark-sent' | 'mark-delivered' | 'qr' | 'separator'
  | 'online' | 'away' | 'busy' | 'offline' | 'unread' | 'search'
  | 'bar' | 'bar-dim' | 'bar-strong' | 'bar-alert' | 'act-1' | 'act-2' | 'act-3' | 'prompt'
  | `nick-${number}`

export interface Segment { text: string, style: Style }
export type Row = Segment[]

export function seg (text: string, style: Style = 'plain'): Segment {
  return { text, style }
}

export function rowWidth (row: Row): number {
  let w = 0
  for (const s of row) w += stringWidth(s.text)
  return w
}

export function rowText (row: Row): string {
  return row.map(s => s.text).join('')
}

interface Token { kind: 'word' | 'space' | 'nl', text: string, style: Style, width: number }

function tokenize (segments: Row): Token[] {
  const tokens: Token[] = []
  for (const s of segments) {
    for (const part of s.text.split(/(\n| +)/)) {
      if (part === '') continue
      if (part === '\n') tokens.push({ kind: 'nl', text: '', style: s.style, width: 0 })
      else if (part[0] === ' ') tokens.push({ kind: 'space', text: part, style: s.style, width: part.length })
      else tokens.push({ kind: 'word', text: part, style: s.style, width: stringWidth(part) })
    }
  }
  return tokens
}

/** Appends text to a row, merging with the last segment when the style is the same. */
function push (row: Row, text: string, style: Style): void {
  const last = row[row.length - 1]
  if (last !== undefined && last.style === style) last.text += text
  else row.push({ text, style })
}

function trimEnd (row: Row): void {
  while (row.length > 0) {
    const last = row[row.length - 1]
    last.text = last.text.replace(/ +$/, '')
    if (last.text !== '') return
    row.pop()
  }
}

/** Rows that go on, unbroken, in the next row (the pieces of a word longer than a line). */
const continuations = new WeakMap<Row, Row>()

/**
 * The row this one goes on in, when it holds the first part of a long word (a URL) cut at the edge.
 * screen.ts paints such rows as one line the terminal wraps itself, so it still sees one URL.
 */
export function continuationOf (row: Row): Row | undefined {
  return continuations.get(row)
}

const URL_START = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.|mailto:|psst:)/i

/**
 * Wraps styled text to `width` columns: at spaces when it can, inside a word (between graphemes) when
 * a word is longer than a line, at every `\n`. Continuation rows start with `indent` spaces, as irssi
 * indents wrapped lines under the message text; but a URL never continues on an indented row: it moves
 * to a row of its own at column 0 when it fits there, and the rest of a longer word continues at
 * column 0, so the terminal's URL detection and copying see it whole. No row is wider than `width`.
 */
export function wrapRow (segments: Row, width: number, indent = 0): Row[] {
  const w = Math.max(1, width)
  const ind = w - indent >= 10 ? indent : 0
  const rows: Row[] = []
  let row: Row = []
  let used = 0
  let rowIndent = 0

  const newRow = (indented = true): void => {
    trimEnd(row)
    rows.push(row)
    rowIndent = indented ? ind : 0
    row = rowIndent > 0 ? [{ text: ' '.repeat(rowIndent), style: 'plain' }] : []
    used = rowIndent
  }

  for (const t of tokenize(segments)) {
    if (t.kind === 'nl') { newRow(); continue }
    if (t.kind === 'space') {
      if (used === rowIndent && rows.length > 0) continue // no leading spaces on continuation rows
      if (used + t.width <= w) { push(row, t.text, t.style); used += t.width } else newRow()
      continue
    }
    if (used + t.width <= w) { push(row, t.text, t.style); used += t.width; continue }
    if (used > ind && t.width <= w - ind) { newRow(); push(row, t.text, t.style); used += t.width; continue }
    if (used > 0 && t.width <= w && URL_START.test(t.text)) { newRow(false); push(row, t.text, t.style); used += t.width; continue }
    // a word longer than a line: break it between graphemes, going on at column 0
    for (const g of graphemes(t.text)) {
      const gw = stringWidth(g)
      if (used + gw > w && used > rowIndent) {
        const full = used === w ? row : null
        newRow(false)
        if (full !== null) continuations.set(full, row)
      }
      push(row, g, t.style)
      used += gw
    }
  }
  trimEnd(row)
  rows.push(row)
  return rows
}

/** Cuts a row to `width` columns (for bars and fixed lines that must not wrap). */
export function clipRow (row: Row, width: number): Row {
  const out: Row = []
  let used = 0
  for (const s of row) {
    if (used >= width) break
    const sw = stringWidth(s.text)
    if (used + sw <= width) { out.push({ ...s }); used += sw; continue }
    let text = ''
    for (const g of graphemes(s.text)) {
      const gw = stringWidth(g)
      if (used + gw > width) break
      text += g
      used += gw
    }
    if (text !== '') out.push({ text, style: s.style })
    break
  }
  return out
}
