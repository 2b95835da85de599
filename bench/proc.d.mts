/** Peak resident memory of this process, in bytes (VmHWM on Linux, else getrusage maxRSS). */
export function peakRssBytes(): number;
