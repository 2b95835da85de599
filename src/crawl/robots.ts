/**
 * robots.txt (RFC 9309): the group for our product token, else the `*` group;
 * the longest matching Allow/Disallow wins, Allow on a tie; `*` and `$`
 * wildcards. Pure: the fetcher downloads and caches the file per origin.
 *
 * Patterns are matched without regular expressions: a rule full of `*` turned
 * into `.*.*.*…` backtracks exponentially, and robots.txt is written by the
 * portal, so it is hostile input like any page.
 */

interface RobotsRule {
  allow: boolean;
  /** The pattern cut at its `*`s: literal pieces, in order. */
  pieces: string[];
  /** A trailing `$`: the pattern must match the whole path. */
  anchored: boolean;
  length: number;
}

export interface RobotsPolicy {
  isAllowed(pathAndQuery: string): boolean;
}

export const ALLOW_ALL: RobotsPolicy = { isAllowed: () => true };

function toRule(allow: boolean, path: string): RobotsRule {
  const anchored = path.endsWith('$');
  const pieces = (anchored ? path.slice(0, -1) : path).split('*');
  return { allow, pieces, anchored, length: path.length };
}

/**
 * Whether a path matches `p0*p1*…*pk` (from its start; to its end when
 * anchored). Each `*` takes the least that lets the next piece follow, which
 * never loses a match: a later occurrence only leaves less room for the rest.
 * So one left-to-right pass of indexOf, with no backtracking.
 */
export function matchesRule(path: string, pieces: readonly string[], anchored: boolean): boolean {
  const first = pieces[0]!;
  if (!path.startsWith(first)) return false;
  const last = pieces.length - 1;
  if (last === 0) return !anchored || path.length === first.length;
  let at = first.length;
  for (let i = 1; i < last; i++) {
    const piece = pieces[i]!;
    if (piece === '') continue;
    const found = path.indexOf(piece, at);
    if (found < 0) return false;
    at = found + piece.length;
  }
  const tail = pieces[last]!;
  // Unanchored, the tail may sit anywhere after; anchored, it must end the path.
  return anchored ? path.length - tail.length >= at && path.endsWith(tail) : path.indexOf(tail, at) >= 0;
}

/** Percent-encodes non-ASCII so that patterns and paths compare in one form. */
function normalisePath(path: string): string {
  return path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
}

export function parseRobots(text: string, productToken: string): RobotsPolicy {
  const token = productToken.toLowerCase();
  const groups: { agents: string[]; rules: RobotsRule[] }[] = [];
  let current: { agents: string[]; rules: RobotsRule[] } | null = null;
  let lastWasAgent = false;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const field = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (field === 'user-agent') {
      if (!current || !lastWasAgent) {
        current = { agents: [], rules: [] };
        groups.push(current);
      }
      current.agents.push(value.toLowerCase());
      lastWasAgent = true;
      continue;
    }
    lastWasAgent = false;
    if (!current || (field !== 'allow' && field !== 'disallow')) continue;
    if (value === '') continue; // "Disallow:" with nothing allows everything
    const path = normalisePath(value);
    current.rules.push(toRule(field === 'allow', path));
  }
  const mine = groups.filter((g) => g.agents.some((a) => a !== '*' && token.startsWith(a)));
  const chosen = mine.length > 0 ? mine : groups.filter((g) => g.agents.includes('*'));
  const rules = chosen.flatMap((g) => g.rules);
  if (rules.length === 0) return ALLOW_ALL;
  return {
    isAllowed(pathAndQuery: string): boolean {
      const path = normalisePath(pathAndQuery);
      let best: RobotsRule | null = null;
      for (const rule of rules) {
        if (!matchesRule(path, rule.pieces, rule.anchored)) continue;
        if (!best || rule.length > best.length || (rule.length === best.length && rule.allow)) best = rule;
      }
      return best ? best.allow : true;
    },
  };
}
