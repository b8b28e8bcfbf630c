import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Kills daemons a test autostarted and left behind (and names them).
    globalSetup: ['test/helpers/daemon-reaper.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each integration file runs real daemons; two cores cannot take many at once.
    maxWorkers: 2,
    minWorkers: 1
  }
})
