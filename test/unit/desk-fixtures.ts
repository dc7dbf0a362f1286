/** Desk config files for the desk tests: two reps (alice, admin; bob, rep) with known passwords. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../signaling/desk/passwords.ts';

export const ALICE = { username: 'alice', password: 'alice-password-1' };
export const BOB = { username: 'bob', password: 'bob-password-22' };
const FAST = { log2N: 14, r: 8, p: 1 };

let hashes: Promise<[string, string]> | null = null;

/** A desk config with accounts (`extra` merged on top). */
export async function deskConfigWithReps(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  hashes ??= Promise.all([hashPassword(ALICE.password, FAST), hashPassword(BOB.password, FAST)]);
  const [alice, bob] = await hashes;
  return {
    reps: [
      { username: 'alice', displayName: 'Alice Martin', passwordHash: alice, queues: ['general', 'billing'], role: 'admin' },
      { username: 'bob', displayName: 'Bob Durand', passwordHash: bob, queues: ['general'] },
    ],
    queues: [
      { id: 'general', name: 'General support' },
      { id: 'billing', name: 'Billing' },
    ],
    portal: { greeting: 'Welcome to support' },
    ...extra,
  };
}

/** Writes `config` to a new temp file (mode 0600) and answers its path. */
export function writeDeskFile(config: unknown, text: string = JSON.stringify(config, null, 2)): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-desk-'));
  const file = join(dir, 'desk.json');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}
