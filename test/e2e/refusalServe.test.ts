/** Chromium against the real `cos-sync serve`: a bucket policy refuses a file's encrypted write; the file list shows the error, and its detail the fix; after the fix the file syncs. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { engineBucket } from '../../core/app/settings.ts';
import { CosClient } from '../../core/cos/cosClient.ts';
import { setBucketPolicy } from '../fakes/bucketPolicy.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { startServe, type ServeProcess } from './realServe.ts';
import { requireRendererBuild } from './uiHost.ts';
import { scaled } from './timeScale.ts';

const shots = 'docs/screenshots';
/** Only SSE-KMS may be written: the app's SSE-COS upload is refused. */
const requireKms = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'KmsOnly', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${engineBucket}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } }],
});

describe('a refused encrypted write in the real cos-sync serve', { timeout: scaled(180_000) }, () => {
  let root: string;
  let watched: string;
  let serve: ServeProcess;
  let owner: CosClient;
  let browser: TestBrowser;
  let page: Page;

  const policy = (text: string | null): Promise<void> => setBucketPolicy(owner, engineBucket, text);

  before(async () => {
    requireRendererBuild();
    mkdirSync(shots, { recursive: true });
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-refusal-e2e-'));
    watched = path.join(root, 'watched');
    mkdirSync(watched);
    serve = await startServe({ root, folders: [watched], noDefaultFolder: true });
    const credentials = JSON.parse(readFileSync(path.join(serve.dataDir, 'engine', 'credentials.json'), 'utf8')) as { secretId: string; secretKey: string };
    owner = new CosClient({ credentials, region: 'ap-guangzhou', endpoint: serve.engineEndpoint! });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await owner?.close();
    await serve?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const waitText = (selector: string, text: string | RegExp) => page.locator(selector, { hasText: text }).first().waitFor({ timeout: scaled(20_000) });

  test('the file list shows the refusal per file; its detail names bucket, region and the fix; the fix syncs it', async () => {
    const folderId = (await serve.call('getSnapshot')).folders[0]!.id;
    await policy(requireKms);
    await page.goto(serve.url);
    await page.locator(`[data-testid="folder-${folderId}"] [data-testid=folder-show-files]`).click();
    writeFileSync(path.join(watched, 'contract.pdf'), Buffer.alloc(40_000, 5));
    const button = page.locator('[data-testid=file-row]', { hasText: 'contract.pdf' }).locator('[data-testid=file-error-button]');
    await button.waitFor({ timeout: scaled(30_000) });
    assert.match(await button.getAttribute('title') ?? '', /How to fix: A bucket policy on local-1250000000 may refuse this write/);
    await button.click();
    const detail = page.locator('[data-testid=file-error-detail]');
    await detail.waitFor({ timeout: scaled(5000) });
    const text = await detail.textContent() ?? '';
    assert.match(text, /contract\.pdf: SseRefused — The bucket local-1250000000 \(ap-guangzhou\) refused the SSE-COS \(AES256\) write of 'contract\.pdf'/);
    assert.match(await page.locator('[data-testid=file-error-hint]').textContent() ?? '', /^How to fix: A bucket policy on local-1250000000 may refuse this write .* COS Sync never retries a write without its encryption header\.$/);
    // The folder and the window do not claim "Up to date" while a file failed.
    const card = `[data-testid="folder-${folderId}"]`;
    await waitText(`${card} [data-testid=folder-state]`, '1 failed');
    assert.match(await page.locator(`${card} [data-testid=folder-status-text]`).textContent() ?? '', /^1 file could not be synced: see why in the file list/);
    await waitText('#overall-text', '1 file could not be synced');
    await page.locator('[data-testid=file-list]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/real-refused-light.png`, fullPage: true });

    await policy(null);
    await page.locator(`[data-testid="folder-${folderId}"] [data-testid=folder-retry]`).click();
    await page.locator('[data-testid=file-row]', { hasText: 'contract.pdf' }).locator('.cell-state', { hasText: 'Synced' }).waitFor({ timeout: scaled(30_000) });
    await waitText(`${card} [data-testid=folder-state]`, 'Up to date');
    const row = (await serve.call('listFiles', { folderId, offset: 0, limit: 10, search: 'contract.pdf' })).rows[0];
    assert.equal(row?.encryption?.algorithm, 'AES256');
  });
});
