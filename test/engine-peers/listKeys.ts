/** Lists every key under a prefix with our own signed GET Bucket requests (follows NextMarker pages). */
import assert from 'node:assert/strict';
import { cosRequest, type CosTarget } from './cosRequest.ts';

/** Key → size of every object under `prefix`, across all pages. */
export async function listKeys(target: CosTarget, prefix = ''): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let marker = '';
  for (;;) {
    const query: [string, string][] = [['prefix', prefix], ['max-keys', '1000']];
    if (marker) query.push(['marker', marker]);
    const response = await cosRequest(target, { method: 'GET', query });
    assert.equal(response.status, 200, `GET Bucket: ${response.body.toString()}`);
    const xml = response.body.toString();
    for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = /<Key>([^<]*)<\/Key>/.exec(match[1]!)?.[1] ?? '';
      const size = Number(/<Size>(\d+)<\/Size>/.exec(match[1]!)?.[1]);
      out.set(decodeXml(key), size);
    }
    if (!/<IsTruncated>true<\/IsTruncated>/.test(xml)) return out;
    const next = /<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1];
    const last = [...out.keys()].at(-1);
    marker = next ? decodeXml(next) : (last ?? '');
    assert.ok(marker, 'a truncated listing names where to continue');
  }
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
