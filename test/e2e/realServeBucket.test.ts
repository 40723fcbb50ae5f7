/** The Bucket view and a folder's Restore action in Chromium against the REAL `cos-sync serve` (bundled engine). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServe, waitUntil, type ServeProcess } from './realServe.ts';
import { scaled } from './timeScale.ts';
import { requireRendererBuild } from './uiHost.ts';

const shots = 'docs/screenshots';
const LEGACY = 600;
const synced: [string, string | Buffer][] = [
  ['readme.md', '# Restore me\n'],
  ['empty.txt', ''],
  ['photos/2026/beach.jpg', Buffer.alloc(300 * 1024, 9)],
  ['ünïcødé/日本語.txt', 'こんにちは'],
];

describe('Bucket view and Restore in Chromium (real service)', { timeout: scaled(600_000) }, () => {
  let root: string;
  let watched: string;
  let serve: ServeProcess;
  let browser: TestBrowser;
  let page: Page;
  let folderId: string;
  let bucket: string;
  const waitText = (selector: string, text: string | RegExp, timeout = scaled(60_000)) => page.locator(selector, { hasText: text }).first().waitFor({ timeout });

  before(async () => {
    requireRendererBuild();
    mkdirSync(shots, { recursive: true });
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-bucket-e2e-'));
    watched = path.join(root, 'watched');
    for (const [index, [name, content]] of synced.entries()) {
      const file = path.join(watched, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      utimesSync(file, 1_600_000_000 + index * 86_400.5, 1_600_000_000 + index * 86_400.5);
    }
    serve = await startServe({ root, folders: [watched], noDefaultFolder: true });
    const snapshot = await serve.call('getSnapshot');
    folderId = snapshot.folders[0]!.id;
    bucket = snapshot.folders[0]!.bucket;
    await waitUntil('the folder to sync', async () => (await serve.call('getSnapshot')).folders[0]!.counts.synced === synced.length || undefined, scaled(120_000));
    // Objects written without encryption by "another tool": the manual upload with SSE off.
    const legacy = path.join(root, 'legacy');
    mkdirSync(legacy);
    const files = Array.from({ length: LEGACY }, (_, index) => {
      const file = path.join(legacy, `old-${String(index).padStart(4, '0')}.log`);
      writeFileSync(file, `old log ${index}\n`);
      return { name: `old-${String(index).padStart(4, '0')}.log`, size: statSync(file).size, path: file };
    });
    await serve.call('startUpload', { files, bucket, prefix: 'legacy/', sse: 'none' });
    await waitUntil('the plaintext uploads', async () => {
      const upload = (await serve.call('getSnapshot')).uploads[0];
      return upload && upload.state !== 'running' ? upload : undefined;
    }, scaled(180_000));
    browser = await launchBrowser({ viewport: { width: 1280, height: 1000 } });
    page = await browser.newPage();
    await page.goto(serve.url);
  });
  after(async () => {
    await browser?.close();
    await serve?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the audit shows objects and bytes by encryption with a chart and lists the plaintext objects', async () => {
    await page.locator('[data-testid=tab-bucket]').click();
    await page.locator('[data-testid=bucket-audit]').click();
    await waitText('[data-testid=bucket-headline]', `${LEGACY + synced.length} objects`);
    await waitText('[data-testid=bucket-headline]', `${LEGACY} not encrypted`);
    assert.match(await page.locator('[data-testid=bucket-kind-SSE-COS]').textContent() ?? '', new RegExp(`SSE-COS${synced.length}`));
    assert.match(await page.locator('[data-testid=bucket-kind-none]').textContent() ?? '', new RegExp(`Not encrypted${LEGACY}`));
    assert.equal(await page.locator('[data-testid=bucket-plaintext] li').count(), 500, 'the first 500 plaintext keys are listed');
    assert.match(await page.locator('.plaintext summary').textContent() ?? '', /Plaintext objects \(600, first 500 shown\)/);
    assert.equal(await page.locator('[data-testid=bucket-chart] .stacked').count(), 2);
    await page.screenshot({ path: `${shots}/bucket-audit.png`, fullPage: true });
  });

  test('"Encrypt 600 plaintext objects": progress, pause, cancel, then a rerun finishes and the view shows everything encrypted', async () => {
    await page.locator('[data-testid=bucket-encrypt]').click();
    await page.locator('[data-testid=bucket-encrypt-confirm]').click();
    await page.locator('[data-testid=bucket-encrypt-job-pause]').click();
    await waitText('[data-testid=bucket-encrypt-job-text]', /^Paused: /);
    await page.screenshot({ path: `${shots}/bucket-encrypt-paused.png`, fullPage: true });
    await page.locator('[data-testid=bucket-encrypt-job-cancel]').click();
    await waitText('[data-testid=bucket-encrypt-job-summary]', /^Cancelled after \d+ objects/);
    const cancelled = (await serve.call('listBucketJobs')).find((job) => job.kind === 'encrypt')!;
    assert.equal(cancelled.state, 'cancelled');
    assert.ok(cancelled.done < LEGACY + synced.length, 'cancelled before the end');

    await page.locator('[data-testid=bucket-encrypt]').click();
    await page.locator('[data-testid=bucket-encrypt-confirm]').click();
    await waitText('[data-testid=bucket-encrypt-job-summary]', /^Encrypted \d+ objects in .*; 0 skipped, 0 failed\./, scaled(180_000));
    const finished = (await serve.call('listBucketJobs')).find((job) => job.kind === 'encrypt' && job.state === 'done')!;
    assert.equal((finished.counts.encrypted ?? 0) + (finished.counts.finishedEarlier ?? 0), LEGACY, 'every plaintext object was encrypted once, by one run or the other');
    await waitText('[data-testid=bucket-headline]', 'every object is encrypted', scaled(120_000));
    await page.screenshot({ path: `${shots}/bucket-encrypted.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${shots}/bucket-encrypted-dark.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('Restore… brings the folder back into a new folder (bytes and modification times) with a summary', async () => {
    const destination = path.join(root, 'restored');
    await page.locator('[data-testid=tab-status]').click();
    const card = page.locator(`[data-testid="folder-${folderId}"]`);
    await card.locator('[data-testid=folder-restore]').click();
    await card.locator('[data-testid=restore-destination]').fill(destination);
    await card.locator('[data-testid=restore-start]').click();
    await card.locator('[data-testid=restore-job-summary]', { hasText: `Restored ${LEGACY + synced.length} of ${LEGACY + synced.length} files into ${destination}` }).waitFor({ timeout: scaled(60_000) });
    await card.screenshot({ path: `${shots}/restore-folder.png` });
    for (const [name, content] of synced) {
      const original = path.join(watched, name);
      const back = path.join(destination, name);
      assert.deepEqual(await readFile(back), Buffer.from(content), name);
      assert.ok(Math.abs(statSync(back).mtimeMs - statSync(original).mtimeMs) < 0.001, `${name} mtime`);
    }
    assert.deepEqual(browser.problems, []);
  });
});
