/** Glue between commander and the command bodies: builds the Ctx, always releases its clients. */
import type { Command } from 'commander'
import { Ctx, type GlobalOptions } from '../context.js'

export type Opts = Record<string, unknown>

/**
 * Wraps a command body as a commander action. Commander calls actions with the declared arguments,
 * then the command's options, then the command itself.
 */
export function run<A extends unknown[]> (body: (ctx: Ctx, opts: Opts, ...args: A) => Promise<void>): (...raw: unknown[]) => Promise<void> {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command
    const opts = raw[raw.length - 2] as Opts
    const ctx = await Ctx.create(cmd.optsWithGlobals<GlobalOptions>())
    try {
      await body(ctx, opts, ...(raw.slice(0, -2) as A))
    } finally {
      await ctx.close()
    }
  }
}

/** The "Examples:" block appended to a command's --help. */
export function examples (...lines: string[]): string {
  return '\nExamples:\n' + lines.map((l) => `  $ ${l}`).join('\n')
}

let requestedExit = 0

/** For commands whose outcome is an exit status rather than an error (chat, demo). */
export function setExitCode (code: number): void { requestedExit = code }

export function takeExitCode (): number {
  const code = requestedExit
  requestedExit = 0
  return code
}
