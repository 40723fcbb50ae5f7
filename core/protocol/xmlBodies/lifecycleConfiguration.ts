/** Bucket lifecycle body: `LifecycleConfiguration` rules (PUT/GET `/?lifecycle`): filters, expirations, noncurrent expirations, aborts. */
import { cosError } from '../cosError.ts';
import { readXmlDocument } from '../xmlDocument.ts';
import { asNode, buildXml, children, optionalText, type XmlBuildNode, type XmlNode, type XmlParseOptions } from '../xmlCodec.ts';
import type { ObjectTag } from './objectTagging.ts';

/** Most rules in one configuration. */
export const MAX_LIFECYCLE_RULES = 1000;

/** One lifecycle rule. A version matches when its key starts with `prefix` and it carries every tag in `tags`. */
export interface LifecycleRule {
  id?: string;
  enabled: boolean;
  prefix: string;
  tags: ObjectTag[];
  /** How the filter was written: `<Filter>`, the legacy top-level `<Prefix>`, or neither (answered back the same way). */
  filterForm: 'filter' | 'prefix' | 'none';
  /** Current versions: expire after `days` / on `date`; or remove delete markers that are a key's only version. */
  expiration?: { days?: number; date?: string; expiredObjectDeleteMarker?: boolean };
  /** Noncurrent versions: remove `noncurrentDays` after they stopped being current, keeping the `newerNoncurrentVersions` newest. */
  noncurrentVersionExpiration?: { noncurrentDays: number; newerNoncurrentVersions?: number };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  /** True when the rule has Transition or NoncurrentVersionTransition actions (storage classes). */
  transition: boolean;
}

function positive(node: XmlNode, name: string, what: string): number | undefined {
  const raw = optionalText(node, name)?.trim();
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw cosError('InvalidArgument', `${what} must be a positive whole number, not '${raw}'.`);
  return Number(raw);
}

function tagsOf(nodes: XmlNode[]): ObjectTag[] {
  return nodes.map((tag) => ({ key: optionalText(tag, 'Key') ?? '', value: optionalText(tag, 'Value') ?? '' }));
}

function parseFilter(rule: XmlNode): Pick<LifecycleRule, 'prefix' | 'tags' | 'filterForm'> {
  const legacy = optionalText(rule, 'Prefix');
  if (rule.Filter !== undefined) {
    if (legacy !== undefined) throw cosError('MalformedXML', 'A lifecycle rule may have <Filter> or <Prefix>, not both.');
    const filter = asNode(rule.Filter);
    const and = filter.And === undefined ? undefined : asNode(filter.And);
    const parts = ['Prefix', 'Tag', 'And'].filter((name) => filter[name] !== undefined);
    if (parts.length > 1 || children(filter, 'Tag').length > 1) throw cosError('MalformedXML', 'A lifecycle <Filter> holds one of <Prefix>, <Tag> or <And>.');
    if (and) return { prefix: optionalText(and, 'Prefix') ?? '', tags: tagsOf(children(and, 'Tag').map(asNode)), filterForm: 'filter' };
    return { prefix: optionalText(filter, 'Prefix') ?? '', tags: tagsOf(children(filter, 'Tag').map(asNode)), filterForm: 'filter' };
  }
  return { prefix: legacy ?? '', tags: [], filterForm: legacy === undefined ? 'none' : 'prefix' };
}

