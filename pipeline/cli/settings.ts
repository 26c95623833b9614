/** A command's flags → the resolved run config (defaults < config file < env < flags). */
import { findConfigFile, type RunConfig, readConfigFile, resolveRunConfig } from '../config.js';
import type { Flags } from './options.js';

/** Commander's camelCase options → config keys (the few that differ are renamed here). */
export function configFlags(o: Flags): Record<string, unknown> {
  const { config: _config, quiet: _quiet, tz, ci: _ci, json: _json, dryRun: _dryRun, ...rest } = o;
  return { ...rest, timeZone: tz };
}

export function loadRunConfig(o: Flags): RunConfig {
  const path = findConfigFile(o.config);
  return resolveRunConfig(readConfigFile(path), configFlags(o), new Date(), path);
}
