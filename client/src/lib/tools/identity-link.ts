/**
 * A join link may carry the organisation's signed customer identity after the code, in the
 * fragment (never sent to any server): `https://parley.example/#482-913775&identity=<token>`.
 */
// From limits.ts, not customer-identity.ts: that one brings ed25519 into the join form's page.
import { MAX_IDENTITY_TOKEN_CHARS } from '@protocol/limits.ts';

const TOKEN_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function splitJoinFragment(fragment: string): { code: string; identity: string } {
  const at = fragment.indexOf('&identity=');
  if (at < 0) return { code: fragment, identity: '' };
  const token = fragment.slice(at + '&identity='.length);
  // A damaged or oversized token is dropped: the rep then sees the customer as unverified.
  const identity = token.length <= MAX_IDENTITY_TOKEN_CHARS && TOKEN_RE.test(token) ? token : '';
  return { code: fragment.slice(0, at), identity };
}
