/**
 * What the daemon's log may hold. A log is read with `tail -f` in a terminal, so a friend's
 * name carrying escape sequences must not reach it raw; and a passphrase profile keeps its
 * friends' names and keys only inside the encrypted database, so its log carries neither
 * (docs/design.md, Storage).
 */

const OPEN = '\uE000'
const CLOSE = '\uE001'

/** Marks a name (or anything a friend chose) in a log line: shown in a plain profile's log, hidden in an encrypted one's. */
export function personal (text: string): string {
  return OPEN + text.replaceAll(OPEN, '').replaceAll(CLOSE, '') + CLOSE
}

const MARKED = /\uE000[^\uE001]*\uE001/g
/** Runs of 8+ hex digits: public keys and their prefixes. */
const HEX = /[0-9a-fA-F]{8,}/g
/** C0 and C1 controls, DEL, and the bidi and zero-width controls that reorder or hide text. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g

/** The line as written to the log: one terminal-safe line, private parts hidden when `hide`. */
export function logLine (line: string, hide: boolean): string {
  let out = hide ? line.replace(MARKED, '<hidden>').replace(HEX, '<key>') : line.replaceAll(OPEN, '').replaceAll(CLOSE, '')
  out = out.replace(UNSAFE, (ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`)
  return out
}

/** Wraps a log sink so every line goes through logLine. */
export function safeLogger (sink: (line: string) => void, hide: boolean): (line: string) => void {
  return (line: string) => sink(logLine(line, hide))
}
