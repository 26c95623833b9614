/** The error of e-mail delivery: what failed (`reason`), whether to try again, and who got it. */
import { PipelineError } from '../errors.js';

export type EmailFailure =
  | 'connect'
  | 'tls'
  | 'auth'
  | 'recipients'
  | 'message'
  | 'timeout'
  | 'template'
  | 'attachment'
  | 'other';

/** Sending failed (SMTP_URL itself being wrong is a ConfigError instead). */
export class EmailError extends PipelineError {
  override name = 'EmailError';
  readonly reason: EmailFailure;
  /** true when the same message may go through later (connection trouble, 4xx replies) */
  readonly retryable: boolean;
  /** the masked server URL; null before one was chosen */
  readonly server: string | null;
  /** recipients the server accepted (the message went to them) and refused */
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  constructor(
    reason: EmailFailure,
    message: string,
    details: {
      retryable?: boolean;
      server?: string | null;
      accepted?: readonly string[];
      rejected?: readonly string[];
    } = {},
    options?: { cause?: unknown },
  ) {
    super('DELIVER_EMAIL', message, options);
    this.reason = reason;
    this.retryable = details.retryable ?? false;
    this.server = details.server ?? null;
    this.accepted = details.accepted ?? [];
    this.rejected = details.rejected ?? [];
  }
}
