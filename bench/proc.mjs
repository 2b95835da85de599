import { readFileSync } from 'node:fs';

/**
 * Peak resident memory of this process. On Linux VmHWM belongs to the
 * process's own address space; getrusage's maxRSS can carry the parent's
 * peak across fork+exec, which would charge the portal's page cache to the
 * crawler.
 */
export function peakRssBytes() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
