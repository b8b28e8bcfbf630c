import type { Client } from '../../src/daemon/index.js'
import type { HistoryEntry } from '../../src/daemon/api.js'

/** The whole history with a friend, oldest first, paging backwards through the daemon. */
export async function fullHistory (client: Client, friend: string): Promise<HistoryEntry[]> {
  const pages: HistoryEntry[][] = []
  let before: number | undefined
  for (;;) {
    const page = await client.call('history', { friend, limit: 5000, ...(before !== undefined ? { before } : {}) })
    if (page.length === 0) break
    pages.unshift(page)
    before = page[0].index
    if (page.length < 5000) break
  }
  return pages.flat()
}

/** Texts received from the friend (not mine), in history order. */
export async function receivedTexts (client: Client, friend: string): Promise<string[]> {
  return (await fullHistory(client, friend)).filter((e) => e.from !== 'me').map((e) => e.text)
}

export function range (from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => String(from + i))
}
