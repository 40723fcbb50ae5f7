/** Test helper: the `<Version>` / `<DeleteMarker>` entries of a raw ListVersionsResult, in the order the server wrote them. */

/** One listed entry. */
export interface ListedVersion {
  kind: 'Version' | 'DeleteMarker';
  key: string;
  versionId: string;
  isLatest: boolean;
}

/** The entries of a `ListVersionsResult` document in document order. */
export function listedVersions(xml: string): ListedVersion[] {
  return [...xml.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key><VersionId>([^<]*)<\/VersionId><IsLatest>(true|false)<\/IsLatest>/g)].map((match) => ({
    kind: match[1] as ListedVersion['kind'], key: match[2]!, versionId: match[3]!, isLatest: match[4] === 'true',
  }));
}
