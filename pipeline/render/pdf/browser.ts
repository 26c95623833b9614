/**
 * One headless Chromium for a run, and its one close path. The browser is launched from the
 * system binary when there is one, with everything that phones home switched off (this may run
 * on closed networks, where Chromium's background connections only make noise), in a fresh
 * profile folder that is deleted afterwards. It is closed on success, error, timeout and abort;
 * and because it is driven over a pipe, Chromium also exits by itself when this process dies
 * (even by SIGKILL), so no browser outlives the run.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { PipelineError } from '../../errors.js';

/**
 * Debian's `/usr/bin/chromium` is a shell wrapper around this binary; launching the binary
 * itself saves the wrapper's start-up (measured ≈ 0.2 s here).
 */
const SYSTEM_CHROMIUM_BINARY = '/usr/lib/chromium/chromium';

/** Launch can stall for seconds on a loaded machine (about one launch in five here). */
export const DEFAULT_LAUNCH_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;

export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--font-render-hinting=none',
  // Chromium 15x's headless mode is the full browser, which preloads the omnibox popup's WebUI
  // in a renderer of its own. That renderer spent as much CPU as the report's own renderer
  // during every print here (1.4–1.8 s of a cold render on 2 cores, ≈0.9 s of wall time), for
  // a window a headless browser never shows. Unknown names are ignored by older versions.
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup',
] as const;

/**
 * As root Chromium cannot sandbox its renderers (`--no-sandbox`). With no sandbox to keep, the
 * renderer and the helpers run inside the browser process (`--single-process`): no renderer,
 * GPU or network process to start, nothing to pass between them. Measured here on a cold render
 * of the 12-page report: ≈0.5 s less from launch to PDF (the blank tab is ready at once instead
 * of ≈0.25 s later, and printing no longer crosses processes). Elsewhere the sandbox stays, and
 * with it one renderer per page. The structure ids of a tagged PDF count on per process in this
 * mode; finishing renumbers them, so prints stay byte-identical (repack.ts).
 */
const ROOT_ARGS = ['--no-sandbox', '--single-process'] as const;

export const INSTALL_HINT =
  'install Chromium and the CJK fonts (Debian/Ubuntu: `apt-get install chromium fonts-noto-cjk`), ' +
  'set PUPPETEER_EXECUTABLE_PATH to a Chrome or Chromium binary, ' +
  'or let Puppeteer download its browser (`npx puppeteer browsers install chrome`)';

