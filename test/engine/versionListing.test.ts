/** ListObjectVersions on the engine: order, every marker with small max-keys, delimiter roll-ups, url encoding, a marker whose version was deleted. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestEngine } from './engineClient.ts';
import { listedVersions, type ListedVersion } from './listedVersions.ts';

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const prefixesOf = (xml: string): string[] => [...xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((match) => match[1]!);

describe('engine ListObjectVersions', () => {
  let t: TestEngine;
  let all: ListedVersion[];

  before(async () => {
    t = await TestEngine.start();
    await t.request({ method: 'PUT', key: 'a/old', body: 'written before versioning' });
    await t.request({ method: 'PUT', query: [['versioning', '']], body: '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>' });
    // Keys in byte order a/1 < a/2 < a/old < b < c/x < d, with several versions and markers each.
    for (const key of ['a/1', 'a/2', 'b', 'c/x', 'd']) {
      for (let version = 0; version < 3; version++) await t.request({ method: 'PUT', key, body: `${key} v${version}` });
    }
    await t.request({ method: 'DELETE', key: 'b' });
    await t.request({ method: 'PUT', key: 'a/old', body: 'a versioned overwrite' });
    all = listedVersions((await t.request({ query: [['versions', '']] })).text);
  });
  after(async () => {
    await t.close();
  });

  it('lists keys ascending, newest first within a key, markers interleaved, one latest entry per key', () => {
    assert.deepEqual(all.map((entry) => entry.key), ['a/1', 'a/1', 'a/1', 'a/2', 'a/2', 'a/2', 'a/old', 'a/old', 'b', 'b', 'b', 'b', 'c/x', 'c/x', 'c/x', 'd', 'd', 'd']);
    assert.deepEqual(all.filter((entry) => entry.key === 'b').map((entry) => entry.kind), ['DeleteMarker', 'Version', 'Version', 'Version']);
    assert.equal(all.find((entry) => entry.key === 'a/old' && !entry.isLatest)?.versionId, 'null');
    for (const key of new Set(all.map((entry) => entry.key))) {
      const entries = all.filter((entry) => entry.key === key);
      assert.deepEqual(entries.map((entry) => entry.isLatest), entries.map((_, index) => index === 0), `only the newest version of ${key} is latest`);
    }
  });

  for (const maxKeys of [1, 2, 5]) {
    it(`pages with max-keys=${maxKeys} through NextKeyMarker and NextVersionIdMarker to the same sequence`, async () => {
      const seen: ListedVersion[] = [];
      let keyMarker = '';
      let versionIdMarker = '';
      let pages = 0;
      for (;;) {
        const xml = (await t.request({ query: [['versions', ''], ['max-keys', String(maxKeys)], ['key-marker', keyMarker], ['version-id-marker', versionIdMarker]] })).text;
        pages++;
        const entries = listedVersions(xml);
        assert.ok(entries.length <= maxKeys);
        assert.equal(tag(xml, 'KeyMarker') ?? '', keyMarker, 'the request markers are echoed');
        seen.push(...entries);
        if (tag(xml, 'IsTruncated') !== 'true') {
          assert.equal(tag(xml, 'NextKeyMarker'), undefined);
          break;
        }
        assert.equal(entries.length, maxKeys, 'a truncated page is full');
        keyMarker = tag(xml, 'NextKeyMarker')!;
        versionIdMarker = tag(xml, 'NextVersionIdMarker')!;
        assert.equal(keyMarker, entries.at(-1)!.key);
        assert.equal(versionIdMarker, entries.at(-1)!.versionId);
        assert.ok(pages < 100);
      }
      assert.deepEqual(seen, all);
    });
  }

  it('rolls keys up at the delimiter; common prefixes count toward max-keys and page with NextKeyMarker alone', async () => {
    const whole = (await t.request({ query: [['versions', ''], ['delimiter', '/']] })).text;
    assert.deepEqual(prefixesOf(whole), ['a/', 'c/']);
    assert.deepEqual([...new Set(listedVersions(whole).map((entry) => entry.key))], ['b', 'd']);
    const seen: string[] = [];
    let keyMarker = '';
    let versionIdMarker = '';
    for (let page = 0; page < 50; page++) {
      const xml = (await t.request({ query: [['versions', ''], ['delimiter', '/'], ['max-keys', '2'], ['key-marker', keyMarker], ['version-id-marker', versionIdMarker]] })).text;
      seen.push(...prefixesOf(xml).map((prefix) => `prefix:${prefix}`), ...listedVersions(xml).map((entry) => `${entry.key}:${entry.versionId}`));
      if (tag(xml, 'IsTruncated') !== 'true') break;
      keyMarker = tag(xml, 'NextKeyMarker')!;
      versionIdMarker = tag(xml, 'NextVersionIdMarker') ?? '';
    }
    const expected = ['prefix:a/', 'prefix:c/', ...all.filter((entry) => !entry.key.includes('/')).map((entry) => `${entry.key}:${entry.versionId}`)];
    assert.deepEqual(seen.sort(), expected.sort());
    const inside = (await t.request({ query: [['versions', ''], ['prefix', 'a/'], ['delimiter', '/']] })).text;
    assert.deepEqual(prefixesOf(inside), []);
    assert.deepEqual(listedVersions(inside), all.filter((entry) => entry.key.startsWith('a/')));
  });

  it('resumes after a marker version that was deleted between pages', async () => {
    const first = (await t.request({ query: [['versions', ''], ['prefix', 'c/'], ['max-keys', '1']] })).text;
    const marker = tag(first, 'NextVersionIdMarker')!;
    await t.request({ method: 'DELETE', key: 'c/x', query: [['versionId', marker]] });
    const rest = listedVersions((await t.request({ query: [['versions', ''], ['prefix', 'c/'], ['key-marker', 'c/x'], ['version-id-marker', marker]] })).text);
    assert.deepEqual(rest, all.filter((entry) => entry.key === 'c/x').slice(1).map((entry, index) => ({ ...entry, isLatest: index === 0 })));
  });

  it('percent-encodes keys and markers with encoding-type=url; refuses bad parameters', async () => {
    await t.request({ method: 'PUT', key: 'enc/a b+c', body: 'x' });
    const xml = (await t.request({ query: [['versions', ''], ['prefix', 'enc/'], ['encoding-type', 'url']] })).text;
    assert.match(xml, /<Key>enc\/a%20b%2Bc<\/Key>/);
    assert.match(xml, /<EncodingType>url<\/EncodingType>/);
    const orphanMarker = await t.request({ query: [['versions', ''], ['version-id-marker', all[0]!.versionId]] });
    assert.equal(orphanMarker.status, 400, 'version-id-marker needs key-marker');
    const badMax = await t.request({ query: [['versions', ''], ['max-keys', 'lots']] });
    assert.equal(badMax.status, 400);
    const empties = await t.request({ query: [['versions', ''], ['prefix', ''], ['delimiter', ''], ['key-marker', ''], ['version-id-marker', ''], ['max-keys', '1000']] });
    assert.equal(empties.status, 200, 'empty parameters read as absent (the Python SDK sends them all)');
  });
});
