/** How much each phase measures: the full run (< 5 min) and --quick (< 60 s, for CI and a quick look). */
import type { RawPlan } from './raw.js'
import type { RelayPlan } from './relay.js'
import type { GroupPlan } from './groups.js'

export interface Plan {
  quick: boolean
  startup: { warmup: number, runs: number }
  raw: RawPlan
  friendRequest: { warmup: number, runs: number }
  latency: { warmup: number, runs: number, perRun: number }
  throughput: { warmup: number, runs: number }
  reconnect: { warmup: number, runs: number }
  rss: { earlyMs: number, settleMs: number, samples: number }
  /** dht_requests_per_s_100_friends: counted over this window, from dhtFromMs after the daemon's start. */
  dhtWindowMs: number
  dhtFromMs: number
  history: { warmup: number, runs: number }
  relay: RelayPlan
  /** Bytes of the file for file_mb_per_s (issue 17: 256 MiB; --quick: 32 MiB). */
  fileBytes: number
  /** Group chat (issue 18): 10 daemons, lines sent round the group, 1 000 missed lines. */
  groups: GroupPlan
}

export const BODY_BYTES = 100
export const BURST = 10_000
export const CHUNK = 1000
export const RSS_FRIENDS = 100
export const RSS_MESSAGES = 10_000
export const HISTORY_MESSAGES = 100_000

export const RELAY_OWNERS = 100
export const RELAY_MESSAGES = 10_000

/*
 * Latency warm-up, psst and raw alike: a daemon's first ~1 200 messages run on code the JIT has
 * not optimized yet (measured: p99 4.6 ms over them, 1.3–2.6 ms over the next 3 600), and a
 * daemon spends its life warm.
 */
export function plan (quick: boolean): Plan {
  const raw: RawPlan = quick
    ? { connects: 8, connectWarmup: 1, pingRuns: 2, pingsPerRun: 150, pingWarmup: 600, burstRuns: 2, burstWarmup: 1, burstSize: BURST, chunk: CHUNK, bodyBytes: BODY_BYTES }
    : { connects: 20, connectWarmup: 3, pingRuns: 3, pingsPerRun: 400, pingWarmup: 2000, burstRuns: 5, burstWarmup: 1, burstSize: BURST, chunk: CHUNK, bodyBytes: BODY_BYTES }
  return quick
    ? {
        quick,
        startup: { warmup: 1, runs: 3 },
        raw,
        friendRequest: { warmup: 0, runs: 2 },
        latency: { warmup: 600, runs: 2, perRun: 150 },
        throughput: { warmup: 1, runs: 2 },
        reconnect: { warmup: 1, runs: 4 },
        rss: { earlyMs: 2000, settleMs: 6000, samples: 3 },
        dhtWindowMs: 15_000,
        dhtFromMs: 20_000,
        history: { warmup: 2, runs: 10 },
        // 1 000 held messages instead of 10 000 (filling takes ~1.3 s per 1 000).
        relay: { bytes: 16 * 1024 * 1024, chunk: 64 * 1024, warmup: 0, runs: 2, owners: RELAY_OWNERS, perOwner: 10, bodyBytes: 200, settleMs: 2000, samples: 3 },
        fileBytes: 32 * 1024 * 1024,
        groups: { members: 10, warmup: 10, samples: 30, catchup: 1000 }
      }
    : {
        quick,
        startup: { warmup: 2, runs: 10 },
        raw,
        friendRequest: { warmup: 1, runs: 6 },
        latency: { warmup: 2000, runs: 3, perRun: 400 },
        throughput: { warmup: 1, runs: 5 },
        reconnect: { warmup: 2, runs: 20 },
        rss: { earlyMs: 5000, settleMs: 30000, samples: 6 },
        dhtWindowMs: 60_000,
        dhtFromMs: 40_000,
        history: { warmup: 3, runs: 20 },
        relay: { bytes: 64 * 1024 * 1024, chunk: 64 * 1024, warmup: 1, runs: 3, owners: RELAY_OWNERS, perOwner: RELAY_MESSAGES / RELAY_OWNERS, bodyBytes: 200, settleMs: 5000, samples: 6 },
        fileBytes: 256 * 1024 * 1024,
        groups: { members: 10, warmup: 30, samples: 200, catchup: 1000 }
      }
}
