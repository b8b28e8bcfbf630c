/**
 * Terminal-safe text. Everything a peer controls (names, status messages, message text) is
 * untrusted and may carry escape sequences or bidi controls that would repaint the screen, move
 * the cursor, or reorder a line (Trojan-Source style). One set of such characters for both apps;
 * how they are shown differs: the TUI drops them, the CLI's one-line output marks them.
 */

// C0 and C1 controls, DEL, the bidi marks and embedding/override/isolate controls, and the
// Unicode line and paragraph separators (a terminal may treat them as line breaks).
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * Text safe to draw over several lines: unsafe characters removed, CR LF and CR become LF, tabs
 * four spaces. With `singleLine`, line breaks become spaces too (names, status messages).
 */
export function sanitize (text: string, singleLine = false): string {
  const out = String(text).replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(UNSAFE, '')
  return singleLine ? out.replace(/\n/g, ' ') : out
}

/**
 * One display line that shows what was there: a line break is ↵, a tab a space, any other
 * unsafe character U+FFFD (the CLI's tables and history lines).
 */
export function sanitizeLine (text: string): string {
  return String(text).replace(/\r\n|[\r\n\u2028\u2029]/g, '↵').replace(/\t/g, ' ').replace(UNSAFE, '\ufffd')
}

/** Drops C0/C1 controls: the last guard before text that is already laid out reaches the terminal. */
export function stripControls (text: string): string {
  return text.replace(CONTROLS, '')
}
