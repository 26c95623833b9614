/**
 * The PDF's templates: the built-in set in `templates/` (report.hbs, header.hbs, footer.hbs,
 * report.css, partials/*.hbs), each replaceable by a file of the same name in a `--templates DIR`
 * (at its top level or in its `partials/`); a file there that has no built-in namesake is
 * registered as an extra partial. `exportTemplates` copies the built-ins as a starting point.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { PipelineError } from '../errors.js';
import { BUILTIN_TEMPLATES_DIR } from './strings.js';

export const MAIN_TEMPLATE = 'report.hbs';
export const HEADER_TEMPLATE = 'header.hbs';
export const FOOTER_TEMPLATE = 'footer.hbs';
export const STYLESHEET = 'report.css';
const TOP_LEVEL = [MAIN_TEMPLATE, HEADER_TEMPLATE, FOOTER_TEMPLATE, STYLESHEET] as const;

export interface TemplateFile {
  /** file name, the key overrides match on */
  name: string;
  source: string;
  /** where it was read from */
  path: string;
  overridden: boolean;
}

export interface TemplateSet {
  main: TemplateFile;
  header: TemplateFile;
  footer: TemplateFile;
  css: TemplateFile;
  /** by partial name (file name without `.hbs`) */
  partials: Map<string, TemplateFile>;
}

async function listHbs(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((name) => name.endsWith('.hbs')).sort();
}

/** Files a `--templates` folder offers, by name: top level first, `partials/` filling in. */
async function overridesIn(dir: string): Promise<Map<string, string>> {
  if (!existsSync(dir)) {
    throw new PipelineError('CONFIG_INVALID', `Templates folder ${dir} does not exist: check --templates`);
  }
  const found = new Map<string, string>();
  for (const sub of ['partials', '.']) {
    const folder = join(dir, sub);
    if (!existsSync(folder)) continue;
    for (const name of await readdir(folder)) {
      if (name.endsWith('.hbs') || name === STYLESHEET) found.set(name, join(folder, name));
    }
  }
  return found;
}

async function readTemplate(name: string, path: string, overridden: boolean): Promise<TemplateFile> {
  try {
    return { name, source: await readFile(path, 'utf8'), path, overridden };
  } catch (error) {
    throw new PipelineError('RENDER_TEMPLATE', `Cannot read template ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The built-in templates with `overrideDir`'s files in place of their namesakes. */
export async function loadTemplates(overrideDir?: string): Promise<TemplateSet> {
  const overrides = overrideDir ? await overridesIn(overrideDir) : new Map<string, string>();
  const pick = (name: string, builtin: string): Promise<TemplateFile> => {
    const override = overrides.get(name);
    return readTemplate(name, override ?? builtin, override !== undefined);
  };
  const [main, header, footer, css] = await Promise.all(
    TOP_LEVEL.map((name) => pick(name, join(BUILTIN_TEMPLATES_DIR, name))),
  );
  const partials = new Map<string, TemplateFile>();
  const builtinPartials = join(BUILTIN_TEMPLATES_DIR, 'partials');
  for (const name of await listHbs(builtinPartials)) {
    partials.set(basename(name, '.hbs'), await pick(name, join(builtinPartials, name)));
  }
  for (const [name, path] of overrides) {
    const partial = basename(name, '.hbs');
    if (name.endsWith('.hbs') && !partials.has(partial) && !(TOP_LEVEL as readonly string[]).includes(name)) {
      partials.set(partial, await readTemplate(name, path, true));
    }
  }
  return {
    main: main as TemplateFile,
    header: header as TemplateFile,
    footer: footer as TemplateFile,
    css: css as TemplateFile,
    partials,
  };
}

export interface ExportOptions {
  /** replace files that already exist in `dir` (default: refuse) */
  force?: boolean;
}

/**
 * Copies the built-in templates into `dir` (`pushlog-report templates export DIR`), keeping the
 * layout `--templates` reads. Refuses, naming them, to overwrite existing files unless `force`.
 * Returns the written paths.
 */
export async function exportTemplates(dir: string, options: ExportOptions = {}): Promise<string[]> {
  const files = [
    ...TOP_LEVEL.map((name) => name as string),
    ...(await listHbs(join(BUILTIN_TEMPLATES_DIR, 'partials'))).map((name) => join('partials', name)),
  ];
  const targets = files.map((file) => ({ from: join(BUILTIN_TEMPLATES_DIR, file), to: join(dir, file) }));
  const existing = targets.filter((t) => existsSync(t.to));
  if (existing.length > 0 && !options.force) {
    throw new PipelineError(
      'CONFIG_INVALID',
      `${existing.map((t) => relative(process.cwd(), t.to)).join(', ')} already exist: choose an empty folder or pass --force`,
    );
  }
  await mkdir(join(dir, 'partials'), { recursive: true });
  for (const { from, to } of targets) await copyFile(from, to);
  return targets.map((t) => t.to);
}
