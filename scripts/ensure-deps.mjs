#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work in a fresh clone with nothing typed before them:
// on Debian/Ubuntu without Chromium, installs Debian's chromium and fonts-noto-cjk (as root with
// apt; otherwise prints the one line to run), then installs the locked dependencies when
// node_modules is missing or older than the lockfile. Chromium comes first: with a system Chromium
// present, .puppeteerrc.cjs skips Puppeteer's own browser download (which closed networks refuse);
// elsewhere (macOS, other Linux) Puppeteer downloads its browser as usual.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command) => execSync(command, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const quiet = (command) => {
  try {
    return execSync(command, { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
};
const say = (line) => process.stderr.write(`pushlog-report: ${line}\n`);

function ensureSystemPackages() {
  if (process.platform !== 'linux' || process.env.PUSHLOG_SKIP_SYSTEM_PACKAGES) return;
  const need = [];
  if (!['/usr/bin/chromium', '/usr/bin/chromium-browser'].some((path) => existsSync(path)))
    need.push('chromium');
  if (!/Noto Sans CJK/i.test(quiet('fc-list'))) need.push('fonts-noto-cjk');
  if (need.length === 0 || !existsSync('/usr/bin/apt-get')) return;
  const line = `apt-get install -y --no-install-recommends ${need.join(' ')}`;
  if (process.getuid?.() !== 0) {
    say(`the PDF report needs ${need.join(' and ')}; install with: sudo ${line}`);
    return;
  }
  say(`installing ${need.join(' and ')} (the PDF stage prints with Chromium; Chinese text needs Noto CJK)…`);
  try {
    run('apt-get update -qq');
    run(`DEBIAN_FRONTEND=noninteractive ${line} -qq`);
  } catch {
    say(`could not install ${need.join(' and ')}; PDF rendering will fail until you run: ${line}`);
  }
}

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
  if (!stale) return;
  say('installing dependencies (npm ci)…');
  try {
    run('npm ci --no-audit --no-fund');
  } catch {
    // A registry mirror that carries only this platform's optional binaries (biome, DuckDB) makes
    // `npm ci` reject the lockfile as out of sync; `npm install` resolves from the same lockfile.
    say('npm ci refused the lockfile; installing with npm install');
    run('npm install --no-audit --no-fund');
  }
}

ensureSystemPackages();
ensureNodeModules();
