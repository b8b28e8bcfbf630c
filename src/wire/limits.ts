/** Bounds checked before anything is stored or shown (docs/reliability.md, policy 1). */
export const MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_NAME_BYTES = 128
export const MAX_STATUS_MESSAGE_BYTES = 1024
export const MAX_REQUEST_MESSAGE_BYTES = 1024
/** Largest psst frame accepted from a peer: a full message plus its header. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 256
/** Out-of-order ids a receipt may carry. */
export const MAX_RECEIPT_IDS = 1024
export const PROTOCOL = 'psst/1'
/** 2: stream ids in hello and receipt (docs/design.md, Delivery). */
export const PROTOCOL_VERSION = 2
