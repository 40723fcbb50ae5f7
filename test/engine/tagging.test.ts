/** Object tagging on the engine: ?tagging per version, x-cos-tagging on PUT / Initiate / Copy (with the directive), limits, tag counts. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../core/common/clock.ts';
import { TestEngine, type TestResponse } from './engineClient.ts';

const tagsOf = (xml: string): string[] => [...xml.matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((match) => `${match[1]}=${match[2]}`);
const tagging = (pairs: [string, string][]): string =>
  `<Tagging><TagSet>${pairs.map(([key, value]) => `<Tag><Key>${key}</Key><Value>${value}</Value></Tag>`).join('')}</TagSet></Tagging>`;
const header = (response: TestResponse, name: string): string | undefined => response.headers[name] as string | undefined;

describe('engine object tagging', () => {
  let t: TestEngine;
  const clock = fixedClock(Date.now());
  before(async () => {
    t = await TestEngine.start({ clock });
  });
  after(async () => {
    await t.close();
  });

  it('takes tags from x-cos-tagging on PUT, answers them sorted by key and counts them on GET and HEAD', async () => {
    const put = await t.request({ method: 'PUT', key: 'tagged.txt', body: 'x', headers: { 'x-cos-tagging': 'project=alpha&owner=team%20b&empty' } });
    assert.equal(put.status, 200);
    const got = await t.request({ key: 'tagged.txt', query: [['tagging', '']] });
    assert.equal(got.status, 200);
    assert.deepEqual(tagsOf(got.text), ['empty=', 'owner=team b', 'project=alpha']);
    assert.equal(header(await t.request({ method: 'HEAD', key: 'tagged.txt' }), 'x-cos-tagging-count'), '3');
    assert.equal(header(await t.request({ key: 'tagged.txt' }), 'x-cos-tagging-count'), '3');
    const plain = await t.request({ method: 'PUT', key: 'untagged.txt', body: 'y' });
    assert.equal(header(plain, 'x-cos-tagging-count'), undefined);
    const none = await t.request({ key: 'untagged.txt', query: [['tagging', '']] });
    assert.equal(none.status, 200);
    assert.match(none.text, /<Tagging><TagSet><\/TagSet><\/Tagging>|<Tagging><TagSet\/><\/Tagging>/, 'an untagged object has an empty TagSet');
  });

  it('PUT ?tagging replaces the set without a new version or a new Last-Modified; DELETE ?tagging empties it', async () => {
    const earlier = header(await t.request({ method: 'HEAD', key: 'tagged.txt' }), 'last-modified');
    clock.advance(5000);
    const put = await t.request({ method: 'PUT', key: 'tagged.txt', query: [['tagging', '']], body: tagging([['b', '2'], ['a', '1']]) });
    assert.equal(put.status, 200);
    assert.deepEqual(tagsOf((await t.request({ key: 'tagged.txt', query: [['tagging', '']] })).text), ['a=1', 'b=2']);
    assert.equal(header(await t.request({ method: 'HEAD', key: 'tagged.txt' }), 'last-modified'), earlier, 'tagging does not touch Last-Modified');
    const removed = await t.request({ method: 'DELETE', key: 'tagged.txt', query: [['tagging', '']] });
    assert.equal(removed.status, 204);
    assert.deepEqual(tagsOf((await t.request({ key: 'tagged.txt', query: [['tagging', '']] })).text), []);
    assert.equal((await t.request({ key: 'nothing-here', query: [['tagging', '']] })).status, 404);
  });

  it('refuses sets beyond the limits and keeps the old set', async () => {
    await t.request({ method: 'PUT', key: 'limits.txt', body: 'z', headers: { 'x-cos-tagging': 'keep=me' } });
    const eleven = Array.from({ length: 11 }, (_, index): [string, string] => [`k${index}`, 'v']);
    const cases: [string, string][] = [
      ['11 tags', tagging(eleven)],
      ['a 129-character key', tagging([['k'.repeat(129), 'v']])],
      ['a 257-character value', tagging([['k', 'v'.repeat(257)]])],
      ['a character outside the set', tagging([['k', 'a*b']])],
      ['a duplicate key', tagging([['k', '1'], ['k', '2']])],
    ];
    for (const [what, body] of cases) {
      const refused = await t.request({ method: 'PUT', key: 'limits.txt', query: [['tagging', '']], body });
      assert.equal(refused.status, 400, what);
      assert.match(refused.text, /<Code>InvalidArgument<\/Code>/, `${what}: COS clients get InvalidArgument`);
    }
    const atLimits = tagging([...Array.from({ length: 9 }, (_, index): [string, string] => [`k${index}`, 'v']), ['k'.repeat(128), 'v'.repeat(256)]]);
    assert.equal((await t.request({ method: 'PUT', key: 'limits.txt', query: [['tagging', '']], body: atLimits })).status, 200, '10 tags, 128/256 characters are fine');
    await t.request({ method: 'PUT', key: 'limits.txt', query: [['tagging', '']], body: tagging([['keep', 'me']]) });
    assert.equal((await t.request({ method: 'PUT', key: 'limits.txt', body: 'z', headers: { 'x-cos-tagging': 'a=*' } })).status, 400, 'the header form has the same limits');
    assert.deepEqual(tagsOf((await t.request({ key: 'limits.txt', query: [['tagging', '']] })).text), ['keep=me']);
    assert.equal((await t.request({ method: 'PUT', key: 'limits.txt', query: [['tagging', '']], body: '<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>' })).status, 400);
  });

  it('tags belong to a version: versionId addresses one, a new version starts with its own tags, delete markers have none', async () => {
    await t.request({ method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    const v1 = header(await t.request({ method: 'PUT', key: 'v.txt', body: '1', headers: { 'x-cos-tagging': 'gen=one' } }), 'x-cos-version-id')!;
    const v2 = header(await t.request({ method: 'PUT', key: 'v.txt', body: '2' }), 'x-cos-version-id')!;
    assert.deepEqual(tagsOf((await t.request({ key: 'v.txt', query: [['tagging', '']] })).text), [], 'the new version inherits nothing');
    const old = await t.request({ key: 'v.txt', query: [['tagging', ''], ['versionId', v1]] });
    assert.deepEqual(tagsOf(old.text), ['gen=one']);
    assert.equal(header(old, 'x-cos-version-id'), v1);
    const tagged = await t.request({ method: 'PUT', key: 'v.txt', query: [['tagging', ''], ['versionId', v1]], body: tagging([['gen', 'first']]) });
    assert.equal(header(tagged, 'x-cos-version-id'), v1);
    assert.deepEqual(tagsOf((await t.request({ key: 'v.txt', query: [['tagging', ''], ['versionId', v1]] })).text), ['gen=first']);
    assert.deepEqual(tagsOf((await t.request({ key: 'v.txt', query: [['tagging', ''], ['versionId', v2]] })).text), []);
    const marker = header(await t.request({ method: 'DELETE', key: 'v.txt' }), 'x-cos-version-id')!;
    assert.equal((await t.request({ key: 'v.txt', query: [['tagging', '']] })).status, 404, 'the current version is a marker');
    assert.equal((await t.request({ method: 'PUT', key: 'v.txt', query: [['tagging', ''], ['versionId', marker]], body: tagging([['a', 'b']]) })).status, 405);
  });

  it('copies take the source version\'s tags, or x-cos-tagging with x-cos-tagging-directive: Replaced', async () => {
    await t.request({ method: 'PUT', key: 'src.txt', body: 'source', headers: { 'x-cos-tagging': 'from=source' } });
    const source = `${t.bucket}.cos.ap-guangzhou.myqcloud.com/src.txt`;
    await t.request({ method: 'PUT', key: 'copy-default.txt', headers: { 'x-cos-copy-source': source, 'x-cos-tagging': 'ignored=yes' } });
    assert.deepEqual(tagsOf((await t.request({ key: 'copy-default.txt', query: [['tagging', '']] })).text), ['from=source']);
    await t.request({ method: 'PUT', key: 'copy-replaced.txt', headers: { 'x-cos-copy-source': source, 'x-cos-tagging-directive': 'Replaced', 'x-cos-tagging': 'new=set' } });
    assert.deepEqual(tagsOf((await t.request({ key: 'copy-replaced.txt', query: [['tagging', '']] })).text), ['new=set']);
    await t.request({ method: 'PUT', key: 'copy-none.txt', headers: { 'x-cos-copy-source': source, 'x-amz-tagging-directive': 'REPLACE' } });
    assert.deepEqual(tagsOf((await t.request({ key: 'copy-none.txt', query: [['tagging', '']] })).text), []);
    const bad = await t.request({ method: 'PUT', key: 'copy-bad.txt', headers: { 'x-cos-copy-source': source, 'x-cos-tagging-directive': 'Merge' } });
    assert.equal(bad.status, 400);
  });

  it('Initiate Multipart Upload takes x-cos-tagging for the completed object', async () => {
    const init = await t.request({ method: 'POST', key: 'mp.bin', query: [['uploads', '']], headers: { 'x-cos-tagging': 'kind=multipart' } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(init.text)![1]!;
    const part = Buffer.from('one part');
    await t.request({ method: 'PUT', key: 'mp.bin', query: [['partNumber', '1'], ['uploadId', uploadId]], body: part });
    const md5 = createHash('md5').update(part).digest('hex');
    const done = await t.request({
      method: 'POST', key: 'mp.bin', query: [['uploadId', uploadId]],
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5}"</ETag></Part></CompleteMultipartUpload>`,
    });
    assert.equal(done.status, 200, done.text);
    assert.deepEqual(tagsOf((await t.request({ key: 'mp.bin', query: [['tagging', '']] })).text), ['kind=multipart']);
    const refused = await t.request({ method: 'POST', key: 'mp2.bin', query: [['uploads', '']], headers: { 'x-cos-tagging': Array.from({ length: 11 }, (_, index) => `k${index}=v`).join('&') } });
    assert.equal(refused.status, 400);
  });
});
