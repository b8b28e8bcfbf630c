/** The control protocol's types live with the other formats (src/wire/api.ts); the apps reach them here. */
export * from '../wire/api.js'

/** The naming rules are part of the contract: a client resolves names exactly as the daemon does. */
export { resolveName, lookalikeReason, sharedNames, shownName, type NameEntry } from '../contacts/names.js'

/** A message of kind 'file' carries a file message for the daemon; this is what people see of it. */
export { fileMessageText } from '../wire/files.js'
