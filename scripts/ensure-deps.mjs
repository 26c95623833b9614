#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work in a fresh clone with nothing typed before them:
// installs the locked dependencies when node_modules is missing or older than the lockfile.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  process.stderr.write('pushlog-report: installing dependencies (npm ci)…\n');
  const run = (command) => execSync(command, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    run('npm ci --no-audit --no-fund');
  } catch {
    // A registry mirror that carries only this platform's optional binaries (biome, DuckDB) makes
    // `npm ci` reject the lockfile as out of sync; `npm install` resolves from the same lockfile.
    process.stderr.write('pushlog-report: npm ci refused the lockfile; installing with npm install\n');
    run('npm install --no-audit --no-fund');
  }
}
