import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryData, StaleWarning } from '../../src/history/model.ts';
import { emptyHistory } from '../../src/history/model.ts';
import type { Finding } from '../../src/model/result.ts';
import { Notifier, type NotifySettings } from '../../src/notify/notifier.ts';
import { Desk } from '../../src/review/desk.ts';
import { openReviewStore } from '../../src/store/review-store.ts';

/**
 * The service's notifications end to end on loopback: a mail to the unit's
 * contact through a local SMTP server, the office's robot that fails three
 * times and then takes the message, each event told once.
 */

let root: string;
let smtp: SMTPServer;
let smtpPort: number;
const mails: { to: string[]; data: string }[] = [];
let robot: Server;
let robotUrl: string;
const robotBodies: { markdown: { content: string } }[] = [];
let robotFailures = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'zwgk-notifier-'));
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  smtpPort = await new Promise((ok) => smtp.listen(0, '127.0.0.1', () => ok((smtp.server.address() as AddressInfo).port)));
  robot = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c));
    req.on('end', () => {
      robotBodies.push(JSON.parse(data));
      if (robotFailures > 0) {
        robotFailures--;
        res.writeHead(502).end('bad gateway');
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  robotUrl = await new Promise((ok) => robot.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(robot.address() as AddressInfo).port}/cgi-bin/webhook/send?key=k`)));
});

afterAll(async () => {
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => robot.close(() => r()));
  rmSync(root, { recursive: true, force: true });
});

/** The text of a single-part mail as nodemailer sends it (base64). */
function mailBody(data: string): string {
  return Buffer.from(data.split('\r\n\r\n').slice(1).join('').replace(/\s+/g, ''), 'base64').toString('utf8');
}

const unit = { id: 'jtj', name: '县教育体育局' };
const finding: Finding = { rule: 'column-update', code: 'stale', indicator: '平台栏目更新', deduction: 1, message: '栏目“通知公告”超过 180 天未更新', url: 'http://portal.test/tzgg/', column: '通知公告', evidence: {} };
const warning: StaleWarning = { column: '政策解读', name: '政策解读', url: 'http://portal.test/zcjd/', category: 'regular', newest: '2020-08-01', typicalGapDays: null, staleOn: '2021-01-29', daysLeft: 9, message: '' };

async function notifierFor(name: string, over: Partial<NotifySettings>, history: HistoryData, clock: () => Date): Promise<Notifier> {
  const dataDir = join(root, name);
  return Notifier.open(
    {
      smtp: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'zwgk@example.gov.cn' },
      office: [{ kind: 'wecom', url: robotUrl }],
      unitContacts: true,
      digest: '0 8 * * *',
      timezone: 'Asia/Shanghai',
      immediate: true,
      maxAttempts: 6,
      retryMinutes: 1,
      publicUrl: 'https://zwgk.example.gov.cn/',
      ...over,
    },
    {
      dataDir,
      desk: new Desk(await openReviewStore(dataDir)),
      history: () => history,
      units: () => ({ units: [unit], contacts: new Map([['jtj', { emails: ['jtj@example.gov.cn'], webhooks: [] }]]) }),
      log: () => {},
      clock,
    },
  );
}

describe('notifications of zwgk serve', () => {
  it('a new 确认: mail to the unit’s contact at once; the office robot fails three times, then takes it after each backoff; told once', async () => {
    let now = Date.parse('2021-01-21T09:00:00+08:00');
    robotFailures = 3;
    const n = await notifierFor('confirmed', {}, emptyHistory(), () => new Date(now));
    await n.confirmed(unit, [finding]);
    expect(mails.map((m) => m.to)).toEqual([['jtj@example.gov.cn']]);
    expect(mailBody(mails[0]!.data)).toContain('栏目“通知公告”超过 180 天未更新\n\n[查看单位页面及佐证截图](https://zwgk.example.gov.cn/units/jtj)');
    for (let i = 0; i < 3; i++) {
      const entry = n.outbox.list().find((e) => e.dest.kind === 'wecom')!;
      expect(entry).toMatchObject({ state: 'pending', attempts: i + 1, lastError: '群机器人返回 HTTP 502' });
      now = Date.parse(entry.nextAt!);
      await n.outbox.deliverDue();
    }
    expect(robotBodies).toHaveLength(4);
    expect(robotBodies[3]!.markdown.content).toContain('县教育体育局有 1 项问题经复核确认');
    expect(n.summary()).toMatchObject({ pending: 0, sent: 2, failed: 0 });
    await n.confirmed(unit, [finding]);
    expect(robotBodies).toHaveLength(4);
    expect(mails).toHaveLength(1);
    await n.stop();
  });

  it('预警 after an audit once per set of warnings; the daily digest once a day; nothing immediate when turned off', async () => {
    mails.length = 0;
    robotBodies.length = 0;
    const history = emptyHistory();
    history.units.jtj = { columnsFirstSeen: {}, columns: [], warnings: { stale: [warning], backdated: [] } };
    const report = { schemaVersion: 1 as const, scheme: 's', year: 2020, asOf: '2021-01-20', generatedAt: '2021-01-20T02:00:00+08:00', weight: 0.3, units: [{ id: 'jtj', name: '县教育体育局' }] } as never;
    const clock = () => new Date('2021-01-20T08:00:00+08:00');
    const n = await notifierFor('warnings', {}, history, clock);
    await n.audited(report, history);
    await n.audited(report, history);
    expect(mails.map((m) => m.to)).toEqual([['jtj@example.gov.cn']]);
    expect(robotBodies.map((b) => b.markdown.content.split('\n')[0])).toEqual(['**【政务公开预警】县教育体育局有 1 个栏目即将超期未更新**']);
    await n.sendDigest();
    await n.sendDigest();
    expect(mails).toHaveLength(2);
    expect(robotBodies.map((b) => b.markdown.content.split('\n')[0])).toEqual(['**【政务公开预警】县教育体育局有 1 个栏目即将超期未更新**', '**【政务公开日报】2021-01-20：1 个单位有待办事项**']);

    const quiet = await notifierFor('quiet', { immediate: false, smtp: undefined }, history, clock);
    await quiet.confirmed(unit, [finding]);
    await quiet.audited(report, history);
    expect(quiet.outbox.list()).toEqual([]);
    // Without an SMTP server the unit's mail address is left out; the office robot still gets the digest.
    expect(quiet.destinations('jtj')).toEqual([{ kind: 'wecom', url: robotUrl }]);
  });
});
