/** Reads a COS XML body with an expected root element, turning every failure into a CosError. */
import { CosError, cosError, parseErrorXml } from './cosError.ts';
import { errorStatus } from './errorCodes.ts';
import { asNode, parseXmlTree, XmlSyntaxError, type XmlNode, type XmlParseOptions } from './xmlCodec.ts';

/**
 * Parses `input` and returns the content of its root, which must be one of `roots`. Throws CosError
 * `XMLSizeLimit` (over `options.maxBytes`), `MalformedXML` (not well-formed, or another root), or — when the root
 * is `<Error>` (COS's 200-with-error on copy and complete) — the CosError that document describes.
 */
export function readXmlDocument(input: string | Uint8Array, roots: readonly string[], options?: XmlParseOptions): { root: string; node: XmlNode } {
  let parsed: ReturnType<typeof parseXmlTree>;
  try {
    parsed = parseXmlTree(input, options);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw cosError(error.kind === 'tooLarge' ? 'XMLSizeLimit' : 'MalformedXML', error.message, { cause: error });
    throw error;
  }
  if (roots.includes(parsed.root)) return { root: parsed.root, node: asNode(parsed.node) };
  if (parsed.root === 'Error') {
    const document = parseErrorXml(input, options);
    if (document?.code) {
      const { code, message, ...ids } = document;
      throw new CosError({ code, status: errorStatus(code) ?? 500, message: message || undefined, ...ids });
    }
  }
  throw cosError('MalformedXML', `Expected <${roots.join('> or <')}> but the document's root is <${parsed.root}>.`);
}
