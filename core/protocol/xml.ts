/** COS XML bodies (cos-api.md §3): one import point for every parse/build function, plus root detection. */

export { DEFAULT_XML_LIMIT, type XmlParseOptions } from './xmlCodec.ts';
export { readXmlDocument } from './xmlDocument.ts';
export * from './xmlBodies/listObjects.ts';
export * from './xmlBodies/listBuckets.ts';
export * from './xmlBodies/multipartUpload.ts';
export * from './xmlBodies/multipartListings.ts';
export * from './xmlBodies/copyResults.ts';
export * from './xmlBodies/deleteObjects.ts';
export * from './xmlBodies/encryptionConfiguration.ts';
export * from './xmlBodies/versioningConfiguration.ts';
export * from './xmlBodies/listVersions.ts';
export * from './xmlBodies/objectTagging.ts';
export * from './xmlBodies/lifecycleConfiguration.ts';
export { decodeListingValue, encodeListingValue } from './xmlBodies/urlEncoding.ts';

/**
 * The name of the first element of an XML text (namespace prefix removed), skipping leading whitespace, a BOM,
 * the XML declaration, processing instructions and comments; `undefined` when there is none. Cheap: use it to
 * spot a 200 response whose body is `<Error>` before choosing a parser.
 */
export function xmlRootName(text: string | Uint8Array): string | undefined {
  let rest: string;
  if (typeof text === 'string') rest = text;
  else {
    let start = 0;
    while (start < text.length && (text[start] === 0x20 || text[start] === 0x0a || text[start] === 0x0d || text[start] === 0x09)) start++;
    rest = new TextDecoder().decode(text.subarray(start, start + 64 * 1024));
  }
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('<?')) {
      const end = rest.indexOf('?>');
      if (end < 0) return undefined;
      rest = rest.slice(end + 2);
    } else if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->');
      if (end < 0) return undefined;
      rest = rest.slice(end + 3);
    } else {
      const match = /^<([A-Za-z_][\w.:-]*)/.exec(rest);
      if (!match) return undefined;
      const name = match[1]!;
      return name.slice(name.indexOf(':') + 1);
    }
  }
}
