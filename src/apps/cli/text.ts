/**
 * Terminal-safe text: everything a peer controls (names, status messages, message text) is untrusted
 * and may carry escape sequences or bidi overrides that would repaint or reorder the user's screen.
 * Pure helpers, no I/O.
 */

// C0 and C1 controls, DEL, and the bidi embedding/override/isolate marks (Trojan-Source style reordering).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** One display line: newlines become ↵, tabs a space, every other control or bidi mark U+FFFD. */
export function sanitize (text: string): string {
  return String(text).replace(UNSAFE, (c) => c === '\n' ? '↵' : c === '\t' ? ' ' : '\ufffd')
}

/** JSON on one line; also escapes C1 controls and line separators, which JSON.stringify leaves raw. */
export function jsonLine (value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

// Built on first use: creating it loads ICU's break data (~27 ms), which `psst id` never needs.
let segmenterInstance: Intl.Segmenter | null = null
const segmenter = (): Intl.Segmenter => (segmenterInstance ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }))

function isWide (cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
}

function graphemeWidth (g: string): number {
  const cp = g.codePointAt(0) ?? 0
  if (/^[\p{Mn}\p{Me}\p{Cf}]/u.test(g)) return 0
  if (isWide(cp) || g.includes('\ufe0f') || /\p{Regional_Indicator}/u.test(g)) return 2
  return 1
}

/** Columns a string takes in a terminal: wide CJK and emoji count 2, combining marks 0. */
export function displayWidth (text: string): number {
  let width = 0
  for (const { segment } of segmenter().segment(text)) width += graphemeWidth(segment)
  return width
}

/** Cuts to at most `max` columns, ending in … when something was cut. */
export function truncate (text: string, max: number): string {
  if (displayWidth(text) <= max) return text
  let out = ''
  let width = 0
  for (const { segment } of segmenter().segment(text)) {
    const w = graphemeWidth(segment)
    if (width + w > max - 1) break
    out += segment
    width += w
  }
  return out + '…'
}

export function padEnd (text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/** A table cell: plain text, plus an optional painter applied after padding (colour must not count). */
export type Cell = string | { text: string, paint?: (s: string) => string }

/** Aligned columns separated by two spaces; the last column is not padded (no trailing blanks). */
export function table (header: string[], rows: Cell[][], paintHeader?: (s: string) => string): string[] {
  const cells = rows.map((r) => r.map((c) => typeof c === 'string' ? { text: c } : c))
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i]?.text ?? ''))))
  const render = (row: Array<{ text: string, paint?: (s: string) => string }>): string =>
    row.map((c, i) => {
      const text = i === row.length - 1 ? c.text : padEnd(c.text, widths[i])
      return c.paint !== undefined ? c.paint(text) : text
    }).join('  ').trimEnd()
  const head = render(header.map((h) => ({ text: h, paint: paintHeader })))
  return [head, ...cells.map(render)]
}

export interface Colours {
  bold: (s: string) => string
  dim: (s: string) => string
  green: (s: string) => string
  yellow: (s: string) => string
  red: (s: string) => string
}

const identity = (s: string): string => s
const sgr = (code: string) => (s: string): string => `\u001b[${code}m${s}\u001b[0m`

export const noColours: Colours = { bold: identity, dim: identity, green: identity, yellow: identity, red: identity }
export const ansiColours: Colours = { bold: sgr('1'), dim: sgr('2'), green: sgr('32'), yellow: sgr('33'), red: sgr('31') }

/** Colour only for a terminal that wants it (https://no-color.org, TERM=dumb). */
export function wantColour (isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb'
}
