/**
 * Commands whose implementation ships in another part of psst (TUI, demo, relay) are loaded on use,
 * with a computed specifier so the build does not depend on them; a missing one is a clear error.
 */
import { fileURLToPath } from 'node:url'
import { PsstError } from '../errors.js'

/** `candidates` are specifiers relative to this file (src/cli/lazy.ts), tried in order. */
export async function loadExport<T> (candidates: string[], name: string, feature: string): Promise<T> {
  for (const specifier of candidates) {
    const mod = await tryImport(specifier)
    if (mod === null) continue
    const value = mod[name]
    if (value !== undefined) return value as T
  }
  throw new PsstError('INTERNAL', `psst ${feature} is not available in this build yet`)
}

async function tryImport (specifier: string): Promise<Record<string, unknown> | null> {
  const url = new URL(specifier, import.meta.url)
  try {
    return await import(url.href) as Record<string, unknown>
  } catch (err) {
    // Only the module itself being absent means "not built yet"; its own broken import is a bug to show.
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(fileURLToPath(url))) return null
    throw err
  }
}
