import { PipelineError } from '../errors.js';

/**
 * The staging store does not hold a whole month: windows are pending or failed, or the extraction
 * never finished. Run extract again (it resumes), or transform with --allow-partial to report what
 * was fetched, marked PARTIAL. Carries the EXTRACT_INCOMPLETE code, so the CLI exits 4.
 */
export class IncompleteExtractionError extends PipelineError {
  override name = 'IncompleteExtractionError';
  /** ids of the windows still pending or failed */
  readonly windows: string[];
  constructor(message: string, windows: string[], options?: { cause?: unknown }) {
    super('EXTRACT_INCOMPLETE', message, options);
    this.windows = windows;
  }
}
