/** A damaged secrets or settings file is kept aside, what is still valid survives, and the user is told (issue 15, item 5). */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasCode } from '../../core/common/errors.ts';
import { createAppService } from '../../core/app/service.ts';
import { createFileSecretStore } from '../../core/app/fileSecretStore.ts';

const at = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const corruptName = (file: string): string => `${file}.corrupt-2026-01-02T03-04-05-006Z`;
const readJson = async (file: string): Promise<unknown> => JSON.parse(await readFile(file, 'utf8'));

describe('damaged secrets and settings files', () => {
  let root: string;
  let counter = 0;
  const freshDir = async (): Promise<string> => {
    const dir = path.join(root, `case-${(counter += 1)}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-damaged-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('secrets.json that is not valid JSON: kept aside, every readable secret recovered, the next save drops nothing', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'secrets.json');
    const damaged = '{"profile.a.secretKey":"key-of-a","profile.b.secretKey":"key \\"of\\" b","profile.c.secr';
    await writeFile(file, damaged, { mode: 0o600 });
    const store = createFileSecretStore(dir, { now: () => at });
    await store.set('profile.d.secretKey', 'key-of-d');
    assert.deepEqual(await readJson(file), { 'profile.a.secretKey': 'key-of-a', 'profile.b.secretKey': 'key "of" b', 'profile.d.secretKey': 'key-of-d' });
    assert.equal(await readFile(corruptName(file), 'utf8'), damaged, 'the damaged file is kept byte for byte');
    const problems = store.problems!();
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.code, 'SecretsFileDamaged');
    assert.match(problems[0]!.message, /not valid JSON.*kept as secrets\.json\.corrupt-2026-01-02T03-04-05-006Z; 2 stored secrets were recovered/);
    assert.ok(problems[0]!.hint);
    assert.equal(await store.get('profile.a.secretKey'), 'key-of-a');
    assert.equal(store.problems!().length, 1, 'reported once');
  });

  it('secrets.json with entries that are not text: the others are kept and the lost names are told', async () => {
    const dir = await freshDir();
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ 'profile.a.secretKey': 'key-of-a', 'profile.b.secretKey': 42 }));
    const store = createFileSecretStore(dir, { now: () => at });
    assert.equal(await store.get('profile.a.secretKey'), 'key-of-a');
    assert.deepEqual(await readJson(file), { 'profile.a.secretKey': 'key-of-a' });
    assert.deepEqual(await readJson(corruptName(file)), { 'profile.a.secretKey': 'key-of-a', 'profile.b.secretKey': 42 });
    assert.match(store.problems!()[0]!.message, /lost: profile\.b\.secretKey/);
  });

  it('an unreadable secrets.json fails the write and is left alone', async () => {
    const dir = await freshDir();
    await mkdir(path.join(dir, 'secrets.json'));
    const store = createFileSecretStore(dir);
    await assert.rejects(store.set('profile.a.secretKey', 'x'), (error) => hasCode(error, 'SecretsUnreadable'));
    assert.deepEqual((await readdir(dir)).sort(), ['secrets.json']);
  });

  it('concurrent writes never drop each other', async () => {
    const dir = await freshDir();
    const store = createFileSecretStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.set(`profile.${index}.secretKey`, `key-${index}`)));
    assert.equal(Object.keys(await readJson(path.join(dir, 'secrets.json')) as object).length, 20);
  });

  it('settings.json that is not JSON: the app still starts, the file is kept aside and the status says so', async () => {
    const dir = await freshDir();
    const damaged = '{"profiles":[{"kind":"engine","id":"e","name":"Local","bucket":"local-1250000000"}],"folders":[';
    await writeFile(path.join(dir, 'settings.json'), damaged);
    const service = await createAppService({ dataDir: dir, mode: 'headless' });
    try {
      const kept = (await readdir(dir)).filter((name) => name.startsWith('settings.json.corrupt-'));
      assert.equal(kept.length, 1);
      assert.equal(await readFile(path.join(dir, kept[0]!), 'utf8'), damaged);
      const errors = (await service.getSnapshot()).errors.filter((error) => error.code === 'SettingsFileDamaged');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, new RegExp(`not valid JSON.*kept as ${kept[0]!.replaceAll('.', '\\.')}`));
      assert.equal(errors[0]!.folderId, null);
    } finally {
      await service.close();
    }
  });

  it('settings.json with one bad profile and one bad option: everything else is kept, the rest is named', async () => {
    const dir = await freshDir();
    const good = { kind: 'cos', id: 'work', name: 'Work', secretId: 'AKIDWORK', region: 'ap-guangzhou', bucket: 'work-1250000000', endpoint: null };
    const settings = {
      profiles: [good, { kind: 'cos', id: 'broken', name: 'Broken' }],
      defaultProfileId: 'work',
      folders: [],
      general: { concurrency: 99, bandwidthLimit: null, excludes: ['*.tmp'], deleteConfirmThreshold: 100, startAtLogin: false },
      initialized: true,
    };
    await writeFile(path.join(dir, 'settings.json'), JSON.stringify(settings));
    const service = await createAppService({ dataDir: dir, mode: 'headless' });
    try {
      const loaded = await service.getSettings();
      assert.deepEqual(loaded.profiles.map((profile) => profile.id), ['work']);
      assert.equal(loaded.defaultProfileId, 'work');
      assert.deepEqual(loaded.general.excludes, ['*.tmp'], 'valid options are kept');
      assert.equal(loaded.general.concurrency, 4, 'the invalid option falls back to its default');
      const message = (await service.getSnapshot()).errors.find((error) => error.code === 'SettingsFileDamaged')?.message ?? '';
      assert.match(message, /profiles #2 "Broken" \(missing bucket\)/);
      assert.match(message, /general\.concurrency \(99 is above 32\)/);
      const kept = (await readdir(dir)).filter((name) => name.startsWith('settings.json.corrupt-'));
      assert.deepEqual(await readJson(path.join(dir, kept[0]!)), settings);
    } finally {
      await service.close();
    }
  });
});
