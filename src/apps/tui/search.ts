/**
 * Scrollback search (`/search <text>`, then `/search` or Ctrl+R for older matches, Esc to leave), as
 * WeeChat's Ctrl+R: the view jumps to the newest message holding the text, case-insensitively, and every
 * match on screen is highlighted. It searches what the window has loaded; PageUp loads older history.
 */
import type { Entry } from './buffer.js'
import type { BodyContext } from './body.js'
import { entryRows } from './body.js'
import type { Row } from './wrap.js'
import type { ChatWindow, SearchState } from './windows.js'

export type { SearchState } from './windows.js'

function pattern (query: string): RegExp {
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu')
}

export function findMatches (win: ChatWindow, query: string): Entry[] {
  const re = pattern(query)
  return win.buffer.entries.filter(e => { re.lastIndex = 0; return e.kind === 'msg' && re.test(e.text) })
}

/** The scroll position that shows `entry` a third of the way up from the bottom. */
export function scrollFor (win: ChatWindow, entry: Entry, ctx: BodyContext, width: number, height: number): number {
  const entries = win.buffer.entries
  let below = 0
  for (let i = entries.length - 1; i >= 0 && entries[i] !== entry; i--) below += entryRows(entries[i], ctx, width).length
  return Math.max(0, below - Math.floor(height / 3))
}

/** The rows with every occurrence of `query` drawn in the search style. */
export function highlight (rows: Row[], query: string): Row[] {
  const re = pattern(query)
  return rows.map(row => {
    if (!row.some(s => { re.lastIndex = 0; return re.test(s.text) })) return row
    const out: Row = []
    for (const s of row) {
      let last = 0
      re.lastIndex = 0 // matchAll starts where the last test stopped
      for (const m of s.text.matchAll(re)) {
        const i = m.index ?? 0
        if (i > last) out.push({ text: s.text.slice(last, i), style: s.style })
        out.push({ text: m[0], style: 'search' })
        last = i + m[0].length
      }
      if (last < s.text.length) out.push({ text: s.text.slice(last), style: s.style })
    }
    return out
  })
}
