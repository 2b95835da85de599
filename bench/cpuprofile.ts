import { readFileSync } from 'node:fs';

/**
 * Summary of a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * function and by source (our files one by one, dependencies by package),
 * and inclusive time of our own functions — what the bench's `--profile`
 * prints to say where a crawl's CPU goes.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time not spent idle. */
  busyMs: number;
  selfByFunction: ProfileLine[];
  selfBySource: ProfileLine[];
  /** Our own (src/, rules/) functions, time including what they call. */
  inclusiveOwn: ProfileLine[];
}

export function summarizeProfile(file: string, root: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  let idleMs = 0;
  for (const [id, ms] of self) if (byId.get(id)!.callFrame.functionName === '(idle)') idleMs += ms;

  const fnKey = (n: ProfileNode) => {
    const f = n.callFrame;
    const where = f.url ? `${source(f.url, root)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const byFn = new Map<string, number>();
  const bySrc = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    add(byFn, fnKey(n), ms);
    add(bySrc, n.callFrame.url ? source(n.callFrame.url, root) : `(${n.callFrame.functionName || 'native'})`, ms);
    // Charge every own frame on the stack once (recursion counted once).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)!;
      const src = source(node.callFrame.url, root);
      if (!/^(src|rules)\//.test(src)) continue;
      const k = fnKey(node);
      if (seen.has(k)) continue;
      seen.add(k);
      add(inclusive, k, ms);
    }
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
  return { totalMs, busyMs: totalMs - idleMs, selfByFunction: lines(byFn), selfBySource: lines(bySrc), inclusiveOwn: lines(inclusive) };
}

/** Our files relative to the repository; dependencies by package; node internals as `node:…`. */
function source(url: string, root: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith(`${root}/`)) return path.slice(root.length + 1);
  return path;
}

export function formatProfile(title: string, s: ProfileSummary, top = 15): string {
  const table = (label: string, rows: ProfileLine[]) => [
    `| ${label} | ms | share |`,
    '|---|---|---|',
    ...rows.slice(0, top).map((r) => `| \`${r.name.replaceAll('|', '\\|')}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % |`),
  ];
  return [
    `### CPU profile: ${title} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy)`,
    '',
    ...table('self time by source', s.selfBySource),
    '',
    ...table('self time by function', s.selfByFunction),
    '',
    ...table('own functions, inclusive', s.inclusiveOwn),
    '',
  ].join('\n');
}