export interface LaunchOptions {
  /** a Chrome/Chromium binary; default: the system Chromium, else Puppeteer's configured one */
  executablePath?: string | undefined;
  launchTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** A running browser; `close()` is idempotent and never throws. */
export interface BrowserSession {
  browser: Browser;
  /** the Chromium process id (tests check it is gone after close) */
  pid: number | undefined;
  executablePath: string;
  close(): Promise<void>;
}

/** The binary a launch will use, without launching. */
export async function resolveExecutablePath(explicit?: string): Promise<string> {
  if (explicit) return explicit;
  if (process.env.PUPPETEER_EXECUTABLE_PATH) return process.env.PUPPETEER_EXECUTABLE_PATH;
  if (existsSync(SYSTEM_CHROMIUM_BINARY)) return SYSTEM_CHROMIUM_BINARY;
  const { default: puppeteer } = await import('puppeteer');
  return puppeteer.executablePath();
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function abortError(signal: AbortSignal): PipelineError {
  return new PipelineError('ABORTED', 'PDF rendering was aborted', { cause: signal.reason });
}

/** Launches Chromium; a clear RENDER_PDF error (with how to install it) when there is none. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const executablePath = await resolveExecutablePath(options.executablePath);
  if (!existsSync(executablePath)) {
    throw new PipelineError('RENDER_PDF', `No Chromium at ${executablePath}: ${INSTALL_HINT}`);
  }
  const { default: puppeteer } = await import('puppeteer');
  const userDataDir = await mkdtemp(join(tmpdir(), 'pushlog-chromium-'));
  // Last resort when the process exits without closing (process.exit from a signal handler):
  // Puppeteer kills the browser on 'exit', this removes the profile.
  const removeProfile = (): void => rmSync(userDataDir, { recursive: true, force: true });
  process.once('exit', removeProfile);
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir,
      args: [...CHROMIUM_ARGS, ...(isRoot() ? ROOT_ARGS : [])],
      timeout: options.launchTimeoutMs ?? DEFAULT_LAUNCH_TIMEOUT_MS,
      // The caller's AbortSignal, not Puppeteer's own signal handlers (which call process.exit),
      // decides when to stop.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    process.removeListener('exit', removeProfile);
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    if (signal?.aborted) throw abortError(signal);
    throw new PipelineError(
      'RENDER_PDF',
      `Chromium did not start (${executablePath}): ${(error as Error).message}; ${INSTALL_HINT}`,
      { cause: error },
    );
  }
  const pid = browser.process()?.pid;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const child = browser.process();
      try {
        await Promise.race([
          browser.close(),
          new Promise((_, reject) => setTimeout(reject, CLOSE_TIMEOUT_MS).unref()),
        ]);
      } catch {
        // A browser that does not close politely is killed.
      }
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      process.removeListener('exit', removeProfile);
      await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    })();
    return closing;
  };
  return { browser, pid, executablePath, close };
}

/**
 * One browser for every PDF of a run (several enterprises or months): launched when the first
 * PDF asks for it, kept for the next ones, closed by the run when it ends, whatever the outcome.
 * A browser that dies (in one process as root, a renderer crash takes all of Chromium) or is
 * discarded after a timeout is replaced by a fresh one for the next PDF; a failed launch fails
 * the PDFs that asked for it, with its message.
 */
export interface SharedBrowser {
  /**
   * A tab to print on: the tab Chromium opened at launch for the first caller (its renderer is
   * already running), a new one after. The first call launches the browser.
   */
  page(): Promise<Page>;
  /** kills the browser (hung, or its print timed out); the next page() launches a fresh one */
  discard(): Promise<void>;
  /** how many browsers it has launched */
  readonly launches: number;
  /** closes the browser if one is running; afterwards page() fails. Idempotent, never throws. */
  close(): Promise<void>;
}

/** The blank tab Chromium opens at launch, if it is still there. */
export async function launchTabOf(browser: Browser): Promise<Page | undefined> {
  return (await browser.pages()).find((page) => page.url() === 'about:blank');
}

interface Launched {
  session: BrowserSession;
  launchTab: Page | undefined;
}

export function shareBrowser(options: LaunchOptions = {}): SharedBrowser {
  let current: Promise<Launched> | undefined;
  let launches = 0;
  let closing: Promise<void> | undefined;
  const launch = (): Promise<Launched> => {
    launches++;
    const launching: Promise<Launched> = (async () => {
      const session = await launchBrowser(options);
      // Gone by itself (a crash): the next PDF gets a new browser; this one's profile is removed.
      session.browser.once('disconnected', () => {
        if (current === launching) current = undefined;
        void session.close();
      });
      return { session, launchTab: await launchTabOf(session.browser) };
    })();
    return launching;
  };
  const drop = async (): Promise<void> => {
    const dropped = current;
    current = undefined;
    await dropped?.then(
      (launched) => launched.session.close(),
      () => undefined,
    );
  };
  return {
    async page() {
      for (let attempt = 1; ; attempt++) {
        if (closing) throw new PipelineError('RENDER_PDF', 'The run has already closed its browser');
        current ??= launch();
        const launching = current;
        const launched = await launching;
        // Taken in one step after the await: exactly one caller gets the launch tab.
        const tab = launched.launchTab;
        launched.launchTab = undefined;
        if (tab) return tab;
        try {
          return await launched.session.browser.newPage();
        } catch (error) {
          // Died before its 'disconnected' event was handled: once more, with a fresh browser.
          if (attempt > 1 || launched.session.browser.connected) throw error;
          if (current === launching) current = undefined;
          void launched.session.close();
        }
      }
    },
    discard: drop,
    get launches() {
      return launches;
    },
    close() {
      closing ??= drop();
      return closing;
    },
  };
}