function parseRule(rule: XmlNode): LifecycleRule {
  const id = optionalText(rule, 'ID');
  if (id !== undefined && id.length > 255) throw cosError('InvalidArgument', 'A lifecycle rule ID is at most 255 characters.');
  const status = optionalText(rule, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') throw cosError('MalformedXML', 'Every lifecycle rule needs <Status>Enabled</Status> or Disabled.');
  const parsed: LifecycleRule = {
    enabled: status === 'Enabled', ...parseFilter(rule),
    transition: rule.Transition !== undefined || rule.NoncurrentVersionTransition !== undefined,
  };
  if (id !== undefined) parsed.id = id;
  if (rule.Expiration !== undefined) {
    const node = asNode(rule.Expiration);
    const days = positive(node, 'Days', 'Expiration Days');
    const date = optionalText(node, 'Date')?.trim();
    const marker = optionalText(node, 'ExpiredObjectDeleteMarker')?.trim();
    if ([days, date, marker].filter((value) => value !== undefined).length !== 1) {
      throw cosError('MalformedXML', 'A lifecycle <Expiration> holds exactly one of <Days>, <Date> or <ExpiredObjectDeleteMarker>.');
    }
    if (date !== undefined && Number.isNaN(Date.parse(date))) throw cosError('InvalidArgument', `The Expiration Date '${date}' is not an ISO 8601 date.`);
    if (marker !== undefined && marker !== 'true' && marker !== 'false') throw cosError('MalformedXML', 'ExpiredObjectDeleteMarker must be true or false.');
    parsed.expiration = days !== undefined ? { days } : date !== undefined ? { date } : { expiredObjectDeleteMarker: marker === 'true' };
  }
  if (rule.NoncurrentVersionExpiration !== undefined) {
    const node = asNode(rule.NoncurrentVersionExpiration);
    const noncurrentDays = positive(node, 'NoncurrentDays', 'NoncurrentDays');
    if (noncurrentDays === undefined) throw cosError('MalformedXML', '<NoncurrentVersionExpiration> needs <NoncurrentDays>.');
    const newer = positive(node, 'NewerNoncurrentVersions', 'NewerNoncurrentVersions');
    parsed.noncurrentVersionExpiration = newer === undefined ? { noncurrentDays } : { noncurrentDays, newerNoncurrentVersions: newer };
  }
  if (rule.AbortIncompleteMultipartUpload !== undefined) {
    const daysAfterInitiation = positive(asNode(rule.AbortIncompleteMultipartUpload), 'DaysAfterInitiation', 'DaysAfterInitiation');
    if (daysAfterInitiation === undefined) throw cosError('MalformedXML', '<AbortIncompleteMultipartUpload> needs <DaysAfterInitiation>.');
    parsed.abortIncompleteMultipartUpload = { daysAfterInitiation };
  }
  if (!parsed.expiration && !parsed.noncurrentVersionExpiration && !parsed.abortIncompleteMultipartUpload && !parsed.transition) {
    throw cosError('InvalidArgument', `The lifecycle rule ${id ?? ''} has no action.`.replace('  ', ' '));
  }
  return parsed;
}

/**
 * Parses and validates a `LifecycleConfiguration`: 1 to 1000 rules, unique IDs, `Status`, one filter form, positive
 * day counts, one kind of `Expiration`, at least one action. Throws CosError `MalformedXML` / `InvalidArgument`.
 */
export function parseLifecycleConfiguration(input: string | Uint8Array, options?: XmlParseOptions): LifecycleRule[] {
  const { node } = readXmlDocument(input, ['LifecycleConfiguration'], options);
  const rules = children(node, 'Rule').map((value) => parseRule(asNode(value)));
  if (rules.length === 0) throw cosError('MalformedXML', 'A lifecycle configuration needs at least one <Rule>.');
  if (rules.length > MAX_LIFECYCLE_RULES) throw cosError('InvalidArgument', `A lifecycle configuration holds at most ${MAX_LIFECYCLE_RULES} rules.`);
  const ids = rules.flatMap((rule) => (rule.id === undefined ? [] : [rule.id]));
  if (new Set(ids).size !== ids.length) throw cosError('InvalidArgument', 'Lifecycle rule IDs must be unique.');
  return rules;
}

function filterNode(rule: LifecycleRule): XmlBuildNode {
  const tags = rule.tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
  if (rule.filterForm === 'prefix') return { Prefix: rule.prefix };
  if (rule.filterForm === 'none') return {};
  if (tags.length === 0) return { Filter: { Prefix: rule.prefix } };
  if (tags.length === 1 && rule.prefix === '') return { Filter: { Tag: tags[0] } };
  return { Filter: { And: { Prefix: rule.prefix === '' ? undefined : rule.prefix, Tag: tags } } };
}

/** Builds the document from parsed rules (S3 element order). */
export function buildLifecycleConfiguration(rules: readonly LifecycleRule[]): string {
  return buildXml('LifecycleConfiguration', {
    Rule: rules.map((rule): XmlBuildNode => ({
      ID: rule.id,
      ...filterNode(rule),
      Status: rule.enabled ? 'Enabled' : 'Disabled',
      Expiration: rule.expiration && {
        Days: rule.expiration.days === undefined ? undefined : String(rule.expiration.days),
        Date: rule.expiration.date,
        ExpiredObjectDeleteMarker: rule.expiration.expiredObjectDeleteMarker === undefined ? undefined : String(rule.expiration.expiredObjectDeleteMarker),
      },
      NoncurrentVersionExpiration: rule.noncurrentVersionExpiration && {
        NoncurrentDays: String(rule.noncurrentVersionExpiration.noncurrentDays),
        NewerNoncurrentVersions: rule.noncurrentVersionExpiration.newerNoncurrentVersions === undefined
          ? undefined : String(rule.noncurrentVersionExpiration.newerNoncurrentVersions),
      },
      AbortIncompleteMultipartUpload: rule.abortIncompleteMultipartUpload && {
        DaysAfterInitiation: String(rule.abortIncompleteMultipartUpload.daysAfterInitiation),
      },
    })),
  });
}
