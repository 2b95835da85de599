import { describe, expect, it } from 'vitest';
import { matchesRule, parseRobots } from '../../src/crawl/robots.ts';

/**
 * The robots.txt matcher (RFC 9309 §2.2.2–2.2.3): paths match from their
 * start; `*` is any run of characters, `$` at the end anchors; the longest
 * matching rule wins, Allow on a tie; no regular expression, so a rule full
 * of `*` costs one pass.
 */
const robots = (rules: string) => parseRobots(`User-agent: *\n${rules}\n`, 'zwgk-audit');

describe('robots.txt matching', () => {
  it('matches from the start of the path, as a prefix unless anchored', () => {
    const r = robots('Disallow: /private');
    expect(r.isAllowed('/private')).toBe(false);
    expect(r.isAllowed('/private/x.html')).toBe(false);
    expect(r.isAllowed('/privateer')).toBe(false);
    expect(r.isAllowed('/x/private')).toBe(true);
    expect(r.isAllowed('/')).toBe(true);
  });

  it('`*` matches any run, including none', () => {
    const r = robots('Disallow: /*.php\nDisallow: /a*b*c');
    expect(r.isAllowed('/index.php')).toBe(false);
    expect(r.isAllowed('/dir/x.php?id=1')).toBe(false);
    expect(r.isAllowed('/.php')).toBe(false);
    expect(r.isAllowed('/abc')).toBe(false);
    expect(r.isAllowed('/a-b-c-d')).toBe(false);
    expect(r.isAllowed('/acb')).toBe(true);
    expect(r.isAllowed('/index.html')).toBe(true);
  });

  it('`$` anchors the end; elsewhere it is a plain character', () => {
    const r = robots('Disallow: /*.pdf$\nDisallow: /exact$\nDisallow: /a$b');
    expect(r.isAllowed('/files/a.pdf')).toBe(false);
    expect(r.isAllowed('/files/a.pdf?x=1')).toBe(true);
    expect(r.isAllowed('/files/a.pdf.html')).toBe(true);
    expect(r.isAllowed('/exact')).toBe(false);
    expect(r.isAllowed('/exactly')).toBe(true);
    expect(r.isAllowed('/a$b')).toBe(false);
    // The anchored tail must come after what the stars before it took.
    expect(matchesRule('/ab', ['/a', 'b', 'ab'], true)).toBe(false);
    expect(matchesRule('/abab', ['/a', 'b', 'ab'], true)).toBe(true);
    expect(matchesRule('/x', ['/x', ''], true)).toBe(true);
  });

  it('the longest matching rule wins; Allow wins a tie', () => {
    const r = robots('Disallow: /xxgk/\nAllow: /xxgk/public/\nDisallow: /xxgk/public/secret\nAllow: /tie\nDisallow: /tie');
    expect(r.isAllowed('/xxgk/a.html')).toBe(false);
    expect(r.isAllowed('/xxgk/public/a.html')).toBe(true);
    expect(r.isAllowed('/xxgk/public/secret.html')).toBe(false);
    expect(r.isAllowed('/tie')).toBe(true);
    // Length is the pattern's, stars included: /*/public/ (10) beats /xxgk/ (6).
    const s = robots('Disallow: /xxgk/\nAllow: /*/public/');
    expect(s.isAllowed('/xxgk/public/a.html')).toBe(true);
  });

  it('non-ASCII paths compare percent-encoded, as the request line sends them', () => {
    const r = robots('Disallow: /公开/');
    expect(r.isAllowed('/%E5%85%AC%E5%BC%80/a.html')).toBe(false);
    expect(r.isAllowed('/公开/a.html')).toBe(false);
  });

  it('a rule full of stars over a long path costs one pass', () => {
    const r = robots(`Disallow: /${'*a'.repeat(5000)}*b\nAllow: /${'*'.repeat(10_000)}$`);
    // A backtracking matcher never returns here (16 stars over 60 characters took minutes).
    const path = `/${'a'.repeat(100_000)}`;
    expect(r.isAllowed(path)).toBe(true);
    expect(r.isAllowed(`${path}b`)).toBe(false);
  });
});
