/** Object tags: the `Tagging` body (PUT/GET `?tagging`), the `x-cos-tagging` header form, and COS's limits. */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, buildXml, children, optionalText, type XmlParseOptions } from '../xmlCodec.ts';
import { cosError } from '../cosError.ts';

/** One tag. */
export interface ObjectTag {
  key: string;
  value: string;
}

/** Most tags on one object version. */
export const MAX_OBJECT_TAGS = 10;
/** Longest tag key, in characters (S3's 128; COS documents 127–128). */
export const MAX_TAG_KEY_LENGTH = 128;
/** Longest tag value, in characters (S3's 256; COS documents 255–256). */
export const MAX_TAG_VALUE_LENGTH = 256;

// Letters and digits of any script, space, and + - = . _ : / @ (COS and S3 document the same set).
const tagCharacters = /^[\p{L}\p{N}\p{M} +\-=._:/@]*$/u;

/** Why a tag set breaks the limits (count, lengths, characters, duplicate or empty keys), or undefined when it is valid. */
export function tagSetProblem(tags: readonly ObjectTag[]): string | undefined {
  if (tags.length > MAX_OBJECT_TAGS) return `An object can have at most ${MAX_OBJECT_TAGS} tags, not ${tags.length}.`;
  const seen = new Set<string>();
  for (const tag of tags) {
    if (tag.key === '') return 'A tag key may not be empty.';
    if ([...tag.key].length > MAX_TAG_KEY_LENGTH) return `The tag key '${tag.key.slice(0, 40)}…' is longer than ${MAX_TAG_KEY_LENGTH} characters.`;
    if ([...tag.value].length > MAX_TAG_VALUE_LENGTH) return `The value of tag '${tag.key}' is longer than ${MAX_TAG_VALUE_LENGTH} characters.`;
    if (!tagCharacters.test(tag.key) || !tagCharacters.test(tag.value)) return `The tag '${tag.key}' uses characters other than letters, digits, space and + - = . _ : / @.`;
    if (seen.has(tag.key)) return `The tag key '${tag.key}' appears twice.`;
    seen.add(tag.key);
  }
  return undefined;
}

/** Tags sorted by key (the order GET `?tagging` answers with). */
export function sortTags(tags: readonly ObjectTag[]): ObjectTag[] {
  return [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Parses `<Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…</TagSet></Tagging>` in document order (limits are
 * checked separately with {@link tagSetProblem}). Throws CosError `MalformedXML` for a bad document or a tag without `<Key>`.
 */
export function parseTagging(input: string | Uint8Array, options?: XmlParseOptions): ObjectTag[] {
  const { node } = readXmlDocument(input, ['Tagging'], options);
  return children(asNode(node.TagSet), 'Tag').map((value) => {
    const tag = asNode(value);
    const key = optionalText(tag, 'Key');
    if (key === undefined) throw cosError('MalformedXML', 'Every <Tag> needs a <Key>.');
    return { key, value: optionalText(tag, 'Value') ?? '' };
  });
}

/** Builds the `Tagging` document; an empty set is `<Tagging><TagSet></TagSet></Tagging>`. */
export function buildTagging(tags: readonly ObjectTag[]): string {
  return buildXml('Tagging', { TagSet: tags.length ? { Tag: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) } : '' });
}

/**
 * Parses the header form `k1=v1&k2=v2` (URL query encoding: `+` is a space, `%XX` escapes; `k` without `=` has an
 * empty value). Throws CosError `InvalidArgument` for bad percent-encoding.
 */
export function parseTaggingHeader(value: string): ObjectTag[] {
  if (value.trim() === '') return [];
  return value.split('&').filter((pair) => pair !== '').map((pair) => {
    const at = pair.indexOf('=');
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text.replaceAll('+', ' '));
      } catch {
        throw cosError('InvalidArgument', 'The tagging header is not valid URL query encoding.');
      }
    };
    return at === -1 ? { key: decode(pair), value: '' } : { key: decode(pair.slice(0, at)), value: decode(pair.slice(at + 1)) };
  });
}

/** The header form of a tag set (`x-cos-tagging`), percent-encoded. */
export function formatTaggingHeader(tags: readonly ObjectTag[]): string {
  return tags.map((tag) => `${encodeURIComponent(tag.key)}=${encodeURIComponent(tag.value)}`).join('&');
}
