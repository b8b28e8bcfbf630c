/**
 * Who may register a mailbox at a relay (docs/relay.md, Who may register a mailbox; issue 15): the operator's policy.
 *
 * - `invite` (the default): only keys listed with --allow-owner, and keys that present an unused
 *   invite code made by `psst relay invite` (each code admits one key, once). A relay is not an
 *   open mailbox unless its operator says so, as a mail server is not an open relay.
 * - `open`: any key (up to --max-owners). Anyone who can reach the relay can take a share of its
 *   disk (--owner-quota each, up to --disk-cap in total) for --retention.
 *
 * A key that registered once stays admitted until it unregisters (`psst mailbox clear`).
 */
import { PsstError } from '../errors.js'

export const OWNER_POLICIES = ['open', 'invite'] as const
export type OwnerPolicy = typeof OWNER_POLICIES[number]

export interface Admission {
  policy: OwnerPolicy
  /** Owner keys (hex) admitted without an invite. */
  allow: Set<string>
}

export const OPEN_ADMISSION: Admission = { policy: 'open', allow: new Set() }

/** Invite codes are valid this long unless `psst relay invite --valid` says otherwise. */
export const DEFAULT_INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000

/**
 * From the flags: --owners open|invite and any number of --allow-owner KEY. Without --owners the
 * policy is `invite`.
 */
export function resolveAdmission (policy: string | undefined, allow: string[] = []): Admission {
  const keys = new Set<string>()
  for (const raw of allow) {
    const hex = raw.trim().toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(hex)) throw PsstError.usage(`--allow-owner takes a profile's public key (64 hex characters, psst id --json shows it), got '${raw}'`)
    keys.add(hex)
  }
  const chosen = policy === undefined ? 'invite' : policy.trim().toLowerCase()
  if (!(OWNER_POLICIES as readonly string[]).includes(chosen)) throw PsstError.usage(`--owners takes open or invite, got '${policy ?? ''}'`)
  return { policy: chosen as OwnerPolicy, allow: keys }
}
