import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { UnitContacts } from '../config/units.ts';
import type { HistoryData } from '../history/model.ts';
import { todayInShanghai } from '../lib/time.ts';
import type { AuditReport, Finding } from '../model/result.ts';
import type { Desk } from '../review/desk.ts';
import { send as sendNotice, type Destination, type Notice, type SmtpSettings } from './channels.ts';
import { confirmedNotice, officeDigest, unitDigest, unitLink, warningNotice, type DigestFinding, type UnitDigest } from './compose.ts';
import { Outbox, type OutboxSummary } from './outbox.ts';

/**
 * The notifications of `zwgk serve` (configured in serve.yaml `notify:`;
 * without it nothing is ever sent): an immediate message to the unit and the
 * office when a finding is confirmed (确认) and when an audit shows new 预警,
 * and a daily digest on a schedule. Everything goes through the outbox
 * (data/outbox.json): a failed send is logged, retried with backoff on a
 * timer, shown on the dashboard, and never fails an audit.
 */

export interface NotifySettings {
  smtp?: SmtpSettings;
  /** The office's own recipients: every message goes to them too. */
  office: Destination[];
  /** Send to the units' own contacts (units file columns contact_email / webhook). */
  unitContacts: boolean;
  /** Cron of the daily digest, in `timezone`. */
  digest: string;
  timezone: string;
  /** Messages on 确认 and new 预警 as they happen (the digest goes out either way). */
  immediate: boolean;
  maxAttempts: number;
  retryMinutes: number;
  /** Links in messages point here (the dashboard's public address). */
  publicUrl?: string;
}

export interface NotifierDeps {
  dataDir: string;
  desk: Desk;
  history: () => Readonly<HistoryData>;
  /** The units and their contacts, as the units file says now. */
  units: () => { units: { id: string; name: string }[]; contacts: Map<string, UnitContacts> };
  log: (line: string) => void;
  clock?: () => Date;
  /** The actual sending (src/notify/channels.ts); tests may pass their own. */
  send?: (dest: Destination, notice: Notice) => Promise<void>;
}

/** How often due retries are looked for. */
const RETRY_TICK_MS = 30_000;

/** What the service tells the notifications after each audit and each 确认 (src/serve/service.ts). */
export interface ServiceNotifier {
  audited(report: AuditReport, history: Readonly<HistoryData>): Promise<void>;
  confirmed(unit: { id: string; name: string }, findings: Finding[]): Promise<void>;
}

export class Notifier implements ServiceNotifier {
  #timer: NodeJS.Timeout | null = null;
  #digest: Cron | null = null;

  private constructor(
    readonly settings: NotifySettings,
    private readonly deps: NotifierDeps,
    readonly outbox: Outbox,
  ) {}

  static async open(settings: NotifySettings, deps: NotifierDeps): Promise<Notifier> {
    const send = deps.send ?? ((dest: Destination, notice: Notice) => sendNotice(dest, notice, settings.smtp ? { smtp: settings.smtp } : {}));
    const outbox = await Outbox.open(join(deps.dataDir, 'outbox.json'), {
      send,
      log: deps.log,
      maxAttempts: settings.maxAttempts,
      baseDelayMs: settings.retryMinutes * 60_000,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    return new Notifier(settings, deps, outbox);
  }

  /** Starts the retry timer and the digest schedule. */
  start(): void {
    this.#timer = setInterval(() => void this.outbox.deliverDue(), RETRY_TICK_MS);
    this.#timer.unref();
    this.#digest = new Cron(this.settings.digest, { timezone: this.settings.timezone }, () => void this.sendDigest());
    void this.outbox.deliverDue();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#digest?.stop();
    await this.outbox.deliverDue();
  }

  summary(): OutboxSummary {
    return this.outbox.summary();
  }

  /** The unit's own recipients (when configured) and the office's. */
  destinations(unitId: string | null): Destination[] {
    const contacts = unitId && this.settings.unitContacts ? this.deps.units().contacts.get(unitId) : undefined;
    const own: Destination[] = [...(contacts?.emails.map((to) => ({ kind: 'email' as const, to })) ?? []), ...(contacts?.webhooks ?? [])];
    // Without an SMTP server no mail can go: such addresses are left out rather than failing again and again.
    return [...own, ...this.settings.office].filter((d) => d.kind !== 'email' || this.settings.smtp);
  }

  #link(unitId: string): string | null {
    return unitLink(this.settings.publicUrl, unitId);
  }

  async #queue(key: string, unitId: string | null, notice: Notice): Promise<void> {
    const dests = this.destinations(unitId);
    if (dests.length && (await this.outbox.enqueue(key, dests, notice))) await this.outbox.deliverDue();
  }

  async confirmed(unit: { id: string; name: string }, findings: Finding[]): Promise<void> {
    if (!this.settings.immediate || !findings.length) return;
    const key = `confirmed:${unit.id}:${digestOf(findings.map((f) => [f.rule, f.code, f.column ?? '', f.url].join('|')))}`;
    await this.#queue(key, unit.id, confirmedNotice(unit, findings.map(brief), this.#link(unit.id)));
  }

  /** After an audit: each unit whose 预警 changed hears of its columns once (the same warnings are not sent again). */
  async audited(report: AuditReport, history: Readonly<HistoryData>): Promise<void> {
    if (!this.settings.immediate) return;
    for (const unit of report.units) {
      const stale = history.units[unit.id]?.warnings.stale ?? [];
      if (!stale.length) continue;
      const key = `warning:${unit.id}:${digestOf(stale.map((w) => `${w.column}|${w.staleOn}`))}`;
      await this.#queue(key, unit.id, warningNotice(unit, stale, this.#link(unit.id)));
    }
  }

  /** The daily digest: each unit with something open, and the office's overview; once per day. */
  async sendDigest(): Promise<void> {
    try {
      const date = todayInShanghai(this.deps.clock?.() ?? new Date());
      const history = this.deps.history();
      const digests: UnitDigest[] = this.deps.units().units.map((u) => {
        const rows = this.deps.desk.list({ unit: u.id });
        return {
          unit: u,
          toFix: rows.filter((r) => r.finding && (r.state === 'confirmed' || r.state === 'reopened')).map((r) => brief(r.finding!)),
          awaitingCheck: rows.filter((r) => r.state === 'fixed').length,
          warnings: history.units[u.id]?.warnings.stale ?? [],
          ...(this.deps.desk.latest(u.id) ? { score: this.deps.desk.latest(u.id)!.result.score } : {}),
        };
      });
      for (const d of digests) {
        const notice = unitDigest(date, d, this.#link(d.unit.id));
        const own = this.destinations(d.unit.id).filter((x) => !this.settings.office.includes(x));
        if (notice && own.length) await this.outbox.enqueue(`digest:${date}:${d.unit.id}`, own, notice);
      }
      const office = officeDigest(date, digests, this.settings.publicUrl ?? null);
      if (office && this.settings.office.length) await this.outbox.enqueue(`digest:${date}:office`, this.settings.office, office);
      await this.outbox.deliverDue();
    } catch (err) {
      this.deps.log(`每日通知汇总未能生成：${(err as Error).message}`);
    }
  }
}

function brief(f: Finding): DigestFinding {
  return { indicator: f.indicator, message: f.message, url: f.url };
}

function digestOf(parts: string[]): string {
  return createHash('sha256').update([...parts].sort().join('\n')).digest('hex').slice(0, 12);
}
