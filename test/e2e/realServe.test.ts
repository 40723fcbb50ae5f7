/** Drives Debian Chromium against the REAL `cos-sync serve` (bundled engine, folder sync) and a separate `cos-sync engine`. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { FileRow } from '../../core/app/contract.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { freePort, startEngineProcess, startServe, waitUntil, type EngineProcess, type ServeProcess } from './realServe.ts';
import { requireRendererBuild } from './uiHost.ts';
import { scaled } from './timeScale.ts';

const shots = 'docs/screenshots';
const encrypted = 'Encrypted · SSE-COS AES256 · verified';
const external = { bucket: 'e2e-1250000000', secretId: 'AKIDe2eRealServe0000000000000000000', secretKey: 'e2eRealServeSecretKey0000000000000' };
/**
 * Files of the large-list scenario, 1,000 per directory. 100,000 real uploads took ~8 min on the 2-core CI machine, so the
 * default is 20,000 (~2 min); COS_SYNC_E2E_FILES=100000 runs the full size (the waits scale with it).
 */
const manyTotal = Number(process.env.COS_SYNC_E2E_FILES ?? 20_000);
const manyPerDir = 1000;
const manySyncTimeoutMs = Math.max(170_000, manyTotal * 8);
const count = (value: number): string => value.toLocaleString('en-US');
const manyPath = (index: number): string => `dir-${String(Math.floor(index / manyPerDir)).padStart(3, '0')}/f-${String(index % manyPerDir).padStart(4, '0')}.txt`;

