/** GET Bucket listings: prefix, delimiter, marker paging, UTF-8 byte order, encoding-type=url, max-keys, ListObjectsV2, 10,000 keys. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestEngine } from './engineClient.ts';

const keysOf = (xml: string): string[] => [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]!);
const prefixesOf = (xml: string): string[] => [...xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)].map((match) => match[1]!);

describe('engine listing', () => {
  let t: TestEngine;
  before(async () => {
    t = await TestEngine.start();
    for (const key of ['a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'z', '\u00e9', '\u{1F600}', '\uFF21', 'sp ace']) await t.request({ method: 'PUT', key, body: key });
  });
  after(async () => {
    await t.close();
  });

  it('sorts keys in UTF-8 byte order', async () => {
    const res = await t.request({ query: [['prefix', '']] });
    const keys = keysOf(res.text);
    const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(keys, sorted);
    assert.deepEqual(keys.slice(-3), ['\u00e9', '\uFF21', '\u{1F600}']);
  });

  it('rolls up common prefixes and pages with marker / NextMarker', async () => {
    const res = await t.request({ query: [['prefix', ''], ['delimiter', '/']] });
    assert.deepEqual(prefixesOf(res.text), ['a/', 'c/']);
    assert.deepEqual(keysOf(res.text), ['b', 'sp ace', 'z', '\u00e9', '\uFF21', '\u{1F600}']);
    const seen: string[] = [];
    let marker = '';
    for (let page = 0; page < 20; page++) {
      const body = (await t.request({ query: [['delimiter', '/'], ['max-keys', '2'], ['marker', marker]] })).text;
      seen.push(...prefixesOf(body), ...keysOf(body));
      if (!body.includes('<IsTruncated>true</IsTruncated>')) break;
      marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(body)![1]!;
    }
    assert.deepEqual(seen.sort(), ['a/', 'b', 'c/', 'sp ace', 'z', '\u00e9', '\uFF21', '\u{1F600}'].sort());
    const sub = await t.request({ query: [['prefix', 'a/'], ['delimiter', '/']] });
    assert.deepEqual(keysOf(sub.text), ['a/1', 'a/2']);
    assert.deepEqual(prefixesOf(sub.text), ['a/b/']);
  });

  it('url-encodes with encoding-type=url and validates parameters', async () => {
    const res = await t.request({ query: [['prefix', 'sp'], ['encoding-type', 'url']] });
    assert.match(res.text, /<EncodingType>url<\/EncodingType>/);
    assert.deepEqual(keysOf(res.text), ['sp%20ace']);
    assert.equal((await t.request({ query: [['max-keys', 'x']] })).status, 400);
    assert.equal((await t.request({ query: [['encoding-type', 'base64']] })).status, 400);
  });

  it('answers ListObjectsV2 with continuation tokens', async () => {
    const all: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 20; page++) {
      const query: [string, string][] = [['list-type', '2'], ['max-keys', '3']];
      if (token) query.push(['continuation-token', token]);
      const body = (await t.request({ query })).text;
      assert.match(body, /<KeyCount>\d+<\/KeyCount>/);
      all.push(...keysOf(body));
      token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(body)?.[1];
      if (!token) break;
    }
    assert.equal(all.length, 10);
  });

  it('lists 10,000 keys in pages of 1000', async () => {
    const bucket = 'many-1250000000';
    await t.request({ method: 'PUT', bucket });
    const keys = Array.from({ length: 10_000 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 200) await Promise.all(keys.slice(i, i + 200).map((key) => t.request({ method: 'PUT', bucket, key, body: '' })));
    let marker = '';
    let count = 0;
    for (;;) {
      const body = (await t.request({ bucket, query: [['marker', marker]] })).text;
      count += keysOf(body).length;
      if (!body.includes('<IsTruncated>true</IsTruncated>')) break;
      marker = /<NextMarker>([^<]*)<\/NextMarker>/.exec(body)![1]!;
    }
    assert.equal(count, 10_000);
  });
});
