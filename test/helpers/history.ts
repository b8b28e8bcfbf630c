import type { Client } from '../../src/daemon/index.js'
import type { HistoryEntry } from '../../src/daemon/api.js'

/** The whole history with a friend, oldest first, paging backwards through the daemon. */
export async function fullHistory (client: Client, friend: string): Promise<HistoryEntry[]> {
  const pages: HistoryEntry[][] = []
  let before: number | undefined
  for (;;) {
    const page = await client.call('historyPage', { friend, limit: 5000, ...(before !== undefined ? { before } : {}) })
    pages.unshift(page.entries)
    if (page.next === null) break
    before = page.next
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
