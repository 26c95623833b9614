/**
 * The compiled sources a benchmark runs, as the installed `pushlog-report` does (bin/ runs dist/,
 * not the TypeScript through tsx, whose loader thread and transforms cost a cold process about
 * half a second and 30 to 50 MiB).
 *
 * The build goes to a cache under node_modules, not dist/ (which bin/ would then prefer to the
 * sources), where packages still resolve and linters and git do not look. It mirrors the checkout
 * (pipeline/, test/bench/), with links to what the code reads next to itself: templates/,
 * package.json (the version) and test/fixtures/.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILD_ROOT = join(ROOT, 'node_modules', '.cache', 'pushlog-bench', 'build');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const LINKED = ['templates', 'package.json', join('test', 'fixtures')];

/** Where the compiled counterpart of a source file (absolute path) is. */
export function compiledPath(source: string): string {
  return join(BUILD_ROOT, relative(ROOT, source)).replace(/\.ts$/, '.js');
}

/** Compiles (tsconfig.bench.json) into BUILD_ROOT; tsc's output when it fails, else undefined. */
export async function compileForBench(): Promise<string | undefined> {
  const child = spawn(process.execPath, [TSC, '-p', 'tsconfig.bench.json', '--outDir', BUILD_ROOT], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string): void => {
    output += chunk;
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) return output || `tsc exited ${code}`;
  for (const name of LINKED) {
    const link = join(BUILD_ROOT, name);
    await mkdir(join(link, '..'), { recursive: true });
    await rm(link, { recursive: true, force: true });
    await symlink(join(ROOT, name), link);
  }
  return undefined;
}
