/**
 * Size limits of peer messages, in a module of their own so UI code can show them without
 * pulling in the validators.
 */
/** Longest chat message, in characters (UTF-16 code units as `String.length` counts them). */
export const MAX_CHAT_CHARS = 10_000;

/** Longest display name. */
export const MAX_NAME_CHARS = 80;

/** Latest time a `Date` can hold (ms since the epoch); later `sentAt` values are rejected. */
export const MAX_TIMESTAMP = 8_640_000_000_000_000;

/** Largest sealed peer frame accepted, in bytes of plaintext. */
export const MAX_PEER_PLAINTEXT = 64 * 1024;

/**
 * Largest plaintext of one bulk-channel frame (file chunk): a sealed frame (plaintext and its
 * 16-byte tag) stays under 64 KiB, the largest message every browser's data channel takes. (The
 * 24 is from protocol version 3, whose frames also carried an 8-byte counter; keeping it keeps
 * the chunk size.)
 */
export const MAX_BULK_PLAINTEXT = 64 * 1024 - 24;

/** Longest user agent string a customer's hello may carry. */
export const MAX_USER_AGENT_CHARS = 512;

/** Longest locale tag in a hello (BCP 47 tags are short). */
export const MAX_LOCALE_CHARS = 16;

/**
 * Longest "how can we help?" text a customer's hello may carry: a sentence or two for the
 * rep, far below the frame limit.
 */
export const MAX_REQUEST_CHARS = 500;

/** What a customer types on the support portal (customer-details.ts), here so the portal's form can show them without tweetnacl. */
export const CUSTOMER_LIMITS = { name: 80, email: 254, description: 1000, platform: 120, signed: 1200 } as const;

/** Longest customer identity token accepted (a name, an e-mail and four numbers fit in far less). */
export const MAX_IDENTITY_TOKEN_CHARS = 1200; // = CUSTOMER_LIMITS.signed (customer-details.ts)

/** A queue id: lower-case letters, digits and dashes (it appears in URLs: `/support?queue=billing`). */
export const QUEUE_ID_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