describe('the real cos-sync serve in Chromium', { timeout: scaled(120_000 + manySyncTimeoutMs) }, () => {
  let root: string;
  let watched: string;
  let externalFolder: string;
  let serve: ServeProcess;
  let engine: EngineProcess | undefined;
  let enginePort: number;
  let browser: TestBrowser;
  let page: Page;
  let watchedId: string;
  let externalId: string;
  /** Every state text the upload page showed, per file, with ms since Start. */
  let progressSeen: { at: number; file: number; text: string }[] = [];

  const card = (folderId: string) => `[data-testid="folder-${folderId}"]`;
  const waitText = (selector: string, text: string | RegExp, timeout = scaled(20_000)) => page.locator(selector, { hasText: text }).first().waitFor({ timeout });
  const row = (relative: string) => page.locator('[data-testid=file-row]', { has: page.locator('.cell-path', { hasText: new RegExp(`^${relative.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  /** Waits until `relative` is listed as Synced with the verified SSE-COS badge. */
  const waitSyncedRow = async (relative: string, timeout = scaled(30_000)): Promise<void> => {
    await row(relative).locator('.cell-state', { hasText: 'Synced' }).waitFor({ timeout });
    assert.equal(await row(relative).locator('[data-testid=encryption-badge]').textContent(), encrypted, `badge of ${relative}`);
  };
  const fileRow = async (folderId: string, search: string): Promise<FileRow | undefined> => (await serve.call('listFiles', { folderId, offset: 0, limit: 10, search })).rows[0];
  const showFiles = async (folderId: string, localPath: string): Promise<void> => {
    await page.locator(`${card(folderId)} [data-testid=folder-show-files]`).click();
    await page.locator('#files-title', { hasText: `Files in ${localPath}` }).waitFor({ timeout: scaled(5000) });
  };
  const write = (file: string, content: string | Buffer): void => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  };

  before(async () => {
    requireRendererBuild();
    mkdirSync(shots, { recursive: true });
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-real-e2e-'));
    watched = path.join(root, 'watched');
    externalFolder = path.join(root, 'external');
    mkdirSync(watched);
    mkdirSync(externalFolder);
    serve = await startServe({ root, folders: [watched], noDefaultFolder: true, verbose: true });
    const snapshot = await serve.call('getSnapshot');
    assert.equal(snapshot.folders.length, 1);
    watchedId = snapshot.folders[0]!.id;
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await engine?.child.stop();
    await serve?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('files dropped into a watched folder are listed as synced and encrypted; the folder is up to date', async () => {
    await page.goto(serve.url);
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar');
    assert.deepEqual(await browser.context.cookies(), [], 'the token is no cookie');
    await waitText(`${card(watchedId)} h3`, watched);
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Up to date');
    write(path.join(watched, 'readme.md'), '# Dropped into the watched folder\n');
    write(path.join(watched, 'notes/2026/plan.txt'), 'plan '.repeat(1000));
    write(path.join(watched, 'photos/beach.jpg'), Buffer.alloc(256 * 1024, 7));
    for (const relative of ['notes/2026/plan.txt', 'photos/beach.jpg', 'readme.md']) await waitSyncedRow(relative);
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Up to date');
    await waitText(`${card(watchedId)} .folder-counts`, '3 of 3 files stored');
    await waitText(`${card(watchedId)} .folder-counts`, '3 encrypted');
    const stored = await fileRow(watchedId, 'beach.jpg');
    assert.equal(stored?.encryption?.algorithm, 'AES256');
    assert.ok(stored?.encryption?.verifiedAt, 'the server confirmed the encryption');
    await waitText('#overall-text', 'up to date');
    await page.screenshot({ path: `${shots}/real-status-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${shots}/real-status-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('a file in a newly created directory is uploaded once', async () => {
    const entries = (await serve.call('listActivity', { limit: 50 })).entries.filter((entry) => entry.message.startsWith('Uploaded notes/2026/plan.txt'));
    assert.equal(entries.length, 1, entries.map((entry) => entry.message).join('\n'));
  });

  test('a manual upload through the file chooser shows per-file progress and the encryption the server confirmed', async (t) => {
    const upload = await browser.newPage();
    try {
      // A new tab has its own sessionStorage: open it with the token, as the printed address does.
      await upload.goto(`${serve.origin}/upload.html?token=${serve.token}`);
      await upload.locator('[data-testid=upload-status]', { hasText: 'No files chosen' }).waitFor({ timeout: scaled(10_000) });
      assert.equal(await upload.locator('[data-testid=upload-bucket]').inputValue(), 'local-1250000000');
      const objectsBefore = (await serve.call('getEngineStatus')).objects;
      const big = 24 * 1024 * 1024;
      await upload.locator('[data-testid=file-input]').setInputFiles([
        { name: 'site-backup.tar', mimeType: 'application/x-tar', buffer: Buffer.alloc(big, 3) },
        { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(40_000, 1) },
        { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from('name,phone\nana,123\n') },
      ]);
      await upload.locator('[data-testid=upload-status]', { hasText: '3 files' }).waitFor({ timeout: scaled(5000) });
      await upload.locator('[data-testid=upload-prefix]').fill('manual/2026');
      await upload.locator('[data-testid=upload-sse]').selectOption('AES256');
      // Record every progress text the page shows (the local engine is fast; a poll could miss them all).
      await upload.evaluate(() => {
        const seen: { at: number; file: number; text: string }[] = [];
        const started = performance.now();
        (window as unknown as { progressSeen: typeof seen }).progressSeen = seen;
        new MutationObserver(() => {
          document.querySelectorAll('[data-testid=upload-file-state]').forEach((state, file) => {
            const text = state.textContent ?? '';
            if (seen.findLast((entry) => entry.file === file)?.text !== text) seen.push({ at: Math.round(performance.now() - started), file, text });
          });
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      await upload.locator('[data-testid=upload-start]').click();
      await upload.locator('[data-testid=upload-result]').nth(2).waitFor({ timeout: scaled(60_000) });
      await upload.locator('[data-testid=upload-status]', { hasText: 'All 3 files uploaded' }).waitFor({ timeout: scaled(10_000) });
      const results = await upload.locator('[data-testid=upload-result]').allTextContents();
      assert.deepEqual(results, Array(3).fill('Encrypted · SSE-COS AES256 · confirmed by server'));
      progressSeen = await upload.evaluate(() => (window as unknown as { progressSeen: { at: number; file: number; text: string }[] }).progressSeen);
      const bigFile = progressSeen.filter((entry) => entry.file === 0);
      t.diagnostic(`states of the 24 MiB file (ms after Start): ${bigFile.map((entry) => `${entry.at} ${entry.text}`).join(' → ')}`);
      assert.ok(bigFile.some((entry) => /^Uploading \d+%$/.test(entry.text)), 'the file showed upload progress');
      assert.equal(await upload.locator('[data-testid=upload-file-progress]').first().getAttribute('aria-valuenow'), '100');
      const titles = await upload.locator('[data-testid=upload-result]').evaluateAll((badges) => badges.map((badge) => badge.getAttribute('title') ?? ''));
      assert.match(titles[0]!, /^manual\/2026\/site-backup\.tar\. The server confirmed this on /);
      const engineAfter = await waitUntil('the engine to count the 3 uploaded objects', async () => ((await serve.call('getEngineStatus')).objects >= objectsBefore + 3 ? true : undefined), 10_000);
      assert.ok(engineAfter);
      await upload.screenshot({ path: `${shots}/real-upload-light.png`, fullPage: true });
      await upload.emulateMedia({ colorScheme: 'dark' });
      await upload.screenshot({ path: `${shots}/real-upload-dark.png`, fullPage: true });
    } finally {
      await upload.close();
    }
  });

  test('a browser upload of 24 MiB shows intermediate per-file progress (between 1 and 99 %)', () => {
    assert.ok(progressSeen.some((entry) => entry.file === 0 && /^Uploading ([1-9]|[1-9]\d)%$/.test(entry.text)), JSON.stringify(progressSeen));
  });

  test('a paused folder does not upload a new file; after resume it does', async () => {
    const pause = page.locator(`${card(watchedId)} [data-testid=folder-pause]`);
    await pause.click();
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Paused');
    assert.equal(await pause.textContent(), 'Resume');
    const objectsBefore = (await serve.call('getEngineStatus')).objects;
    write(path.join(watched, 'while-paused.txt'), 'written while the folder was paused');
    // Longer than the watcher debounce (300 ms) plus a pass: an active folder would have uploaded by now.
    await page.waitForTimeout(4000);
    const waiting = await fileRow(watchedId, 'while-paused.txt');
    assert.notEqual(waiting?.status.state, 'synced', 'nothing is uploaded while paused');
    assert.equal(waiting?.encryption ?? null, null, 'no object was stored while paused');
    assert.equal((await serve.call('getEngineStatus')).objects, objectsBefore, 'the engine received nothing');
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Paused', 1000);
    await pause.click();
    await waitSyncedRow('while-paused.txt');
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Up to date');
    assert.equal(await pause.textContent(), 'Pause');
  });

  test('an external engine that goes away shows the folder offline; after a restart it recovers and syncs the waiting file', async (t) => {
    enginePort = await freePort();
    const engineData = path.join(root, 'external-engine');
    const startExternal = () => startEngineProcess({ dataDir: engineData, port: enginePort, bucket: external.bucket, secretId: external.secretId, secretKey: external.secretKey });
    engine = await startExternal();
    const endpoint = `http://127.0.0.1:${enginePort}`;
    assert.equal(engine.endpoint, endpoint);
    write(path.join(externalFolder, 'first.txt'), 'stored before the outage');

    // The account, through the settings screen: a new COS profile with a custom endpoint, tested live, saved.
    await page.locator('[data-testid=tab-settings]').click();
    await page.locator('[data-testid=profile-select]').selectOption('');
    await page.locator('[data-testid=profile-kind-cos]').check();
    await page.locator('[data-testid=profile-name]').fill('External');
    await page.locator('[data-testid=profile-secret-id]').fill(external.secretId);
    await page.locator('[data-testid=profile-secret-key]').fill(external.secretKey);
    await page.locator('[data-testid=profile-region]').fill('ap-guangzhou');
    await page.locator('[data-testid=profile-bucket]').fill(external.bucket);
    await page.locator('#profile-endpoint').fill(endpoint);
    await page.locator('[data-testid=profile-test]').click();
    await waitText('[data-testid=profile-test-result]', `Connected to ${endpoint}`);
    await page.locator('[data-testid=profile-save]').click();
    await waitText('[data-testid=profile-test-result]', 'Saved');
    const profile = (await serve.call('getSettings')).profiles.find((candidate) => candidate.name === 'External');
    assert.ok(profile && profile.kind === 'cos' && profile.hasSecretKey && profile.endpoint === endpoint, 'the profile was stored with its endpoint and secret');

    // The folder, through the "Add folder" form with that account.
    await page.locator('[data-testid=tab-status]').click();
    await page.locator('[data-testid=add-folder-toggle]').click();
    await page.locator('[data-testid=add-folder-path]').fill(externalFolder);
    await page.locator('[data-testid=add-folder-profile]').selectOption(profile.id);
    await page.locator('[data-testid=add-folder-submit]').click();
    await waitText('[data-testid=add-folder-message]', `Added ${externalFolder}.`);
    await page.locator('[data-testid=add-folder-toggle]').click();
    externalId = (await serve.call('getSnapshot')).folders.find((folder) => folder.localPath === externalFolder)!.id;
    await waitText(`${card(externalId)} .folder-target`, `→ ${external.bucket}/`);
    await showFiles(externalId, externalFolder);
    await waitSyncedRow('first.txt');
    await waitText(`${card(externalId)} [data-testid=folder-state]`, 'Up to date');

    // Outage: the engine dies (SIGKILL, no goodbye); a file added meanwhile must wait.
    await engine.child.stop('SIGKILL');
    const killedAt = Date.now();
    write(path.join(externalFolder, 'during-outage.txt'), 'written while the endpoint was down');
    await waitText(`${card(externalId)} [data-testid=folder-state]`, 'Offline', 30_000);
    const detectedMs = Date.now() - killedAt;
    await waitText(`${card(externalId)} [data-testid=folder-status-text]`, /^Offline since .* · trying again /);
    const waiting = await fileRow(externalId, 'during-outage.txt');
    assert.notEqual(waiting?.status.state, 'synced', 'the file waits while the endpoint is down');
    await waitText('#overall-text', /^Offline/, 5000);
    await page.screenshot({ path: `${shots}/real-offline-light.png` });
    await waitText(`${card(watchedId)} [data-testid=folder-state]`, 'Up to date', 1000);

    // Recovery: same port, same data; the folder probes with backoff and syncs the waiting file.
    engine = await startExternal();
    const restartedAt = Date.now();
    await waitText(`${card(externalId)} [data-testid=folder-state]`, 'Up to date', 120_000);
    await waitSyncedRow('during-outage.txt', 30_000);
    const recoveredMs = Date.now() - restartedAt;
    const outageMs = restartedAt - killedAt;
    t.diagnostic(`offline detected ${(detectedMs / 1000).toFixed(1)} s after the kill; outage ${(outageMs / 1000).toFixed(1)} s; recovered ${(recoveredMs / 1000).toFixed(1)} s after the restart`);
    assert.ok(recoveredMs < 60_000, `recovery took ${recoveredMs} ms (> 60 s): the probe backoff is too slow`);
    const synced = await fileRow(externalId, 'during-outage.txt');
    assert.equal(synced?.encryption?.algorithm, 'AES256');
    await page.screenshot({ path: `${shots}/real-recovered-light.png` });
  });

  test(`${count(manyTotal)} real files sync and the list scrolls to the last one with few rows in the DOM`, async (t) => {
    const many = path.join(root, 'many');
    for (let index = 0; index < manyTotal; index += 1) {
      if (index % manyPerDir === 0) mkdirSync(path.join(many, path.dirname(manyPath(index))), { recursive: true });
      writeFileSync(path.join(many, manyPath(index)), 'x');
    }
    const started = Date.now();
    const folder = await serve.call('addFolder', { localPath: many });
    let seen = 'nothing yet';
    await waitUntil(() => `${manyTotal} files to sync (folder idle with every file stored); last seen ${seen}`, async () => {
      const current = (await serve.call('getSnapshot')).folders.find((candidate) => candidate.id === folder.id);
      seen = `${current?.status.kind}, ${current?.counts.synced} synced`;
      return current?.status.kind === 'idle' && current.counts.synced === manyTotal ? true : undefined;
    }, manySyncTimeoutMs, 1000);
    const syncMs = Date.now() - started;
    t.diagnostic(`${manyTotal} one-byte files synced to the bundled engine in ${(syncMs / 1000).toFixed(1)} s`);

    await showFiles(folder.id, many);
    await waitText('[data-testid=file-summary]', `${count(manyTotal)} files`);
    const viewport = page.locator('[data-testid=file-list]');
    assert.equal(await viewport.getAttribute('aria-rowcount'), String(manyTotal));
    await waitSyncedRow('dir-000/f-0000.txt');
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      await viewport.evaluate((element, to) => (element.scrollTop = element.scrollHeight * to), fraction);
      await page.waitForTimeout(100);
    }
    const last = manyPath(manyTotal - 1);
    await waitSyncedRow(last, 10_000);
    assert.ok(await row(last).isVisible(), `${last} is visible at the end of the list`);
    const rows = await page.locator('[data-testid=file-row]').count();
    assert.ok(rows > 5 && rows < 60, `${rows} rows in the DOM for ${manyTotal} files`);
    // The pushed snapshot must end with the final count (it used to stop at a stale, cached number).
    await waitText(`${card(folder.id)} .folder-counts`, new RegExp(`^${count(manyTotal)} of ${count(manyTotal)} files stored · .* · ${count(manyTotal)} encrypted$`), 10_000);
    await page.screenshot({ path: `${shots}/real-many-files-light.png`, fullPage: true });
  });

  test('no console errors, CSP violations or page errors happened', () => {
    assert.deepEqual(browser.problems, []);
  });
});
