#!/usr/bin/env node
/** The `psst` executable (package.json "bin"): all logic is in program.ts. */
import { main } from './program.js'

// A closed pipe (`psst history bob | head`) is the reader's choice, not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw err
  })
}

process.exitCode = await main(process.argv)
