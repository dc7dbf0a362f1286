/**
 * `npm run sign-customer -- --name "Ada Lovelace" --email ada@example.com [--minutes 60] [--site example.com]`
 * prints a signed customer identity token (protocol/customer-identity.ts) for an organisation's
 * site or for tests. The key comes from the environment, never the command line (which other
 * users of the machine can read in the process list):
 *   PARLEY_SIGNING_ED25519_PRIVATE_KEY  Ed25519 private key (base64url, 32 bytes), recommended
 *   PARLEY_SIGNING_HMAC_SECRET          HMAC-SHA256 secret (base64url, at least 32 bytes)
 * `npm run sign-customer -- --new-ed25519-key` prints a new key pair instead.
 */
import { parseArgs } from 'node:util';
import { fromBase64Url } from '../protocol/base64.ts';
import { IdentityPayloadSchema, newEd25519KeyPair, signIdentityEd25519, signIdentityHmac } from '../protocol/customer-identity.ts';
import * as v from 'valibot';

function fail(message: string): never {
  process.stderr.write(`sign-customer: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    email: { type: 'string', default: '' },
    minutes: { type: 'string', default: '60' },
    site: { type: 'string' },
    'new-ed25519-key': { type: 'boolean', default: false },
  },
  strict: true,
});

if (values['new-ed25519-key']) {
  const pair = newEd25519KeyPair();
  process.stdout.write(`PARLEY_SIGNING_ED25519_PRIVATE_KEY=${pair.privateKey}\n`);
  process.stdout.write(`# desk config: "customerSigning": { "ed25519PublicKey": "${pair.publicKey}" }\n`);
  process.exit(0);
}

const minutes = Number(values.minutes);
if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) fail('--minutes must be a whole number from 1 to 10080');
const iat = Math.floor(Date.now() / 1000);
const parsed = v.safeParse(IdentityPayloadSchema, { name: values.name ?? '', email: values.email, iat, exp: iat + minutes * 60, ...(values.site ? { iss: values.site } : {}) });
if (!parsed.success) fail(`bad details: ${parsed.issues.map((i) => `${v.getDotPath(i) ?? ''} ${i.message}`).join('; ')} (--name is required)`);

const edKey = process.env.PARLEY_SIGNING_ED25519_PRIVATE_KEY;
const hmacKey = process.env.PARLEY_SIGNING_HMAC_SECRET;
const decodes = (key: string, min: number, max: number) => {
  try {
    const n = fromBase64Url(key).length;
    return n >= min && n <= max;
  } catch {
    return false;
  }
};
if (edKey) {
  if (!decodes(edKey, 32, 32)) fail('PARLEY_SIGNING_ED25519_PRIVATE_KEY must be 32 bytes in base64url');
  process.stdout.write(`${signIdentityEd25519(parsed.output, edKey)}\n`);
} else if (hmacKey) {
  if (!decodes(hmacKey, 32, 1024)) fail('PARLEY_SIGNING_HMAC_SECRET must be at least 32 bytes in base64url');
  process.stdout.write(`${signIdentityHmac(parsed.output, hmacKey)}\n`);
} else {
  fail('set PARLEY_SIGNING_ED25519_PRIVATE_KEY or PARLEY_SIGNING_HMAC_SECRET');
}
