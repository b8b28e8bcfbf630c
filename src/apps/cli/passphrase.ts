/**
 * Where a passphrase comes from, in order: --passphrase-file, PSST_PASSPHRASE, a prompt without echo
 * when stdin is a terminal, else none (null). Never logged, never echoed.
 */
import { readFileSync } from 'node:fs'
import { PsstError } from '../../errors.js'
import { readOneLine } from './lines.js'

export interface PassphraseSources {
  file?: string
  env?: NodeJS.ProcessEnv
  input?: NodeJS.ReadStream
  output?: NodeJS.WritableStream
}

/** The first line of the file, without its line ending (as gpg's --passphrase-file does). */
export function readPassphraseFile (path: string): string {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? 'unreadable'
    throw PsstError.usage(`--passphrase-file: cannot read ${path} (${why})`)
  }
  return text.split(/\r?\n/)[0]
}

/** A non-interactive passphrase, if one was given; undefined when only a prompt could provide it. */
function givenPassphrase (src: PassphraseSources): string | undefined {
  if (src.file !== undefined) return readPassphraseFile(src.file)
  const env = (src.env ?? process.env).PSST_PASSPHRASE
  if (env !== undefined && env !== '') return env
  return undefined
}

/** To open an existing profile: asked once; null when there is no way to ask. */
export async function askPassphrase (src: PassphraseSources = {}): Promise<string | null> {
  const given = givenPassphrase(src)
  if (given !== undefined) return given
  const input = src.input ?? process.stdin
  if (input.isTTY !== true) return null
  return (await promptHidden(['passphrase: '], input, src.output ?? process.stderr))[0]
}

/** For `init --passphrase`: asked twice on a terminal; empty is refused. */
export async function askNewPassphrase (src: PassphraseSources = {}): Promise<string> {
  const given = givenPassphrase(src)
  if (given !== undefined) {
    if (given === '') throw PsstError.usage('the passphrase must not be empty')
    return given
  }
  const input = src.input ?? process.stdin
  const output = src.output ?? process.stderr
  if (input.isTTY !== true) {
    throw new PsstError('PASSPHRASE_REQUIRED', 'no passphrase: run in a terminal, or use --passphrase-file F or PSST_PASSPHRASE')
  }
  const [first, second] = await promptHidden(['new passphrase: ', 'repeat passphrase: '], input, output)
  if (first === '') throw PsstError.usage('the passphrase must not be empty')
  if (first !== second) throw PsstError.usage('the two passphrases differ; nothing was created')
  return first
}

/** For the daemon started by `connect` (hidden --passphrase-stdin): one line from stdin. */
export async function passphraseFromStdin (input: NodeJS.ReadableStream = process.stdin): Promise<string | null> {
  return await readOneLine(input)
}

/**
 * Reads one line per question on a terminal in raw mode, echoing nothing. Raw mode stays on across
 * the questions and keys typed ahead (a pasted "pass⏎pass⏎") carry over to the next question.
 * Backspace and Ctrl-U edit; Ctrl-C, and Ctrl-D on an empty line, cancel.
 */
export async function promptHidden (questions: string[], input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string[]> {
  const wasRaw = input.isRaw
  input.setRawMode(true) // before the first prompt, so keys typed right away are not echoed
  input.setEncoding('utf8')
  const answers: string[] = []
  let typed: string[] = []
  output.write(questions[0])
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') {
            answers.push(typed.join(''))
            typed = []
            output.write('\n')
            if (answers.length === questions.length) { input.off('data', onData); resolve(); return }
            output.write(questions[answers.length])
          } else if (ch === '\u0003' || (ch === '\u0004' && typed.length === 0)) {
            input.off('data', onData)
            output.write('\n')
            reject(new PsstError('PASSPHRASE_REQUIRED', 'passphrase entry cancelled'))
            return
          } else if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
          else if (ch === '\u0015') typed = []
          else if (ch >= ' ') typed.push(ch)
        }
      }
      input.on('data', onData)
      input.resume()
    })
  } finally {
    input.setRawMode(wasRaw)
    input.pause()
  }
  return answers
}
