/** Bucket versioning body: `VersioningConfiguration` (PUT/GET `/?versioning`). */
import { cosError } from '../cosError.ts';
import { readXmlDocument } from '../xmlDocument.ts';
import { buildXml, optionalText, type XmlParseOptions } from '../xmlCodec.ts';

/** A bucket's versioning status; undefined when versioning was never configured. */
export type VersioningStatus = 'Enabled' | 'Suspended';

/**
 * Parses `<VersioningConfiguration><Status>Enabled|Suspended</Status></VersioningConfiguration>` (an `MfaDelete`
 * element, which boto3 may send, is accepted and ignored). Throws CosError `MalformedXML` for another or a missing
 * status.
 */
export function parseVersioningConfiguration(input: string | Uint8Array, options?: XmlParseOptions): { status: VersioningStatus } {
  const { node } = readXmlDocument(input, ['VersioningConfiguration'], options);
  const status = optionalText(node, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Suspended') throw cosError('MalformedXML', 'The versioning Status must be Enabled or Suspended.');
  return { status };
}

/** Parses a GET `?versioning` answer: the status, or undefined for `<VersioningConfiguration/>` (never configured). */
export function parseVersioningStatus(input: string | Uint8Array, options?: XmlParseOptions): VersioningStatus | undefined {
  const { node } = readXmlDocument(input, ['VersioningConfiguration'], options);
  const status = optionalText(node, 'Status')?.trim();
  return status === 'Enabled' || status === 'Suspended' ? status : undefined;
}

/** Builds the document; without a status, the empty `<VersioningConfiguration/>` of a never-versioned bucket. */
export function buildVersioningConfiguration(status: VersioningStatus | undefined): string {
  return buildXml('VersioningConfiguration', { Status: status });
}
