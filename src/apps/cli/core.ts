/**
 * The core, loaded on first use: it pulls in libsodium, hyperdht and LevelDB (about half a second),
 * which --help, --version and argument errors should not wait for.
 */
export type Core = typeof import('../../daemon/index.js')

let loading: Promise<Core> | null = null

export async function loadCore (): Promise<Core> {
  loading ??= import('../../daemon/index.js')
  return await loading
}
