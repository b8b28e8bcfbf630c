/**
 * The embedding entry: a profile's daemon run inside another Node program instead of as
 * `psst daemon`. It is the same daemon (control socket, DHT, friends dialled, log lines); the
 * embedder also gets clients served in its own process, which call the very handlers the
 * control socket serves and receive the same events, without the JSON and the socket hop. The
 * bench (bench/core-peer.ts) uses this to time the core apart from its clients; `psst demo`
 * runs its two daemons this way.
 *
 *   const daemon = await startDaemon({ home, bootstrap })
 *   const client = daemon.client()          // the Client interface of src/daemon/index.ts
 *   await client.call('send', { friend, text })
 *   await daemon.stop()                     // or wait for daemon.stopped (a `stop` request)
 *
 * Signals are the embedder's business; `psst daemon` is runDaemon, which adds them.
 */
export { startDaemon, type DaemonOptions, type RunningDaemon } from './daemon.js'
export type { Client } from './control-client.js'
export type * from './api.js'
