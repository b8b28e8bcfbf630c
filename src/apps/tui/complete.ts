/**
 * Tab completion as in irssi: the word before the cursor is completed to the first match, and each
 * further Tab cycles through the others. At the start of a `/` line it completes commands; in a
 * command's argument it completes what that argument takes (friend names, request names, statuses,
 * command names for /help, file paths for /file and /avatar, as a shell does: a folder ends in `/`
 * so the next Tab goes on inside it); in plain text it completes friend names.
 */

export type ArgKind = 'friend' | 'request' | 'status' | 'command' | 'path' | 'none'

/** One entry of a folder, for path completion. */
export interface DirEntry { name: string, dir: boolean }

export interface CompletionSource {
  /** Command names with their slash, e.g. '/query'. */
  commands: readonly string[]
  friendNames: readonly string[]
  requestNames: readonly string[]
  /** What the first argument of a command (given without its slash) takes. */
  argKind: (command: string) => ArgKind
  /** The entries of a folder as typed (`~/Docs/`, `./`, ``), [] when it cannot be read. */
  listDir?: (dir: string) => DirEntry[]
}

export interface CompletionState {
  line: string
  cursor: number
  start: number
  rest: string
  candidates: string[]
  i: number
  suffix: string
}

export interface Completed { line: string, cursor: number, state: CompletionState }

const STATUSES = ['online', 'away', 'busy']

function matching (words: readonly string[], prefix: string): string[] {
  const p = prefix.toLowerCase()
  const set = new Set(words.filter(w => w.toLowerCase().startsWith(p)))
  return [...set].sort((a, b) => a.localeCompare(b))
}

function candidatesFor (kind: ArgKind, src: CompletionSource): readonly string[] {
  switch (kind) {
    case 'friend': return src.friendNames
    case 'request': return src.requestNames
    case 'status': return STATUSES
    case 'command': return src.commands.map(c => c.slice(1))
    default: return []
  }
}

function apply (state: CompletionState): Completed {
  const cand = state.candidates[state.i]
  const head = state.line.slice(0, state.start) + cand + state.suffix
  const line = head + state.rest
  return { line, cursor: head.length, state: { ...state, line, cursor: head.length } }
}

/** Completes `line` at `cursor`; `prev` is the state of the previous Tab, if nothing was typed since. */
export function complete (
  line: string, cursor: number, src: CompletionSource, prev: CompletionState | null
): Completed | null {
  if (prev !== null && prev.line === line && prev.cursor === cursor && prev.candidates.length > 1) {
    return apply({ ...prev, line: prev.line.slice(0, prev.start) + prev.rest, i: (prev.i + 1) % prev.candidates.length })
  }
  const before = line.slice(0, cursor)
  const rest = line.slice(cursor)
  let start: number
  let candidates: string[]
  if (before.startsWith('/') && !before.includes(' ')) {
    start = 0
    candidates = matching(src.commands, before)
  } else if (before.startsWith('/')) {
    const space = before.indexOf(' ')
    const kind = src.argKind(before.slice(1, space).toLowerCase())
    // Names may hold spaces: the whole argument so far is the prefix ("/query Alice S").
    start = space + 1
    while (before[start] === ' ') start++
    if (kind === 'path') return completePath(line, cursor, start, src, rest)
    const words = candidatesFor(kind, src)
    candidates = matching(words, before.slice(start))
    if (candidates.length === 0 || kind === 'none') return null
  } else {
    start = before.lastIndexOf(' ') + 1
    const word = before.slice(start)
    if (word === '') return null
    candidates = matching(src.friendNames, word)
  }
  if (candidates.length === 0) return null
  return apply({ line: line.slice(0, start) + rest, cursor, start, rest, candidates, i: 0, suffix: rest.startsWith(' ') ? '' : ' ' })
}

/**
 * The path typed so far, split at its last `/`: entries of that folder starting with the rest
 * (dot files only when the rest starts with a dot), folders with a trailing `/`, no space after.
 */
function completePath (line: string, cursor: number, start: number, src: CompletionSource, rest: string): Completed | null {
  const typed = line.slice(start, cursor)
  const slash = typed.lastIndexOf('/')
  const dir = typed.slice(0, slash + 1)
  const base = typed.slice(slash + 1)
  const entries = (src.listDir?.(dir) ?? []).filter(e => e.name.startsWith(base) && (base.startsWith('.') || !e.name.startsWith('.')))
  if (entries.length === 0) return null
  const candidates = entries.map(e => dir + e.name + (e.dir ? '/' : '')).sort((a, b) => a.localeCompare(b))
  return apply({ line: line.slice(0, start) + rest, cursor, start, rest, candidates, i: 0, suffix: '' })
}
