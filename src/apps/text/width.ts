/**
 * Display width of text in terminal columns, and cutting text to a width: the one measure the
 * CLI's tables and the TUI's screen both use.
 *
 * Widths follow wcwidth() as xterm, glibc and tmux use it, checked against tmux 3.3a on this machine:
 * East Asian Wide/Fullwidth and emoji with default emoji presentation take 2 columns, combining marks,
 * format characters (ZWJ, ZWSP, bidi marks) and variation selectors take 0, everything else 1. Like
 * tmux, a pictograph right after a ZWJ joins the previous cell (👨‍👩‍👧 is 2) and two regional indicators
 * make one 2-column flag, while a lone one is 1. Emoji skin-tone modifiers stay separate (👍🏽 is 4) and
 * a text-style symbol with VS16 stays 1 (❤️ is 1), as tmux 3.3 draws them.
 *
 * Cursor movement and cutting work on grapheme clusters (Intl.Segmenter), so a base letter and its
 * combining marks, or a flag, are never split.
 */

/** East Asian Wide (W) and Fullwidth (F) ranges that are not emoji (emoji are matched by property). */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f], [0x2329, 0x232a], [0x2e80, 0x2e99], [0x2e9b, 0x2ef3], [0x2f00, 0x2fd5],
  [0x2ff0, 0x2ffb], [0x3000, 0x303e], [0x3041, 0x3096], [0x3099, 0x30ff], [0x3105, 0x312f],
  [0x3131, 0x318e], [0x3190, 0x31e3], [0x31f0, 0x321e], [0x3220, 0x3247], [0x3250, 0x4dbf],
  [0x4e00, 0xa48c], [0xa490, 0xa4c6], [0xa960, 0xa97c], [0xac00, 0xd7a3], [0xf900, 0xfaff],
  [0xfe10, 0xfe19], [0xfe30, 0xfe52], [0xfe54, 0xfe66], [0xfe68, 0xfe6b], [0xff01, 0xff60],
  [0xffe0, 0xffe6], [0x16fe0, 0x16fe4], [0x16ff0, 0x16ff1], [0x17000, 0x187f7], [0x18800, 0x18cd5],
  [0x18d00, 0x18d08], [0x1aff0, 0x1affe], [0x1b000, 0x1b122], [0x1b150, 0x1b152], [0x1b164, 0x1b167],
  [0x1b170, 0x1b2fb], [0x1f200, 0x1f202], [0x1f210, 0x1f23b], [0x1f240, 0x1f248], [0x1f250, 0x1f251],
  [0x1f260, 0x1f265], [0x20000, 0x2fffd], [0x30000, 0x3fffd]
]

const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u
const ZWJ = 0x200d
const SOFT_HYPHEN = 0xad

function isRegionalIndicator (cp: number): boolean {
  return cp >= 0x1f1e6 && cp <= 0x1f1ff
}

function inWideTable (cp: number): boolean {
  let lo = 0
  let hi = WIDE_RANGES.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [a, b] = WIDE_RANGES[mid]
    if (cp < a) hi = mid - 1
    else if (cp > b) lo = mid + 1
    else return true
  }
  return false
}

/** Width of one code point on its own (no joining): 0, 1 or 2. Control characters count 0. */
export function codePointWidth (cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0
  if (cp < 0x300) return 1 // fast path: Latin, including U+00AD soft hyphen (1 in wcwidth)
  if (cp >= 0x1160 && cp <= 0x11ff) return 0 // Hangul medial vowels and final consonants
  if (cp >= 0xfe00 && cp <= 0xfe0f) return 0 // variation selectors
  if (cp >= 0xe0100 && cp <= 0xe01ef) return 0
  const ch = String.fromCodePoint(cp)
  if (cp !== SOFT_HYPHEN && ZERO_WIDTH.test(ch)) return 0
  if (isRegionalIndicator(cp)) return 1
  if (inWideTable(cp)) return 2
  if (cp >= 0x2300 && EMOJI_PRESENTATION.test(ch)) return 2
  return 1
}

/** Width of a string, applying tmux's ZWJ and flag joining. */
export function stringWidth (text: string): number {
  let width = 0
  let prev = -1
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number
    if (prev === ZWJ && PICTOGRAPHIC.test(ch)) {
      prev = cp
      continue
    }
    if (isRegionalIndicator(cp)) {
      // each counts 1, so a flag (a pair) is 2 and a lone indicator 1, as tmux draws them
      width += 1
      prev = cp
      continue
    }
    width += codePointWidth(cp)
    prev = cp
  }
  return width
}

// Built on first use: creating it loads ICU's break data (~27 ms), which `psst id` never needs.
let segmenterInstance: Intl.Segmenter | null = null
const segmenter = (): Intl.Segmenter => (segmenterInstance ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }))

/** Printable ASCII, tab and line feed: every one of these is a cluster of its own. */
const PLAIN = /^[\x20-\x7e\t\n]*$/
const WINDOW = 256

/**
 * The clusters of `text` from `from` (which must be a cluster boundary) to the end, as [start, end)
 * offsets. Node 20's Intl.Segmenter walks a long string in quadratic time (a 40 000-character line
 * took seconds), so it only ever sees a window of a few hundred code units; each window starts on a
 * boundary, and its last cluster, which the window may have cut, is segmented again with the next one.
 */
export function * graphemeSpans (text: string, from = 0): Generator<[number, number]> {
  let start = from
  let size = WINDOW
  while (start < text.length) {
    const end = start + size
    const last = end >= text.length
    const parts: string[] = []
    for (const s of segmenter().segment(text.slice(start, end))) parts.push(s.segment)
    if (!last && parts.length < 2) { size *= 2; continue } // one cluster longer than the window
    const keep = last ? parts.length : parts.length - 1
    for (let i = 0; i < keep; i++) {
      const next = start + parts[i].length
      yield [start, next]
      start = next
    }
    size = WINDOW
  }
}

/** Grapheme clusters of a string, in order, in linear time. */
export function graphemes (text: string): string[] {
  if (PLAIN.test(text)) return text.split('')
  const out: string[] = []
  for (const [s, e] of graphemeSpans(text)) out.push(text.slice(s, e))
  return out
}

/** The longest prefix of `text` that fits in `width` columns, never splitting a grapheme. */
export function sliceToWidth (text: string, width: number): { text: string, width: number } {
  let used = 0
  let end = 0
  for (const [s, e] of graphemeSpans(text)) {
    const w = stringWidth(text.slice(s, e))
    if (used + w > width) break
    used += w
    end = e
  }
  return { text: text.slice(0, end), width: used }
}

/** Cuts `text` to `width` columns, ending in `…` when something was cut. */
export function truncate (text: string, width: number, ellipsis = '…'): string {
  if (stringWidth(text) <= width) return text
  const ew = stringWidth(ellipsis)
  if (width < ew) return sliceToWidth(text, width).text
  return sliceToWidth(text, width - ew).text + ellipsis
}

/** Pads with spaces on the right up to `width` columns (cuts when longer). */
export function padEnd (text: string, width: number): string {
  const cut = sliceToWidth(text, width)
  return cut.text + ' '.repeat(width - cut.width)
}
