/** Low-level XML codec on fast-xml-parser: strict parse to a plain tree, build, and typed accessors. */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/** A parsed element: child elements by name; repeated names become arrays; text-only elements are strings. */
export interface XmlNode {
  [name: string]: XmlValue;
}

/** The value of a parsed element or child list. */
export type XmlValue = string | XmlNode | XmlValue[];

/** Default cap on the UTF-8 size of an XML document accepted by {@link parseXmlTree} (8 MiB). */
export const DEFAULT_XML_LIMIT = 8 * 1024 * 1024;

/** Options for parsing. */
export interface XmlParseOptions {
  /** Largest accepted document in UTF-8 bytes. Default {@link DEFAULT_XML_LIMIT}. */
  maxBytes?: number;
}

/** Why {@link parseXmlTree} refused a document. */
export class XmlSyntaxError extends Error {
  /** `tooLarge` when over the size limit, `malformed` otherwise. */
  readonly kind: 'malformed' | 'tooLarge';

  constructor(kind: 'malformed' | 'tooLarge', message: string) {
    super(message);
    this.name = 'XmlSyntaxError';
    this.kind = kind;
  }
}

const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references; leaves unknown references untouched. */
export function decodeXmlText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (match, body: string) => {
    if (body[0] !== '#') return namedEntities[body] ?? match;
    const codePoint = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : match;
  });
}

// Entities are decoded by decodeXmlText (the parser's own processing skips numeric references); whitespace is
// significant inside values (keys may start or end with spaces), so nothing is trimmed.
const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  maxNestedTags: 64,
  jPath: false,
  tagValueProcessor: (_name: string, value: string) => decodeXmlText(value),
});

const builder = new XMLBuilder({ ignoreAttributes: true, processEntities: true, suppressEmptyNode: false, format: false });

/**
 * Parses `input` strictly (well-formedness checked, one root element, no DOCTYPE; leading whitespace and BOM
 * ignored) and returns the root element's name and content, namespace prefixes removed. Whitespace-only text between child elements is dropped; an element with no children is the
 * empty string. Throws {@link XmlSyntaxError}.
 */
export function parseXmlTree(input: string | Uint8Array, options: XmlParseOptions = {}): { root: string; node: XmlValue } {
  const limit = options.maxBytes ?? DEFAULT_XML_LIMIT;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > limit) throw new XmlSyntaxError('tooLarge', `The XML document is ${size} bytes, over the ${limit}-byte limit.`);
  // COS keeps slow responses (Complete) alive with leading whitespace, before the XML declaration.
  const source = (typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input)).trimStart();
  if (/<!DOCTYPE/i.test(source)) throw new XmlSyntaxError('malformed', 'XML documents with a DOCTYPE are not accepted.');
  const valid = XMLValidator.validate(source);
  if (valid !== true) throw new XmlSyntaxError('malformed', `The XML is not well-formed: ${valid.err.msg} (line ${valid.err.line}).`);
  let parsed: unknown;
  try {
    parsed = parser.parse(source);
  } catch (error) {
    throw new XmlSyntaxError('malformed', `The XML could not be parsed: ${(error as Error).message}`);
  }
  const roots = Object.keys(parsed as object).filter((name) => name !== '#text');
  if (roots.length !== 1 || Array.isArray((parsed as XmlNode)[roots[0]!])) {
    throw new XmlSyntaxError('malformed', 'The XML document must have exactly one root element.');
  }
  return { root: roots[0]!, node: (parsed as XmlNode)[roots[0]!]! };
}

/** A plain object tree for the builder: strings, nested objects, arrays of either; `undefined` members are skipped. */
export interface XmlBuildNode {
  [name: string]: string | XmlBuildNode | undefined | (string | XmlBuildNode)[];
}

/**
 * Serialises `{ [root]: body }` without whitespace, escaping text (`&`, `<`, `>`, quotes). Pass `declaration`
 * to prefix `<?xml version="1.0" encoding="UTF-8"?>`. Member order is preserved; `undefined` members are omitted.
 */
export function buildXml(root: string, body: XmlBuildNode, declaration = false): string {
  const xml = builder.build({ [root]: prune(body) }) as string;
  return declaration ? `<?xml version="1.0" encoding="UTF-8"?>${xml}` : xml;
}

function prune(node: XmlBuildNode): XmlBuildNode {
  const out: XmlBuildNode = {};
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) out[name] = value.map((item) => (typeof item === 'string' ? item : prune(item)));
    else out[name] = typeof value === 'string' ? value : prune(value);
  }
  return out;
}

// Typed accessors over parsed trees. They never throw: absent or odd shapes read as empty.

/** The element as an object (a text-only or empty element reads as `{}`). */
export function asNode(value: XmlValue | undefined): XmlNode {
  if (value === undefined || typeof value === 'string') return {};
  if (Array.isArray(value)) return asNode(value[0]);
  return value;
}

/** Every occurrence of child `name`, as an array even when there is one or none. */
export function children(node: XmlNode, name: string): XmlValue[] {
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of the first child `name`, or `undefined` when absent (an element with child elements reads as ''). */
export function optionalText(node: XmlNode, name: string): string | undefined {
  const value = children(node, name)[0];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : '';
}

/** The text of the first child `name`, '' when absent. */
export function text(node: XmlNode, name: string): string {
  return optionalText(node, name) ?? '';
}

/** The text of the first child `name` matched case-sensitively against several spellings. */
export function textOf(node: XmlNode, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = optionalText(node, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** `true` only for the text `true` (any case, surrounding spaces ignored). */
export function bool(node: XmlNode, name: string): boolean {
  return text(node, name).trim().toLowerCase() === 'true';
}

/** The child as a non-negative integer, or `undefined` when absent or not a number. */
export function optionalInt(node: XmlNode, name: string): number | undefined {
  const raw = optionalText(node, name)?.trim();
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The child as a non-negative integer, `fallback` when absent or not a number. */
export function int(node: XmlNode, name: string, fallback = 0): number {
  return optionalInt(node, name) ?? fallback;
}

/** Lowercase `true` / `false`, as COS and the SDK's paginators expect. */
export function xmlBool(value: boolean): string {
  return value ? 'true' : 'false';
}
