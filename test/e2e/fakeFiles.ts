/** Deterministic file rows for the fake service: `count` realistic paths in sorted order. */
import type { FileRow } from '../../core/app/contract.ts';

/** Builds `count` queued rows named album-NNNN/IMG_NNNNNN.jpg (sorted by path), a few excluded `.tmp` files among them. */
export function createFakeFiles(count: number, now: number): FileRow[] {
  const rows: FileRow[] = [];
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let index = 0; index < count; index += 1) {
    const album = String(Math.floor(index / 100)).padStart(4, '0');
    const excluded = index % 2500 === 7;
    const name = `IMG_${String(index).padStart(6, '0')}.${excluded ? 'tmp' : 'jpg'}`;
    rows.push({
      path: `album-${album}/${name}`,
      size: Math.round(20_000 + random() * 6_000_000),
      modifiedAt: now - Math.round(random() * 86_400_000 * 365),
      status: excluded ? { state: 'excluded', reason: 'matches exclude pattern *.tmp' } : { state: 'queued' },
      encryption: null,
    });
  }
  return rows;
}

/** Rows of a small folder that is already fully synced and verified. */
export function createSyncedFiles(count: number, now: number): FileRow[] {
  return Array.from({ length: count }, (_, index): FileRow => ({
    path: `reports/${2020 + (index % 6)}/report-${String(index).padStart(4, '0')}.pdf`,
    size: 40_000 + index * 917,
    modifiedAt: now - index * 3_600_000,
    status: { state: 'synced', syncedAt: now - 60_000 },
    encryption: { algorithm: 'AES256', verifiedAt: now - 60_000, checksumVerified: true },
  })).sort((a, b) => (a.path < b.path ? -1 : 1));
}
