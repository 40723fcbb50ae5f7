/** `node bench/cpuProfileSummary.ts FILE.cpuprofile [N]`: the top functions of a V8 CPU profile by self and total time (no flame-graph viewer needed). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A function's share of a profile. */
export interface FrameTime {
  name: string;
  selfMs: number;
  totalMs: number;
}

/** Self and total (inclusive, counted once per stack) milliseconds per function, heaviest self time first. */
export function summarizeProfile(profile: CpuProfile): FrameTime[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'}${file ? ` ${file}` : ''}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((sample, index) => {
    const ms = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
    let node = byId.get(sample);
    if (!node) return;
    self.set(label(node), (self.get(label(node)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      node = byId.get(id)!;
      const name = label(node);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  return [...total.keys()].map((name) => ({ name, selfMs: self.get(name) ?? 0, totalMs: total.get(name)! })).sort((a, b) => b.selfMs - a.selfMs);
}

if (import.meta.main) {
  const [file, limit = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: node bench/cpuProfileSummary.ts FILE.cpuprofile [N]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = summarizeProfile(profile);
  const wall = (profile.endTime - profile.startTime) / 1000;
  console.log(`${path.basename(file)}: ${wall.toFixed(0)} ms profiled`);
  console.log('self ms  self %  total ms  total %  function');
  for (const frame of frames.slice(0, Number(limit))) {
    console.log(`${frame.selfMs.toFixed(0).padStart(7)}  ${((frame.selfMs / wall) * 100).toFixed(1).padStart(5)}%  ${frame.totalMs.toFixed(0).padStart(8)}  ${((frame.totalMs / wall) * 100).toFixed(1).padStart(6)}%  ${frame.name}`);
  }
}
