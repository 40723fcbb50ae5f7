/** The AWS CLI and rclone against the engine: versioning (enable, list with small max-keys through every marker, get/delete by version, delete markers, suspend, null version), copies of versions, tagging. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cosRequest, header } from './cosRequest.ts';
import { assertOk, AWS, awsSetup, findBinary, rcloneSetup, runTool, type ToolResult } from './peerTools.ts';
import { makeTempDir, startTestEngine, TEST_BUCKET, type TestEngine } from './startTestEngine.ts';

/** One entry of `list-object-versions` output. */
interface AwsVersion {
  Key: string;
  VersionId: string;
  IsLatest: boolean;
  Size?: number;
}

const json = <T>(result: ToolResult): T => JSON.parse(result.stdout) as T;

describe('S3 command-line peers: versions and tags on the engine', () => {
  let engine: TestEngine;
  let workDir: string;

  before(async () => {
    engine = await startTestEngine();
    workDir = await makeTempDir('cli-versions');
  });
  after(async () => {
    await engine?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const aws = findBinary(AWS);
  it('the AWS CLI: versioning, ListObjectVersions through both markers, versioned get/delete/copy, markers, suspend, null, tags', { skip: aws ? false : `${AWS} is not installed` }, async () => {
    const { env, endpoint } = await awsSetup(path.join(workDir, 'aws'), engine.target, engine.port);
    const s3api = async (what: string, ...args: string[]): Promise<ToolResult> => runTool(aws!, [...endpoint, 's3api', what, '--bucket', TEST_BUCKET, ...args], env);
    const ok = async (what: string, ...args: string[]): Promise<ToolResult> => {
      const result = await s3api(what, ...args);
      assertOk(result, `aws s3api ${what} ${args.join(' ')}`);
      return result;
    };
    const file = async (name: string, content: Buffer): Promise<string> => {
      const target = path.join(workDir, 'aws', name);
      await writeFile(target, content);
      return target;
    };
    // Each CLI start costs a second or more; independent calls run side by side.

    await ok('put-object', '--key', 'aws/doc.bin', '--body', await file('null.bin', Buffer.from('before versioning')));
    await ok('put-bucket-versioning', '--versioning-configuration', 'Status=Enabled');
    assert.equal(json<{ Status: string }>(await ok('get-bucket-versioning')).Status, 'Enabled');
    const contents = new Map<string, Buffer>([['null', Buffer.from('before versioning')]]);
    for (let index = 0; index < 2; index++) {
      const content = randomBytes(5000 + index);
      const put = json<{ VersionId: string; ServerSideEncryption: string }>(
        await ok('put-object', '--key', 'aws/doc.bin', '--body', await file(`v${index}.bin`, content), '--server-side-encryption', 'AES256'));
      assert.match(put.VersionId, /^[0-9a-f]{32}$/);
      assert.equal(put.ServerSideEncryption, 'AES256');
      contents.set(put.VersionId, content);
    }
    await ok('put-object', '--key', 'aws/other.txt', '--body', await file('other.txt', Buffer.from('other')), '--tagging', 'team=storage&stage=test');

    // Explicit paging with --max-keys 2: every request after the first carries key-marker and version-id-marker.
    const paged: AwsVersion[] = [];
    let markers: string[] = [];
    let pages = 0;
    for (; pages < 10; pages++) {
      const answer = json<{ Versions?: AwsVersion[]; IsTruncated: boolean; NextKeyMarker?: string; NextVersionIdMarker?: string }>(
        await ok('list-object-versions', '--prefix', 'aws/', '--max-keys', '2', '--no-paginate', ...markers));
      paged.push(...(answer.Versions ?? []));
      if (!answer.IsTruncated) break;
      markers = ['--key-marker', answer.NextKeyMarker!, '--version-id-marker', answer.NextVersionIdMarker!];
    }
    assert.equal(pages, 1, 'two pages: the second resumed from both markers');
    assert.deepEqual(paged.map((entry) => [entry.Key, entry.VersionId === 'null' ? 'null' : 'id', entry.IsLatest]), [
      ['aws/doc.bin', 'id', true], ['aws/doc.bin', 'id', false], ['aws/doc.bin', 'null', false], ['aws/other.txt', 'id', true],
    ]);

    const [auto, ...downloads] = await Promise.all([
      // The CLI's own paginator (--page-size 1) follows NextKeyMarker / NextVersionIdMarker to the same list.
      ok('list-object-versions', '--prefix', 'aws/', '--page-size', '1'),
      ...[...contents.keys()].map((versionId) => ok('get-object', '--key', 'aws/doc.bin', '--version-id', versionId, path.join(workDir, 'aws', `out-${versionId}`))),
    ]);
    assert.deepEqual(json<{ Versions: AwsVersion[] }>(auto!).Versions.map((entry) => entry.VersionId), paged.map((entry) => entry.VersionId));
    for (const [index, [versionId, content]] of [...contents].entries()) {
      assert.equal(json<{ VersionId?: string }>(downloads[index]!).VersionId, versionId);
      assert.ok((await readFile(path.join(workDir, 'aws', `out-${versionId}`))).equals(content), `version ${versionId} downloads byte for byte`);
    }

    const marker = json<{ DeleteMarker: boolean; VersionId: string }>(await ok('delete-object', '--key', 'aws/doc.bin'));
    assert.equal(marker.DeleteMarker, true);
    const [head, withMarker] = await Promise.all([s3api('head-object', '--key', 'aws/doc.bin'), ok('list-object-versions', '--prefix', 'aws/doc.bin')]);
    assert.match(head.stderr, /404|Not Found/);
    assert.deepEqual(json<{ DeleteMarkers: AwsVersion[] }>(withMarker).DeleteMarkers.map((entry) => [entry.VersionId, entry.IsLatest]), [[marker.VersionId, true]]);
    const removed = json<{ DeleteMarker?: boolean; VersionId: string }>(await ok('delete-object', '--key', 'aws/doc.bin', '--version-id', marker.VersionId));
    assert.deepEqual([removed.DeleteMarker, removed.VersionId], [true, marker.VersionId]);
    const oldest = [...contents.keys()][1]!;
    await ok('delete-object', '--key', 'aws/doc.bin', '--version-id', oldest);
    const [back, gone, malformed] = await Promise.all([
      s3api('head-object', '--key', 'aws/doc.bin'),
      s3api('get-object', '--key', 'aws/doc.bin', '--version-id', oldest, path.join(workDir, 'aws', 'gone')),
      s3api('head-object', '--key', 'aws/doc.bin', '--version-id', 'not-a-version'),
    ]);
    assertOk(back, 'head after removing the marker');
    assert.match(gone.stderr, /NoSuchVersion/);
    assert.match(malformed.stderr, /400|Bad Request/, 'a malformed version id is InvalidArgument for S3 clients');

    const copied = json<{ CopySourceVersionId: string }>(await ok('copy-object', '--key', 'aws/doc.bin', '--copy-source', `${TEST_BUCKET}/aws/doc.bin?versionId=null`));
    assert.equal(copied.CopySourceVersionId, 'null');
    await ok('put-bucket-versioning', '--versioning-configuration', 'Status=Suspended');
    const suspended = json<{ VersionId?: string }>(await ok('put-object', '--key', 'aws/doc.bin', '--body', await file('s.bin', Buffer.from('suspended'))));
    assert.equal(suspended.VersionId, 'null');
    const [status, afterSuspend] = await Promise.all([ok('get-bucket-versioning'), ok('list-object-versions', '--prefix', 'aws/doc.bin')]);
    assert.equal(json<{ Status: string }>(status).Status, 'Suspended');
    const versions = json<{ Versions: AwsVersion[] }>(afterSuspend).Versions;
    assert.deepEqual(versions.map((entry) => entry.VersionId === 'null' ? 'null' : 'id'), ['null', 'id', 'id'],
      'the suspended write replaced the null version; the restore copy and the newer version stay');

    // Tags.
    const [tags, tagCount, retag] = await Promise.all([
      ok('get-object-tagging', '--key', 'aws/other.txt'),
      ok('get-object', '--key', 'aws/other.txt', path.join(workDir, 'aws', 'tagged-out')),
      ok('put-object-tagging', '--key', 'aws/doc.bin', '--version-id', versions[1]!.VersionId, '--tagging', 'TagSet=[{Key=stage,Value=prod}]'),
    ]);
    assert.deepEqual(json<{ TagSet: unknown[] }>(tags).TagSet, [{ Key: 'stage', Value: 'test' }, { Key: 'team', Value: 'storage' }]);
    assert.equal(json<{ TagCount?: number }>(tagCount).TagCount, 2);
    assert.equal(json<{ VersionId: string }>(retag).VersionId, versions[1]!.VersionId);
    const [versionTags, tooMany] = await Promise.all([
      ok('get-object-tagging', '--key', 'aws/doc.bin', '--version-id', versions[1]!.VersionId),
      s3api('put-object-tagging', '--key', 'aws/other.txt', '--tagging', `TagSet=[${Array.from({ length: 11 }, (_, index) => `{Key=k${index},Value=v}`).join(',')}]`),
    ]);
    assert.deepEqual(json<{ TagSet: unknown[] }>(versionTags).TagSet, [{ Key: 'stage', Value: 'prod' }]);
    assert.match(tooMany.stderr, /InvalidTag/);
    await ok('delete-object-tagging', '--key', 'aws/other.txt');
    assert.deepEqual(json<{ TagSet: unknown[] }>(await ok('get-object-tagging', '--key', 'aws/other.txt')).TagSet, []);
  });

  const rclone = findBinary('rclone');
  it('rclone: backend versioning, --s3-versions listings with --s3-list-chunk 1, old versions read back, delete markers, cleanup-hidden, suspend', { skip: rclone ? false : 'rclone is not installed' }, async () => {
    const bucket = 'rclone-1250000000';
    assert.equal((await cosRequest({ ...engine.target, bucket }, { method: 'PUT' })).status, 200);
    const { env, base } = await rcloneSetup(path.join(workDir, 'rclone'), engine.target, engine.port, ['server_side_encryption = AES256']);
    const run = async (what: string, ...args: string[]): Promise<ToolResult> => {
      const result = await runTool(rclone!, [...base, ...args], env);
      assertOk(result, `rclone ${what}`);
      return result;
    };
    const remote = `engine:${bucket}`;
    assert.equal((await run('versioning status', 'backend', 'versioning', remote)).stdout.trim(), 'Unversioned');
    assert.equal((await run('versioning Enabled', 'backend', 'versioning', remote, 'Enabled')).stdout.trim(), 'Enabled');

    const local = path.join(workDir, 'rclone', 'f.txt');
    await mkdir(path.dirname(local), { recursive: true });
    const contents = ['first version', 'second, longer version', 'third and current version!'].map((text) => Buffer.from(text));
    for (const content of contents) {
      await writeFile(local, content);
      await run('copyto', 'copyto', local, `${remote}/dir/f.txt`);
    }
    await run('copyto other', 'copyto', local, `${remote}/dir/g.txt`);
    const lsVersions = async (): Promise<[string, number][]> => (await run('ls --s3-versions', 'ls', '--s3-versions', '--s3-list-chunk', '1', remote)).stdout.trim().split('\n')
      .filter((line) => line.trim() !== '').map((line) => /^\s*(\d+) (.+)$/.exec(line)!).map((match) => [match[2]!, Number(match[1])]);
    const versions = await lsVersions();
    assert.equal(versions.length, 4, `three versions of f.txt and g.txt, listed one per page: ${JSON.stringify(versions)}`);
    const old = versions.filter(([name]) => /^dir\/f-v\d{4}-\d{2}-\d{2}-\d{6}-\d{3}\.txt$/.test(name)).sort(([, a], [, b]) => a - b);
    assert.deepEqual(old.map(([, size]) => size), [contents[0]!.length, contents[1]!.length], 'old versions appear with their sizes under versioned names');
    // rclone 1.60 resolves a versioned name given as a path only at the bucket root; a directory copy reads every version by id.
    const out = path.join(workDir, 'rclone', 'versions-out');
    await run('copy --s3-versions', 'copy', '--s3-versions', `${remote}/dir`, out);
    for (const [index, [name]] of old.entries()) {
      assert.ok((await readFile(path.join(out, path.basename(name)))).equals(contents[index]!), `${name} comes back with the version's bytes`);
    }
    assert.ok((await readFile(path.join(out, 'f.txt'))).equals(contents[2]!));

    await run('deletefile', 'deletefile', `${remote}/dir/f.txt`);
    const head = await cosRequest({ ...engine.target, bucket }, { method: 'HEAD', key: 'dir/f.txt' });
    assert.equal(head.status, 404);
    assert.equal(header(head, 'x-cos-delete-marker'), 'true', 'rclone deletefile left a delete marker');
    assert.deepEqual((await run('ls', 'ls', remote)).stdout.trim().split('\n').map((line) => line.trim()), [`${contents[2]!.length} dir/g.txt`]);
    assert.equal((await lsVersions()).length, 4, 'every version is still there under the marker');

    await run('cleanup-hidden', 'backend', 'cleanup-hidden', remote);
    const left = (await cosRequest({ ...engine.target, bucket }, { method: 'GET', query: [['versions', '']] })).body.toString();
    assert.doesNotMatch(left, /<Key>dir\/f\.txt<\/Key>/, 'cleanup-hidden removed every old version and marker of f.txt by version id');
    assert.match(left, /<Key>dir\/g\.txt<\/Key>/);

    assert.equal((await run('versioning Suspended', 'backend', 'versioning', remote, 'Suspended')).stdout.trim(), 'Suspended');
    await writeFile(local, 'written while suspended');
    await run('copyto suspended', 'copyto', local, `${remote}/dir/g.txt`);
    const suspended = (await cosRequest({ ...engine.target, bucket }, { method: 'GET', query: [['versions', ''], ['prefix', 'dir/g.txt']] })).body.toString();
    const ids = [...suspended.matchAll(/<VersionId>([^<]+)<\/VersionId>/g)].map((match) => match[1]!);
    assert.equal(ids.length, 2);
    assert.match(ids[1]!, /^[0-9a-f]{32}$/, 'the version written while Enabled stays');
    assert.match(suspended, /<VersionId>null<\/VersionId><IsLatest>true<\/IsLatest>/, 'a write while suspended is the null version');
  });
});
