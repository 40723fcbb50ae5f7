/** Chromium against the real `cos-sync serve`: a file's versions (size, time, encryption) in the status window, and Restore of an older one. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServe, waitUntil, type ServeProcess } from './realServe.ts';
import { requireRendererBuild } from './uiHost.ts';
import { scaled } from './timeScale.ts';

const shots = 'docs/screenshots';

describe('file versions in Chromium (real cos-sync serve)', { timeout: scaled(180_000) }, () => {
  let root: string;
  let watched: string;
  let serve: ServeProcess;
  let browser: TestBrowser;
  let page: Page;
  let folderId: string;

  before(async () => {
    requireRendererBuild();
    mkdirSync(shots, { recursive: true });
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-versions-e2e-'));
    watched = path.join(root, 'Documents');
    mkdirSync(watched);
    serve = await startServe({ root, folders: [watched], noDefaultFolder: true });
    folderId = (await serve.call('getSnapshot')).folders[0]!.id;
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
  });
  after(async () => {
    await browser?.close();
    await serve?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Writes `content` to the file and waits until it is synced at that size. */
  const writeSynced = async (relative: string, content: string): Promise<void> => {
    writeFileSync(path.join(watched, relative), content);
    await waitUntil(`${relative} synced at ${content.length} bytes`, async () => {
      const row = (await serve.call('listFiles', { folderId, offset: 0, limit: 10, search: relative })).rows[0];
      return row?.status.state === 'synced' && row.size === content.length;
    }, scaled(30_000));
  };

  test('the Versions button lists every version with size, time and encryption; Restore makes an older one current again', async () => {
    const good = 'Budget 2026: the numbers the team agreed on.\n';
    const bad = 'Budget 2026: OVERWRITTEN BY ACCIDENT - this is not the agreed version at all.\n';
    await writeSynced('budget.txt', good);
    await writeSynced('budget.txt', bad);
    await page.goto(serve.url);
    await page.locator(`[data-testid="folder-${folderId}"] [data-testid=folder-show-files]`).click();
    const row = page.locator('[data-testid=file-row]', { has: page.locator('.cell-path', { hasText: /^budget\.txt$/ }) });
    await row.locator('.cell-state', { hasText: 'Synced' }).waitFor({ timeout: scaled(20_000) });
    await row.locator('[data-testid=file-versions]').click();

    const panel = page.locator('[data-testid=versions-panel]');
    await panel.locator('h2', { hasText: 'Versions of budget.txt' }).waitFor({ timeout: scaled(10_000) });
    const rows = panel.locator('[data-testid=version-row]');
    await waitUntil('two versions listed', async () => (await rows.count()) === 2, scaled(10_000));
    assert.match(await panel.locator('[data-testid=versions-note]').textContent() ?? '', /keeps old versions for 30 days after they are replaced/);
    const texts = await rows.allInnerTexts();
    assert.match(texts[0]!, new RegExp(`${bad.length} B[\\s\\S]*Encrypted · SSE-COS AES256[\\s\\S]*Current`));
    assert.match(texts[1]!, new RegExp(`${good.length} B[\\s\\S]*Encrypted · SSE-COS AES256`));
    assert.doesNotMatch(texts[1]!, /Current/);
    assert.equal(await rows.nth(0).locator('[data-testid=version-restore]').count(), 0, 'the current version has no Restore');

    await rows.nth(1).locator('[data-testid=version-restore]').click();
    await rows.nth(1).locator('[data-testid=version-restore-confirm]').click();
    await panel.locator('[data-testid=versions-message]', { hasText: /^Restored: the version written .* is the current one again/ }).waitFor({ timeout: scaled(10_000) });
    await waitUntil('three versions listed', async () => (await rows.count()) === 3, scaled(10_000));
    const afterRestore = await rows.allInnerTexts();
    assert.match(afterRestore[0]!, new RegExp(`${good.length} B[\\s\\S]*Current`), 'the restored version is current');
    const listed = await serve.call('listFileVersions', folderId, 'budget.txt');
    assert.deepEqual(listed.versions.map((version) => version.size), [good.length, bad.length, good.length]);
    assert.equal(readFileSync(path.join(watched, 'budget.txt'), 'utf8'), bad, 'the local file is not changed');
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/file-versions-light.png`, fullPage: true });
  });
});
