import { Cron } from 'croner';

/** What the service needs from a schedule; tests drive a fake one by hand. */
export interface Scheduler {
  start(onTick: () => void): void;
  stop(): void;
  /** Next planned start, or null when stopped. */
  nextRun(): Date | null;
}

export function cronScheduler(pattern: string, timezone: string): Scheduler {
  let job: Cron | null = null;
  return {
    start(onTick) {
      job?.stop();
      // The service itself refuses overlapping full runs, so croner's own `protect` is not needed.
      job = new Cron(pattern, { timezone }, () => onTick());
    },
    stop() {
      job?.stop();
      job = null;
    },
    nextRun() {
      return job?.nextRun() ?? null;
    },
  };
}
