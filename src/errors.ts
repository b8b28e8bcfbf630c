/**
 * The one error type of psst. `code` is stable and what tests and `--json` output match on;
 * `message` is one line for people: what happened and what to do.
 */
export type PsstErrorCode =
  | 'USAGE'
  | 'BAD_ID_LENGTH'
  | 'BAD_ID_HEX'
  | 'BAD_ID_CHECKSUM'
  | 'OWN_ID'
  | 'NO_PROFILE'
  | 'PROFILE_EXISTS'
  | 'PROFILE_IN_USE'
  | 'PROFILE_CORRUPT'
  | 'STORE_FAILED'
  | 'DISK_FULL'
  | 'BAD_PASSPHRASE'
  | 'PASSPHRASE_REQUIRED'
  | 'NO_DAEMON'
  | 'DAEMON_FAILED'
  | 'DAEMON_SETTINGS'
  | 'NOT_FOUND'
  | 'AMBIGUOUS'
  | 'NOT_FRIEND'
  | 'ALREADY_FRIENDS'
  | 'BLOCKED'
  | 'TOO_LONG'
  | 'EMPTY'
  | 'BAD_FRAME'
  | 'TIMEOUT'
  | 'QUOTA'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'LOOKALIKE'
  | 'ALIAS_TAKEN'
  | 'TOO_MANY_DEVICES'
  | 'NOT_IDENTITY'
  | 'BAD_LINK_CODE'
  | 'NOT_MEMBER'
  | 'NOT_ALLOWED'
  | 'NOT_A_RELAY'
  | 'READ_ONLY'

/** Exit status for a code: 2 for usage errors, 1 for everything else (docs/design.md, CLI and JSON shapes). */
export function exitCodeFor (code: PsstErrorCode): number {
  switch (code) {
    case 'USAGE':
    case 'BAD_ID_LENGTH':
    case 'BAD_ID_HEX':
    case 'BAD_ID_CHECKSUM':
    case 'BAD_LINK_CODE':
    case 'OWN_ID':
    case 'AMBIGUOUS':
    case 'TOO_LONG':
    case 'EMPTY':
      return 2
    default:
      return 1
  }
}

export class PsstError extends Error {
  readonly code: PsstErrorCode

  constructor (code: PsstErrorCode, message: string) {
    super(message)
    this.name = 'PsstError'
    this.code = code
  }

  static usage (message: string): PsstError { return new PsstError('USAGE', message) }
  static notFound (what: string): PsstError { return new PsstError('NOT_FOUND', what) }
  static internal (message: string): PsstError { return new PsstError('INTERNAL', message) }

  /** Rebuilds an error that crossed the control socket as `{code, message}`. */
  static fromJSON (value: unknown): PsstError {
    const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
    const code = typeof v.code === 'string' ? v.code as PsstErrorCode : 'INTERNAL'
    const message = typeof v.message === 'string' ? v.message : 'unknown error'
    return new PsstError(code, message)
  }

  toJSON (): { code: PsstErrorCode, message: string } {
    return { code: this.code, message: this.message }
  }
}

export function isPsstError (err: unknown): err is PsstError {
  return err instanceof PsstError
}
