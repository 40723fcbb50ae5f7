/** E2E helper: launches Debian Chromium through playwright-core with a fresh profile, and collects page problems. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { scaled } from './timeScale.ts';

/** Where Debian installs Chromium (`apt install chromium`). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, deterministic, offline-friendly headless Chromium. */
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/** A running browser with its own user-data dir; `close()` ends it and removes the dir. */
export interface TestBrowser {
  context: BrowserContext;
  /** Opens a page that records console errors, CSP violations and uncaught exceptions into `problems`. */
  newPage(): Promise<Page>;
  /** Everything that went wrong in any page so far (tests assert it stays empty). */
  problems: string[];
  /** Removes recorded problems matching `pattern` (an error the test provoked on purpose); returns how many. */
  allowProblem(pattern: RegExp): number;
  close(): Promise<void>;
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

/** Launches Chromium with a persistent context in a fresh temp profile (so nothing leaks between tests). */
export async function launchBrowser(options: LaunchOptions = {}): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'cos-sync-chromium-'));
  const problems: string[] = [];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
      viewport: options.viewport ?? { width: 1360, height: 900 },
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: 'reduce',
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    problems,
    allowProblem(pattern) {
      const before = problems.length;
      problems.splice(0, problems.length, ...problems.filter((problem) => !pattern.test(problem)));
      return before - problems.length;
    },
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(scaled(30_000));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
