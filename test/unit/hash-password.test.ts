import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PASSWORD_HASH_RE } from '../../protocol/desk-config.ts';
import { verifyPassword } from '../../signaling/desk/passwords.ts';

/** `npm run hash-password` with a pipe on stdin (the TTY path asks twice without echo). */
function run(input: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'signaling/hash-password.ts'], { input, encoding: 'utf8', timeout: 30_000 });
}

describe('npm run hash-password (piped)', () => {
  it('prints a hash of the first line that verifies', async () => {
    const result = run('a long enough password\nignored second line\n');
    expect(result.status).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(PASSWORD_HASH_RE);
    expect(await verifyPassword(hash, 'a long enough password')).toBe(true);
    expect(result.stdout).not.toContain('a long enough password');
  });

  it('refuses a short or empty password, printing no hash', () => {
    for (const input of ['short\n', '']) {
      const result = run(input);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('at least 10 characters');
    }
  });
});
