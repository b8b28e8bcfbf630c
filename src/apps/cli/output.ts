/**
 * Where the CLI writes: results on stdout (human lines, or exactly one JSON document with --json),
 * everything else on stderr. Errors are one line, so scripts can read them.
 */
import { exitCodeFor, isPsstError, type PsstErrorCode } from '../../errors.js'
import { ansiColours, jsonLine, noColours, wantColour, type Colours } from './text.js'
import { sanitizeLine } from '../text/sanitize.js'

export interface Sink { write: (chunk: string) => unknown, isTTY?: boolean }

export class Output {
  readonly colours: Colours

  constructor (readonly json: boolean, readonly stdout: Sink = process.stdout, readonly stderr: Sink = process.stderr) {
    this.colours = !json && wantColour(stdout.isTTY) ? ansiColours : noColours
  }

  /** Human lines on stdout (ignored with --json: use `result`). */
  lines (lines: string[]): void {
    if (this.json) return
    for (const line of lines) this.stdout.write(line + '\n')
  }

  /** The command's result: the JSON document, or the human rendering of it. */
  result (value: unknown, human: () => string[]): void {
    if (this.json) this.stdout.write(jsonLine(value) + '\n')
    else this.lines(human())
  }

  /** One NDJSON record or one human line, for streams (watch). */
  record (value: unknown, human: () => string): void {
    if (this.json) this.stdout.write(jsonLine(value) + '\n')
    else this.stdout.write(human() + '\n')
  }

  /** A warning on stderr, in the same format errors use. */
  warn (message: string): void {
    if (this.json) this.stderr.write(jsonLine({ warning: { message } }) + '\n')
    else this.stderr.write(`warning: ${sanitizeLine(message)}\n`)
  }

  /** A progress or status note for people on stderr; silent with --json. */
  note (message: string): void {
    if (!this.json) this.stderr.write(message + '\n')
  }
}

export interface ErrorReport { lines: string[], exitCode: number }

/**
 * One line (`psst: <message>`, or `{"error":{code,message}}` with --json) and, for usage errors in
 * human mode, a hint naming the command's help. Stack traces only with PSST_DEBUG=1 and only for bugs.
 */
export function errorReport (err: unknown, opts: { json: boolean, command: string, debug: boolean }): ErrorReport {
  const known = isPsstError(err)
  const code: PsstErrorCode = known ? err.code : 'INTERNAL'
  const message = oneLine(err instanceof Error ? err.message : String(err))
  const exitCode = exitCodeFor(code)
  if (opts.json) return { lines: [jsonLine({ error: { code, message } })], exitCode }
  const lines = [`psst: ${message}`]
  if (exitCode === 2) lines.push(`hint: psst ${opts.command === '' ? '' : opts.command + ' '}--help`)
  if (!known && opts.debug && err instanceof Error && err.stack !== undefined) lines.push(err.stack)
  return { lines, exitCode }
}

function oneLine (message: string): string {
  const flat = sanitizeLine(message.replace(/\s*\n\s*/g, ' ')).trim()
  return flat === '' ? 'unknown error' : flat
}
