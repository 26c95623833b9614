/**
 * The deliver stage: the report by e-mail (SMTP), and the CI outputs (GitHub step summary, the
 * `--json` line). The manifest and `verify` live in store/manifest.ts, beside the artifacts.
 */
export {
  type ArtifactRef,
  appendStepSummary,
  escapeMarkdown,
  githubStepSummary,
  type JsonLinePaths,
  jsonLine,
  type StepSummaryOptions,
} from './ci-summary.js';
export {
  type ComposedEmail,
  composeReportEmail,
  type EmailOptions,
  type EmailReceipt,
  sendReport,
} from './email.js';
export { EmailError, type EmailFailure } from './email-error.js';
export { type Headline, type HeadlineKey, headlines } from './format.js';
export { maskSmtpUrl, parseSmtpUrl, SMTP_URL_ENV, type SmtpServer } from './smtp.js';
