/** `pushlog-report templates export`: the built-in templates copied out, to start --templates from. */
import { exportTemplates } from '../../render/templates.js';
import { out } from '../context.js';

export async function execute(dir: string, o: { force?: boolean }): Promise<void> {
  const written = await exportTemplates(dir, { force: o.force === true });
  out(`exported ${written.length} files to ${dir}; use them with --templates ${dir}`);
}
