/** Drives the built renderer in Debian Chromium over the real web host and a fake service with 100,000 files. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { WebHost } from '../../core/web/startWebHost.ts';
import { activityView } from '../../core/app/statusViews.ts';
import { launchBrowser, type TestBrowser } from './browser.ts';
import { createFakeService, type FakeService } from './fakeService.ts';
import { startUiHost } from './uiHost.ts';
import { scaled } from './timeScale.ts';

const shots = 'docs/screenshots';
const folder = '[data-testid=folder-photos]';

describe('UI in Chromium (fake service, 100,000 files)', () => {
  let service: FakeService;
  let host: WebHost;
  let browser: TestBrowser;
  let page: Page;

  const waitText = (selector: string, text: string | RegExp, timeout = scaled(15_000)) => page.locator(selector, { hasText: text }).first().waitFor({ timeout });
  const called = (method: string) => service.calls.filter((call) => call.method === method);

  before(async () => {
    mkdirSync(shots, { recursive: true });
    service = createFakeService({ fileCount: 100_000, filesPerTick: 150, tickMs: 100, scanTicks: 8 });
    host = await startUiHost(service);
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await host?.close();
    service?.close();
  });

  test('the token in the address is kept in this tab only: dropped from the address bar, no cookie, and the status window connects', async () => {
    await page.goto(host.url);
    await waitText(`${folder} [data-testid=folder-state]`, /Scanning|Syncing/);
    assert.equal(new URL(page.url()).search, '', 'the token is dropped from the address bar');
    assert.equal(new URL(page.url()).hash, '');
    assert.deepEqual(await browser.context.cookies(), [], 'no cookie, which the browser would send to every port of 127.0.0.1');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cos-sync-token')), host.token);
    const title = await page.locator(`${folder} h3`).textContent();
    assert.equal(title, '/home/ana/Pictures');
  });

  test('another local web server on another port gets nothing from the browser that holds the token', async () => {
    const seen: string[] = [];
    const other = createServer((request, response) => {
      seen.push(`${request.method} ${request.url} ${JSON.stringify(request.headers)}`);
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>another local server</title>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const visit = await browser.newPage();
    try {
      // This tab opens the UI with the token first, then goes to the other server, as a user's browser would.
      await visit.goto(host.url);
      await visit.locator(`${folder} [data-testid=folder-state]`).first().waitFor({ timeout: scaled(15_000) });
      // The same paths the UI uses, on the other port: a cookie bound to 127.0.0.1 would be sent to all of them.
      for (const target of ['/', '/api/getSnapshot', '/api/events', '/upload.html']) await visit.goto(`${otherOrigin}${target}`);
    } finally {
      await visit.close();
      other.closeAllConnections(); // Chromium keeps idle sockets open, and close() would wait for them
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
    assert.ok(seen.length >= 4, seen.join('\n'));
    for (const request of seen) assert.ok(!request.includes(host.token), `the other server received the token: ${request}`);
    assert.ok(seen.every((request) => !/"cookie"/.test(request)), seen.join('\n'));
  });

  test('a folder shows syncing with progress, pauses and resumes through the service, then is up to date', async () => {
    await waitText(`${folder} [data-testid=folder-state]`, 'Syncing');
    await waitText(`${folder} [data-testid=folder-status-text]`, /of 100,000 files · .* of .* · .*\/s/);
    const progress = Number(await page.locator(`${folder} [data-testid=folder-files]`).getAttribute('aria-valuenow'));
    assert.ok(progress >= 0 && progress < 100);
    await page.locator(`${folder} [data-testid=folder-pause]`).click();
    await waitText(`${folder} [data-testid=folder-state]`, 'Paused');
    assert.deepEqual(called('pauseFolder').at(-1)?.args, ['photos']);
    assert.equal(await page.locator(`${folder} [data-testid=folder-pause]`).textContent(), 'Resume');
    await page.locator(`${folder} [data-testid=folder-pause]`).click();
    await waitText(`${folder} [data-testid=folder-state]`, 'Syncing');
    assert.deepEqual(called('resumeFolder').at(-1)?.args, ['photos']);
    await page.waitForTimeout(2500); // let the throughput chart collect a few samples
    await page.screenshot({ path: `${shots}/status-syncing-light.png` });
    service.setPace(20_000);
    // The fake refuses 5 of the 100,000 files (AccessDenied): the folder is idle but not up to date, and says so.
    await waitText(`${folder} [data-testid=folder-state]`, '5 failed', 30_000);
    await waitText(`${folder} [data-testid=folder-status-text]`, /^5 files could not be synced: see why in the file list · checked /);
    await waitText('[data-testid=overall]', '5 files could not be synced');
    await waitText('[data-testid=activity-entry]', 'is up to date');
  });

  test('activity folds a run of uploads of one folder into one line; errors and other lines stay single and break the run', async () => {
    // Live: batches as the service sends them, with an error and a manual upload in between.
    const at = Date.now();
    const uploaded = (index: number) => activityView({ id: 900_000 + index, at: at + index * 10, folderId: 'documents', path: `scans/scan-${String(index).padStart(3, '0')}.pdf`, action: 'uploaded', bytes: 1_000_000 + index, detail: 'AES256' });
    const batch = (from: number, to: number) => Array.from({ length: to - from }, (_, offset) => uploaded(from + offset)).toReversed();
    const refused = activityView({ id: 900_500, at: at + 1000, folderId: 'documents', path: 'scans/broken.pdf', action: 'error', detail: 'AccessDenied: COS refused the upload' });
    const manual = activityView({ id: 900_501, at: at + 1500, folderId: '', path: 'manual/2026/report.pdf', action: 'manual-upload', bytes: 40_000 });
    for (const entries of [batch(0, 100), [refused], batch(100, 150), [manual], batch(150, 200)]) service.emit({ type: 'activity', entries });
    const lines = page.locator('[data-testid=activity] > li');
    await waitText('[data-testid=activity] > li', 'Uploaded 100 files');
    const top = (await lines.allTextContents()).slice(0, 5).map((text) => text.replace(/^\d\d:\d\d:\d\d/, ''));
    assert.deepEqual(top, [
      '▸Uploaded 50 files (50 MB) to documents/ — SSE-COS AES256',
      'Uploaded manual/2026/report.pdf (40\u00a0KB) from the upload window.',
      '▸Uploaded 50 files (50 MB) to documents/ — SSE-COS AES256',
      'Could not sync scans/broken.pdf — AccessDenied: COS refused the upload.',
      '▸Uploaded 100 files (100 MB) to documents/ — SSE-COS AES256',
    ]);
    assert.equal(await page.locator('[data-testid=activity-group] [data-testid=activity-entry]').count(), 0, 'errors are never folded');

    // Expands with the keyboard (Enter, Space) and the mouse; the lines are the individual entries, newest first.
    const group = page.locator('[data-testid=activity-group]').first();
    const toggle = group.locator('[data-testid=activity-group-toggle]');
    const folded = group.locator('[data-testid=activity-group-entry]');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.focus().then(() => page.keyboard.press('Enter'));
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await folded.first().waitFor();
    assert.equal(await folded.count(), 50);
    assert.match((await folded.first().textContent()) ?? '', /^\d\d:\d\d:\d\dUploaded scans\/scan-199\.pdf \(1\.0\u00a0MB\) — AES256\.$/);
    await page.locator('[data-testid=activity]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/status-activity-light.png` });
    await page.keyboard.press('Space');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await folded.first().waitFor({ state: 'hidden' });
    await toggle.click().then(() => folded.first().waitFor());
    await toggle.click().then(() => folded.first().waitFor({ state: 'hidden' }));

    // Older pages fold too: the sync's first 2,000 uploads (one refused) read as two lines around the error.
    const error = page.locator('[data-testid=activity-entry]', { hasText: 'Could not upload album-0012/IMG_001234.jpg: access denied.' });
    const older = page.locator('[data-testid=activity-more]');
    for (let pageNumber = 0; pageNumber < 80 && (await older.isVisible()); pageNumber += 1) {
      await Promise.all([page.waitForResponse(/listActivity/), older.click()]);
    }
    assert.equal(await older.isVisible(), false, 'all pages loaded');
    await error.waitFor();
    await waitText('[data-testid=activity-group-toggle]', /^▸Uploaded 765 files \([\d.]+ GB\) to photos-1250000000\/laptop\/ — SSE-COS AES256$/);
    await waitText('[data-testid=activity-group-toggle]', /^▸Uploaded 1,233 files \([\d.]+ GB\) to photos-1250000000\/laptop\/ — SSE-COS AES256$/);
    const all = await lines.allTextContents();
    assert.ok(all.length < 40, `${all.length} lines for the activity of 2,000 uploads`);
    assert.equal(all.filter((text) => /Uploaded album-/.test(text)).length, 0, 'no upload of the sync is left on its own line');
  });

  test('the file list scrolls to the end of 100,000 rows with only a few rows in the DOM', async () => {
    await waitText('[data-testid=file-summary]', '100,000 files');
    const viewport = page.locator('[data-testid=file-list]');
    await waitText('[data-testid=file-row]', 'album-0000/IMG_000000.jpg');
    await waitText('[data-testid=encryption-badge]', 'Encrypted · SSE-COS AES256 · verified');
    const listCallsBefore = called('listFiles').length;
    for (const fraction of [0.25, 0.5, 0.75, 1]) {
      await viewport.evaluate((element, to) => (element.scrollTop = element.scrollHeight * to), fraction);
      await page.waitForTimeout(50);
    }
    await waitText('[data-testid=file-row]', 'album-0999/IMG_099999.jpg');
    const pagesFetched = called('listFiles').length - listCallsBefore;
    assert.ok(pagesFetched <= 12, `${pagesFetched} pages fetched for 5 scroll positions`);
    const rows = await page.locator('[data-testid=file-row]').count();
    assert.ok(rows > 5 && rows < 60, `${rows} rows in the DOM`);
    assert.equal(await viewport.getAttribute('aria-rowcount'), '100000');
    await page.screenshot({ path: `${shots}/status-light.png` });
    await viewport.evaluate((element) => (element.scrollTop = 0));
  });

  test('the file list filters by state and searches', async () => {
    await page.locator('[data-testid=file-state-filter]').selectOption('error');
    await waitText('[data-testid=file-summary]', '5 files match');
    await waitText('[data-testid=file-row]', 'access denied');
    await page.locator('[data-testid=file-state-filter]').selectOption('identical');
    await waitText('[data-testid=encryption-badge]', 'Not encrypted');
    await page.locator('[data-testid=file-state-filter]').selectOption('');
    await page.locator('[data-testid=file-search]').fill('IMG_050001');
    await waitText('[data-testid=file-summary]', '1 file matches');
    assert.equal(called('listFiles').at(-1)?.args[0] && (called('listFiles').at(-1)!.args[0] as { search?: string }).search, 'IMG_050001');
    await page.locator('[data-testid=file-search]').fill('');
    await waitText('[data-testid=file-summary]', '100,000 files');
  });

  test('a folder can be added by path; mistakes come back with a hint', async () => {
    await page.locator('[data-testid=add-folder-toggle]').click();
    await page.locator('[data-testid=add-folder-path]').fill('/home/ana/Pictures');
    await page.locator('[data-testid=add-folder-submit]').click();
    await waitText('[data-testid=add-folder-message]', 'is already synced. Pick another folder.');
    assert.equal(browser.allowProblem(/status of 422/), 1, 'the refused call shows up once in the console');
    await page.locator('[data-testid=add-folder-path]').fill('/home/ana/Music');
    await page.locator('[data-testid=add-folder-submit]').click();
    await waitText('[data-testid=add-folder-message]', 'Added /home/ana/Music.');
    await page.locator('[data-testid=folder-f3]').waitFor();
    assert.deepEqual(called('addFolder').at(-1)?.args, [{ localPath: '/home/ana/Music', profileId: 'tencent', deletePolicy: 'keep' }]);
    await page.locator('[data-testid=folder-f3] [data-testid=folder-remove]').click();
    await page.locator('[data-testid=folder-f3] [data-testid=folder-remove-confirm]').click();
    await page.locator('[data-testid=folder-f3]').waitFor({ state: 'detached' });
    assert.deepEqual(called('removeFolder').at(-1)?.args, ['f3']);
    await page.locator('[data-testid=add-folder-toggle]').click();
  });

  test('the engine key can be rotated', async () => {
    await page.locator('[data-testid=engine-rotate]').click();
    await page.locator('[data-testid=engine-rotate-confirm]').click();
    await waitText('[data-testid=engine-keys] tr', /v2\s*active/);
    assert.equal(called('rotateEngineKey').length, 1);
  });

  test('settings: a live connection test shows errors with hints; the secret key is write-only', async () => {
    await page.locator('[data-testid=tab-settings]').click();
    await page.locator('[data-testid=profile-select]').selectOption('tencent');
    const secret = page.locator('[data-testid=profile-secret-key]');
    assert.equal(await secret.inputValue(), '');
    assert.equal(await secret.getAttribute('type'), 'password');
    assert.match((await secret.getAttribute('placeholder')) ?? '', /Stored/);
    await waitText('[data-testid=secret-storage]', 'SecretKeys are kept in /home/ana/.cos-sync/secrets.json (readable by you only).');
    await page.locator('[data-testid=profile-bucket]').fill('missing-1250000000');
    await page.locator('[data-testid=profile-test]').click();
    await waitText('[data-testid=profile-test-result]', 'does not exist');
    await waitText('[data-testid=profile-test-result]', 'How to fix: Check the bucket name');
    await page.locator('[data-testid=profile-bucket]').fill('photos-1250000000');
    await secret.fill('a-new-secret-key');
    await page.locator('[data-testid=profile-test]').click();
    await waitText('[data-testid=profile-test-result]', 'Connected to https://photos-1250000000.cos.ap-guangzhou.myqcloud.com');
    await page.locator('[data-testid=profile-save]').click();
    await waitText('[data-testid=profile-test-result]', 'Saved');
    assert.equal(service.secretKeys.get('tencent'), 'a-new-secret-key');
    assert.equal(await secret.inputValue(), '', 'the key is not shown again');
    await page.screenshot({ path: `${shots}/settings-light.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${shots}/settings-dark.png`, fullPage: true });
    await page.locator('[data-testid=tab-status]').click();
    await page.screenshot({ path: `${shots}/status-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('an offline folder names the endpoint it cannot reach, counts down to the next try, and "Try now" resumes it', async () => {
    const documents = '[data-testid=folder-documents]';
    service.setFolderStatus('documents', { kind: 'offline', since: Date.now() - 120_000, nextProbeAt: Date.now() + 42_500 });
    await waitText(`${documents} [data-testid=folder-state]`, 'Offline');
    await waitText(`${documents} [data-testid=folder-status-text]`, /^Offline since 2 min ago · trying again in 4[0-2] s$/);
    await waitText(`${documents} .folder-problem`, 'Cannot reach bucket documents on the bundled engine at http://127.0.0.1:9100 (account “Bundled engine”).');
    const seconds = async (): Promise<number> => Number(/in (\d+) s$/.exec((await page.locator(`${documents} [data-testid=folder-next-try]`).textContent()) ?? '')?.[1]);
    const first = await seconds();
    await page.waitForTimeout(2100);
    const later = await seconds();
    assert.ok(later < first && later >= first - 3, `the countdown ticks: ${first} s, then ${later} s`);
    const tryNow = page.locator(`${documents} [data-testid=folder-try-now]`);
    assert.match((await tryNow.getAttribute('class')) ?? '', /\bprimary\b/);
    assert.equal(await page.locator(`${documents} [data-testid=folder-pause]`).textContent(), 'Pause', 'Pause stays available');
    await page.screenshot({ path: `${shots}/status-offline-light.png` });
    const resumes = called('resumeFolder').length;
    await tryNow.click();
    await waitText(`${documents} [data-testid=folder-state]`, 'Up to date');
    assert.deepEqual(called('resumeFolder').slice(resumes).map((call) => call.args), [['documents']]);
    await tryNow.waitFor({ state: 'hidden' });

    service.setFolderStatus('photos', { kind: 'offline', since: Date.now(), nextProbeAt: Date.now() + 3 * 60_000 + 5000 });
    await waitText(`${folder} [data-testid=folder-status-text]`, /^Offline since just now · trying again in 3 min [4-5] s$/);
    await waitText(`${folder} .folder-problem`, 'Cannot reach bucket photos-1250000000 on Tencent Cloud COS at https://photos-1250000000.cos.ap-guangzhou.myqcloud.com (account “Tencent COS”).');
    await page.locator(`${folder} [data-testid=folder-try-now]`).click();
    await waitText(`${folder} [data-testid=folder-state]`, '5 failed');
    assert.deepEqual(called('resumeFolder').at(-1)?.args, ['photos']);
  });

  test('folder errors show their fix hint; pending deletions ask for confirmation', async () => {
    const documents = '[data-testid=folder-documents]';
    service.setFolderStatus('documents', { kind: 'error', code: 'InvalidAccessKeyId', message: 'The SecretId was not accepted.', hint: 'Check the key pair under Settings.' });
    await waitText(`${documents} [data-testid=folder-state]`, 'Error');
    await waitText(`${documents} .folder-problem`, 'How to fix: Check the key pair under Settings.');
    await waitText('[data-testid=errors]', 'InvalidAccessKeyId: The SecretId was not accepted.');
    await waitText('[data-testid=overall]', 'A folder needs your attention');
    assert.ok(await page.locator(`${documents} [data-testid=folder-try-now]`).isVisible(), 'an error card offers Try now');
    await page.screenshot({ path: `${shots}/status-error-light.png` });
    service.setFolderStatus('documents', { kind: 'confirm-deletes', count: 1 });
    await waitText(`${documents} [data-testid=folder-status-text]`, '1 file was deleted here. Delete it from the bucket too?');
    service.setFolderStatus('documents', { kind: 'confirm-deletes', count: 12 });
    await waitText(`${documents} [data-testid=folder-status-text]`, '12 files were deleted here');
    await page.locator(`${documents} [data-testid=folder-delete-keep]`).click();
    await waitText(`${documents} [data-testid=folder-state]`, 'Up to date');
    assert.deepEqual(called('confirmDeletes').at(-1)?.args, ['documents', false]);
    await page.locator('[data-testid=errors]').waitFor({ state: 'hidden' });
  });

  test('every control has an accessible name', async () => {
    const unnamed = await page.evaluate(() => {
      const problems: string[] = [];
      for (const element of document.querySelectorAll<HTMLElement>('button, input:not([type=hidden]):not([hidden]), select, textarea')) {
        const labelled = element.getAttribute('aria-label') || element.getAttribute('aria-labelledby') || (element as HTMLInputElement).labels?.length || (element.tagName === 'BUTTON' && element.textContent?.trim());
        if (!labelled) problems.push(element.outerHTML.slice(0, 80));
      }
      return problems;
    });
    assert.deepEqual(unnamed, []);
  });

  test('the upload window streams chosen files and shows the encryption the server confirmed', async () => {
    await page.goto(`${host.origin}/upload.html`);
    await waitText('[data-testid=upload-status]', 'No files chosen');
    assert.equal(await page.locator('[data-testid=upload-bucket]').inputValue(), 'photos-1250000000');
    const size = 3 * 1024 * 1024;
    await page.locator('[data-testid=file-input]').setInputFiles([{ name: 'one.txt', mimeType: 'text/plain', buffer: Buffer.alloc(1500, 3) }]);
    await waitText('[data-testid=upload-status]', '1 file, 1.5 KB ready to upload.');
    await page.locator('[data-testid=upload-clear]').click();
    await waitText('[data-testid=upload-status]', 'No files chosen');
    await page.locator('[data-testid=file-input]').setInputFiles([
      { name: 'quarterly-report.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(size, 1) },
      { name: 'team-photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(size / 2, 2) },
    ]);
    await waitText('[data-testid=upload-status]', /^2 files, [\d.]+ MB ready to upload\.$/);
    await page.emulateMedia({ colorScheme: 'dark' });
    const startButton = page.locator('[data-testid=upload-start]');
    const looks = () => startButton.evaluate((button) => {
      const style = getComputedStyle(button);
      return `${style.backgroundColor} ${style.color} ${style.borderStyle}`;
    });
    const enabledDark = await looks();
    await page.screenshot({ path: `${shots}/upload-ready-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('[data-testid=upload-prefix]').fill('shared/2026');
    await page.locator('[data-testid=upload-sse]').selectOption('AES256');
    await page.locator('[data-testid=upload-start]').click();
    await waitText('[data-testid=upload-file-state]', /Uploading \d+%/);
    await page.screenshot({ path: `${shots}/upload-progress-light.png` });
    await page.locator('[data-testid=upload-result]').nth(1).waitFor({ timeout: scaled(20_000) });
    const results = await page.locator('[data-testid=upload-result]').allTextContents();
    assert.deepEqual(results, ['Encrypted · SSE-COS AES256 · confirmed by server', 'Encrypted · SSE-COS AES256 · confirmed by server']);
    await waitText('[data-testid=upload-status]', 'All 2 files uploaded.');
    const request = called('startUpload').at(-1)!.args[0] as { files: Array<{ name: string; size: number; modifiedAt?: number }>; prefix: string; sse: string };
    assert.deepEqual(request.files.map(({ name, size: bytes }) => ({ name, size: bytes })), [{ name: 'quarterly-report.pdf', size }, { name: 'team-photo.jpg', size: size / 2 }]);
    for (const file of request.files) {
      assert.ok(typeof file.modifiedAt === 'number' && Math.abs(file.modifiedAt - Date.now()) < 3_600_000, `the browser sends File.lastModified for ${file.name} (got ${file.modifiedAt})`);
    }
    assert.equal(request.prefix, 'shared/2026');
    assert.equal(called('receiveUploadBody').length, 2);
    await page.screenshot({ path: `${shots}/upload-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await startButton.isDisabled(), true);
    const disabledDark = await looks();
    assert.notEqual(disabledDark, enabledDark, 'a disabled Upload button looks different from an enabled one in dark mode');
    assert.match(disabledDark, /dashed$/);
    await page.screenshot({ path: `${shots}/upload-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  test('no console errors, CSP violations or page errors happened', () => {
    assert.deepEqual(browser.problems, []);
  });

  test('the upload link opens an authorized tab without the token in its address', async () => {
    await page.goto(host.origin + '/');
    const [opened] = await Promise.all([browser.context.waitForEvent('page'), page.locator('[data-testid=open-upload]').click()]);
    await opened.locator('[data-testid=upload-status]', { hasText: 'No files chosen' }).waitFor({ timeout: scaled(15_000) });
    assert.equal(await opened.locator('[data-testid=upload-bucket]').inputValue(), 'photos-1250000000', 'the new tab reached the API');
    assert.equal(new URL(opened.url()).hash, '', 'the token handed over in the fragment is dropped from the address bar');
    await opened.close();
  });

  test('without the token the window explains how to get in', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${host.origin}/`);
      await fresh.locator('[data-testid=connection]', { hasText: 'Not authorized' }).first().waitFor({ timeout: scaled(15_000) });
    } finally {
      await fresh.close();
    }
    browser.allowProblem(/401/);
  });
});
