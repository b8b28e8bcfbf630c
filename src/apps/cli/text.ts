/**
 * The CLI's output text: JSON lines, aligned tables and colours. Widths and making peer text safe
 * come from src/apps/text, which the TUI uses too. Pure helpers, no I/O.
 */
import { padEnd, stringWidth } from '../text/width.js'

/** JSON on one line; also escapes C1 controls and line separators, which JSON.stringify leaves raw. */
export function jsonLine (value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** A table cell: plain text, plus an optional painter applied after padding (colour must not count). */
export type Cell = string | { text: string, paint?: (s: string) => string }

/** Aligned columns separated by two spaces; the last column is not padded (no trailing blanks). */
export function table (header: string[], rows: Cell[][], paintHeader?: (s: string) => string): string[] {
  const cells = rows.map((r) => r.map((c) => typeof c === 'string' ? { text: c } : c))
  const widths = header.map((h, i) => Math.max(stringWidth(h), ...cells.map((r) => stringWidth(r[i]?.text ?? ''))))
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
