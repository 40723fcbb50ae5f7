/** Bucket default encryption body: `ServerSideEncryptionConfiguration` (PUT/GET `/?encryption`). */
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, buildXml, children, optionalText, text, type XmlParseOptions } from '../xmlCodec.ts';

/** One encryption rule: `AES256` (SSE-COS) or `cos/kms` with an optional key id. */
export interface EncryptionRule {
  sseAlgorithm: string;
  kmsMasterKeyId?: string;
}

/** A parsed or to-be-built `ServerSideEncryptionConfiguration`; `rules` is empty for an empty configuration. */
export interface EncryptionConfiguration {
  rules: EncryptionRule[];
}

// COS's SDKs send ApplySideEncryptionConfiguration; the docs and GET responses use ApplyServerSideEncryptionByDefault.
const ruleElementNames = ['ApplyServerSideEncryptionByDefault', 'ApplySideEncryptionConfiguration'];

/**
 * Parses `ServerSideEncryptionConfiguration`, accepting both rule element names
 * (`ApplyServerSideEncryptionByDefault` and the SDKs' `ApplySideEncryptionConfiguration`). Throws CosError
 * `MalformedXML` / `XMLSizeLimit`.
 */
export function parseEncryptionConfiguration(input: string | Uint8Array, options?: XmlParseOptions): EncryptionConfiguration {
  const { node } = readXmlDocument(input, ['ServerSideEncryptionConfiguration'], options);
  const rules = children(node, 'Rule').flatMap((value) => {
    const rule = asNode(value);
    return ruleElementNames.flatMap((name) => children(rule, name)).map((applied): EncryptionRule => {
      const settings = asNode(applied);
      const result: EncryptionRule = { sseAlgorithm: text(settings, 'SSEAlgorithm').trim() };
      const keyId = optionalText(settings, 'KMSMasterKeyID');
      if (keyId) result.kmsMasterKeyId = keyId.trim();
      return result;
    });
  });
  return { rules };
}

/** Builds the §4.6 document, always with `ApplyServerSideEncryptionByDefault`. */
export function buildEncryptionConfiguration(configuration: EncryptionConfiguration): string {
  return buildXml('ServerSideEncryptionConfiguration', {
    Rule: configuration.rules.length
      ? configuration.rules.map((rule) => ({
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: rule.sseAlgorithm, KMSMasterKeyID: rule.kmsMasterKeyId },
        }))
      : undefined,
  });
}
