/** Keyring on a real temp folder: file modes, atomic rewrites, rotation by hand and by age, removal rules, KMS keys. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fixedClock } from '../../core/common/clock.ts';
import { DEFAULT_ROTATION_AGE_MS, KEYRING_FILE, Keyring, MASTER_KEY_ID, writeFileAtomic } from '../../core/crypto/index.ts';

const DAY = 24 * 60 * 60 * 1000;
let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cos-sync-keyring-'));
  dir = path.join(root, 'keys');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

describe('Keyring', () => {
  it('creates dir 0700 and keyring.json 0600 with one active version', async () => {
    const clock = fixedClock(Date.UTC(2026, 0, 1));
    const keyring = await Keyring.open(dir, { clock });
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await modeOf(path.join(dir, KEYRING_FILE)), 0o600);
    const active = keyring.active();
    assert.equal(active.id, MASTER_KEY_ID);
    assert.equal(active.version, 1);
    assert.equal(active.key.length, 32);
    assert.deepEqual(keyring.versions(), [{ keyId: MASTER_KEY_ID, version: 1, createdAt: Date.UTC(2026, 0, 1), state: 'active' }]);
    const json = JSON.parse(await readFile(path.join(dir, KEYRING_FILE), 'utf8'));
    assert.equal(json.format, 1);
    assert.equal(Buffer.from(json.master[0].key, 'base64').length, 32);
    assert.equal(json.master[0].createdAt, '2026-01-01T00:00:00.000Z');
  });

  it('uses the injected random source and reloads the same keys', async () => {
    let counter = 0;
    const random = (size: number) => Buffer.alloc(size, ++counter);
    const keyring = await Keyring.open(dir, { random });
    assert.deepEqual(keyring.active().key, Buffer.alloc(32, 1));
    await keyring.rotate();
    const reopened = await Keyring.open(dir);
    assert.deepEqual(reopened.get(1)?.key, Buffer.alloc(32, 1));
    assert.deepEqual(reopened.active().key, Buffer.alloc(32, 2));
    assert.equal(reopened.active().version, 2);
  });

  it('rotates: new active version, previous retired but still readable', async () => {
    const keyring = await Keyring.open(dir);
    const first = keyring.active();
    const second = await keyring.rotate();
    assert.equal(second.version, 2);
    assert.notDeepEqual(second.key, first.key);
    assert.deepEqual(keyring.active(), second);
    assert.deepEqual(keyring.get(1)?.key, first.key);
    assert.deepEqual(
      keyring.versions().map((v) => [v.version, v.state]),
      [
        [1, 'retired'],
        [2, 'active'],
      ],
    );
    assert.equal(keyring.get(3), undefined);
  });

  it('rewrites atomically: no temp files left, modes kept, stale temp files swept on open', async () => {
    const keyring = await Keyring.open(dir);
    await Promise.all([keyring.rotate(), keyring.rotate(), keyring.rotate()]);
    assert.equal(keyring.active().version, 4, 'concurrent rotations are serialized');
    assert.deepEqual(await readdir(dir), [KEYRING_FILE]);
    assert.equal(await modeOf(path.join(dir, KEYRING_FILE)), 0o600);
    await writeFile(path.join(dir, `.${KEYRING_FILE}.abc123.tmp`), 'partial');
    const reopened = await Keyring.open(dir);
    assert.equal(reopened.active().version, 4);
    assert.deepEqual(await readdir(dir), [KEYRING_FILE]);
  });

  it('tightens loose permissions on open', async () => {
    await Keyring.open(dir);
    await chmod(dir, 0o755);
    await chmod(path.join(dir, KEYRING_FILE), 0o644);
    await Keyring.open(dir);
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await modeOf(path.join(dir, KEYRING_FILE)), 0o600);
  });

  it('keeps its state and leaves no temp file when a write fails', async () => {
    const keyring = await Keyring.open(dir);
    const file = path.join(dir, KEYRING_FILE);
    // A non-empty directory in place of keyring.json makes the rename fail, even for root.
    await rm(file);
    await mkdir(path.join(file, 'blocker'), { recursive: true });
    await assert.rejects(keyring.rotate());
    assert.equal(keyring.active().version, 1, 'in-memory state unchanged after a failed write');
    assert.deepEqual(await readdir(dir), [KEYRING_FILE]);
    await rm(file, { recursive: true });
    assert.equal((await keyring.rotate()).version, 2, 'the next change succeeds');
    assert.equal((await Keyring.open(dir)).active().version, 2);
  });

  it('writeFileAtomic replaces content whole and keeps mode 0600', async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'state.json');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'new content');
    assert.equal(await readFile(file, 'utf8'), 'new content');
    assert.equal(await modeOf(file), 0o600);
    assert.deepEqual(await readdir(dir), ['state.json']);
  });

  it('refuses to remove the active version and removes retired ones', async () => {
    const keyring = await Keyring.open(dir);
    await assert.rejects(keyring.remove(1), { code: 'KeyInUse' });
    await keyring.rotate();
    await assert.rejects(keyring.remove(2), { code: 'KeyInUse' });
    await keyring.remove(1);
    assert.equal(keyring.get(1), undefined);
    await assert.rejects(keyring.remove(1), { code: 'KeyNotFound' });
    assert.deepEqual(
      (await Keyring.open(dir)).versions().map((v) => v.version),
      [2],
    );
    assert.equal((await keyring.rotate()).version, 3, 'versions keep increasing after removal');
  });

  it('rotates by age with an injected clock (default 90 days)', async () => {
    const clock = fixedClock(Date.UTC(2026, 0, 1));
    const keyring = await Keyring.open(dir, { clock });
    assert.equal(await keyring.rotateIfOlderThan(), undefined);
    clock.advance(DEFAULT_ROTATION_AGE_MS - 1);
    assert.equal(await keyring.rotateIfOlderThan(), undefined);
    clock.advance(1);
    const rotated = await keyring.rotateIfOlderThan();
    assert.equal(rotated?.version, 2);
    assert.equal(keyring.versions()[1]?.createdAt, Date.UTC(2026, 0, 1) + 90 * DAY);
    assert.equal(await keyring.rotateIfOlderThan(), undefined, 'the new version is fresh');
    clock.advance(7 * DAY);
    assert.equal((await keyring.rotateIfOlderThan(7 * DAY))?.version, 3);
    clock.advance(8 * DAY);
    const [first, second] = await Promise.all([keyring.rotateIfOlderThan(7 * DAY), keyring.rotateIfOlderThan(7 * DAY)]);
    assert.equal(first?.version, 4);
    assert.equal(second, undefined, 'a concurrent check sees the fresh version and does not rotate twice');
    await assert.rejects(keyring.rotateIfOlderThan(-1), { code: 'InvalidArgument' });
  });

  it('creates named KMS keys on demand, rotates them separately and persists them', async () => {
    const keyring = await Keyring.open(dir);
    await assert.rejects(keyring.kmsKey('kms-0a1b2c'), { code: 'KeyNotFound' });
    const created = await keyring.kmsKey('kms-0a1b2c', true);
    assert.equal(created.id, 'kms-0a1b2c');
    assert.equal(created.version, 1);
    assert.deepEqual(await keyring.kmsKey('kms-0a1b2c', true), created, 'creating twice returns the same key');
    const rotated = await keyring.rotate('kms-0a1b2c');
    assert.equal(rotated.version, 2);
    assert.equal(keyring.active().version, 1, 'the SSE-COS master key is untouched');
    const reopened = await Keyring.open(dir);
    assert.deepEqual(reopened.keyIds(), [MASTER_KEY_ID, 'kms-0a1b2c']);
    assert.deepEqual(reopened.get(1, 'kms-0a1b2c')?.key, created.key);
    assert.equal(reopened.active('kms-0a1b2c').version, 2);
    await assert.rejects(keyring.kmsKey('bad.id', true), { code: 'InvalidArgument' });
    await assert.rejects(keyring.kmsKey(MASTER_KEY_ID, true), { code: 'InvalidArgument' });
    assert.throws(() => keyring.active('missing'), { code: 'KeyNotFound' });
  });

  it('refuses a corrupt keyring file', async () => {
    await Keyring.open(dir);
    const file = path.join(dir, KEYRING_FILE);
    const good = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, '{not json');
    await assert.rejects(Keyring.open(dir), { code: 'KeyringCorrupt' });
    await writeFile(file, JSON.stringify({ ...good, master: [{ ...good.master[0], state: 'retired' }] }));
    await assert.rejects(Keyring.open(dir), { code: 'KeyringCorrupt' });
    await writeFile(file, JSON.stringify({ ...good, master: [{ ...good.master[0], key: randomBytes(16).toString('base64') }] }));
    await assert.rejects(Keyring.open(dir), { code: 'KeyringCorrupt' });
  });
});
