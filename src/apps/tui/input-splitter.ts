/**
 * Terminal input before blessed sees it. blessed turns every character into a key event, so a 64 KiB
 * paste was 65 536 events; here a bracketed paste (ESC[200~ … ESC[201~, turned on by screen.ts) and any
 * run of plain characters that arrived in one read become ONE insertion. Single keystrokes, control
 * keys and escape sequences still go to blessed, in order, so key handling is unchanged.
 * Alt+Enter, which blessed does not know, is recognised here in its usual encodings. Pure: no terminal.
 */

export type InputPiece =
  | { kind: 'keys', data: string }
  | { kind: 'text', text: string }
  | { kind: 'paste', text: string }
  | { kind: 'newline' }

export const PASTE_START = '\x1b[200~'
export const PASTE_END = '\x1b[201~'

/** ESC CR / ESC LF (Meta sends ESC first), and the CSI forms of xterm's modifyOtherKeys and kitty. */
const ALT_ENTER = new Set(['\x1b\r', '\x1b\n', '\x1b[13;3u', '\x1b[27;3;13~'])

/** One escape sequence at `i` (which holds ESC): CSI/SS3 up to the final byte, or ESC and one char. */
function escapeLength (s: string, i: number): number {
  const intro = s[i + 1]
  if (intro === undefined) return 1
  if (intro === '[' || intro === 'O') {
    let j = i + 2
    while (j < s.length && /[0-9;?<>=:]/.test(s[j])) j++
    return j < s.length ? j + 1 - i : s.length - i
  }
  return 2
}

function isPlain (code: number): boolean {
  return code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)
}

/** Keeps a pasted text's characters and line breaks; other controls (and colour codes) go. */
export function cleanPaste (text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/\n+$/, '')
}

export class InputSplitter {
  #inPaste = false
  #paste: string[] = []
  /** The start of a paste marker cut by the end of a read. */
  #carry = ''

  get pasting (): boolean { return this.#inPaste }

  feed (chunk: string): InputPiece[] {
    const out: InputPiece[] = []
    let s = this.#carry + chunk
    this.#carry = ''
    while (s !== '') {
      if (this.#inPaste) {
        const end = s.indexOf(PASTE_END)
        if (end === -1) {
          const keep = markerPrefix(s, PASTE_END)
          this.#paste.push(s.slice(0, s.length - keep))
          this.#carry = s.slice(s.length - keep)
          return out
        }
        this.#paste.push(s.slice(0, end))
        out.push(...this.#endPaste())
        s = s.slice(end + PASTE_END.length)
        continue
      }
      const start = s.indexOf(PASTE_START)
      if (start === -1) {
        // an ESC [ 2 0 … cut by the read is kept for the next one (a lone ESC is the Escape key)
        const keep = markerPrefix(s, PASTE_START)
        const cut = keep >= 2 ? keep : 0
        this.#split(s.slice(0, s.length - cut), out)
        this.#carry = s.slice(s.length - cut)
        return out
      }
      this.#split(s.slice(0, start), out)
      this.#inPaste = true
      s = s.slice(start + PASTE_START.length)
    }
    return out
  }

  /** Ends a paste whose end marker never came (called after a quiet moment). */
  flush (): InputPiece[] {
    if (!this.#inPaste) return []
    this.#paste.push(this.#carry)
    this.#carry = ''
    return this.#endPaste()
  }

  #endPaste (): InputPiece[] {
    const text = cleanPaste(this.#paste.join(''))
    this.#paste = []
    this.#inPaste = false
    return text === '' ? [] : [{ kind: 'paste', text }]
  }

  /** Outside a paste: runs of two or more plain characters are text, the rest keys for blessed. */
  #split (s: string, out: InputPiece[]): void {
    let keys = ''
    const flushKeys = (): void => { if (keys !== '') { out.push({ kind: 'keys', data: keys }); keys = '' } }
    let i = 0
    while (i < s.length) {
      if (s[i] === '\x1b') {
        const n = escapeLength(s, i)
        const seq = s.slice(i, i + n)
        if (ALT_ENTER.has(seq)) { flushKeys(); out.push({ kind: 'newline' }) } else keys += seq
        i += n
        continue
      }
      let j = i
      while (j < s.length && isPlain(s.charCodeAt(j))) j++
      if (j - i >= 2) {
        flushKeys()
        out.push({ kind: 'text', text: s.slice(i, j) })
        i = j
      } else if (j > i) {
        keys += s.slice(i, j)
        i = j
      } else {
        keys += s[i]
        i++
      }
    }
    flushKeys()
  }
}

/** How many characters at the end of `s` are the beginning of `marker`. */
function markerPrefix (s: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, s.length); n > 0; n--) {
    if (s.endsWith(marker.slice(0, n))) return n
  }
  return 0
}
