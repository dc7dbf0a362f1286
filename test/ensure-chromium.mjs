// Makes sure a Chromium is there for the browser tests: uses CHROMIUM_PATH or the system one,
// installs Debian's `chromium` when we are root with apt-get, else stops with one clear line.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
const found = () => candidates.find((p) => existsSync(p));

if (!found()) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    console.log('Chromium not found: installing Debian package "chromium" for the browser tests…');
    try {
      execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
    } catch {
      // reported below
    }
  }
}
const path = found();
if (!path) {
  console.error('No Chromium found: install it (Debian: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH, then run `npm test` again.');
  process.exit(1);
}
console.log(`Browser tests will use ${path}`);
