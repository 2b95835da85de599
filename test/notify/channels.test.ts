import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, signDingtalk, type Notice } from '../../src/notify/channels.ts';
import { Outbox } from '../../src/notify/outbox.ts';

/** Mail to a local SMTP server, robot messages to a local receiver: the formats the services document. */

const notice: Notice = { subject: '【政务公开】县教育体育局 新确认问题 1 项', markdown: '- 栏目“通知公告”超过 180 天未更新\n\n[查看单位页面](http://127.0.0.1:8080/units/jtj)' };
const dir = mkdtempSync(join(tmpdir(), 'zwgk-notify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address?: () => unknown }, srv: Server | SMTPServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(((srv as Server).address() as AddressInfo).port)));
}

interface Received {
  from: string;
  to: string[];
  user?: string;
  data: string;
}

function smtp(opts: ConstructorParameters<typeof SMTPServer>[0]): { server: SMTPServer; mails: Received[] } {
  const mails: Received[] = [];
  const server = new SMTPServer({
    ...opts,
    onAuth(auth, _session, cb) {
      if (auth.username === 'office' && auth.password === 's3cret') cb(null, { user: 'office' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, data });
        cb();
      });
    },
  });
  // A client refusing the certificate drops the connection: the server reports it, the test expects it.
  server.on('error', () => {});
  return { server, mails };
}

describe('e-mail over SMTP', () => {
  it('sends with auth over a plain local relay, subject and body in Chinese', async () => {
    const { server, mails } = smtp({ authOptional: false, allowInsecureAuth: true, disabledCommands: ['STARTTLS'] });
    const port = await listen(server, server.server as unknown as Server);
    try {
      await send({ kind: 'email', to: 'jtj@example.gov.cn' }, notice, { smtp: { host: '127.0.0.1', port, secure: false, user: 'office', pass: 's3cret', from: 'zwgk@example.gov.cn' } });
      expect(mails).toHaveLength(1);
      expect(mails[0]).toMatchObject({ from: 'zwgk@example.gov.cn', to: ['jtj@example.gov.cn'], user: 'office' });
      expect(mails[0]!.data).toMatch(/Subject: =\?UTF-8\?/);
      await expect(send({ kind: 'email', to: 'x@example.gov.cn' }, notice, { smtp: { host: '127.0.0.1', port, secure: false, user: 'office', pass: 'wrong', from: 'a@b.cn' } })).rejects.toThrow(/邮件发送失败/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it.skipIf(!existsSync('/usr/bin/openssl'))('sends over TLS (implicit, port-465 style) to a server with a self-signed certificate when allowed', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const { server, mails } = smtp({ secure: true, key: readFileSync(key), cert: readFileSync(cert), authOptional: false });
    const port = await listen(server, server.server as unknown as Server);
    const settings = { host: '127.0.0.1', port, secure: true, user: 'office', pass: 's3cret', from: 'zwgk@example.gov.cn' };
    try {
      await expect(send({ kind: 'email', to: 'a@example.gov.cn' }, notice, { smtp: settings, timeoutMs: 5000 })).rejects.toThrow(/邮件发送失败/);
      await send({ kind: 'email', to: 'a@example.gov.cn' }, notice, { smtp: { ...settings, allowSelfSigned: true } });
      expect(mails.map((m) => m.to)).toEqual([['a@example.gov.cn']]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('without an SMTP configuration, says so', async () => {
    await expect(send({ kind: 'email', to: 'a@b.cn' }, notice)).rejects.toThrow(/未配置发信服务器/);
  });
});

/** A robot receiver: answers each request with the next of `answers` (status, body), then ok. */
function robot(answers: [number, string][] = []): Promise<{ url: string; bodies: unknown[]; urls: string[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const urls: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c));
    req.on('end', () => {
      urls.push(req.url!);
      bodies.push(JSON.parse(data));
      const [status, body] = answers.shift() ?? [200, '{"errcode":0,"errmsg":"ok"}'];
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, urls, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

describe('group robots', () => {
  let wecom: Awaited<ReturnType<typeof robot>>;
  let ding: Awaited<ReturnType<typeof robot>>;
  beforeAll(async () => {
    wecom = await robot([[200, '{"errcode":93000,"errmsg":"invalid webhook url"}']]);
    ding = await robot();
  });
  afterAll(async () => {
    await wecom.close();
    await ding.close();
  });

  it('企业微信: msgtype markdown with content; errcode ≠ 0 is a refusal', async () => {
    const dest = { kind: 'wecom' as const, url: `${wecom.url}/cgi-bin/webhook/send?key=abc` };
    await expect(send(dest, notice)).rejects.toThrow(/errcode 93000/);
    await send(dest, notice);
    expect(wecom.bodies[1]).toEqual({ msgtype: 'markdown', markdown: { content: `**${notice.subject}**\n${notice.markdown}` } });
  });

  it('钉钉: msgtype markdown with title and text, signed with timestamp and HmacSHA256 when a secret is set', async () => {
    await send({ kind: 'dingtalk', url: `${ding.url}/robot/send?access_token=t1`, secret: 'SECabc' }, notice);
    expect(ding.bodies[0]).toEqual({ msgtype: 'markdown', markdown: { title: notice.subject, text: `### ${notice.subject}\n${notice.markdown}` } });
    const u = new URL(ding.urls[0]!, ding.url);
    const ts = u.searchParams.get('timestamp')!;
    expect(u.searchParams.get('access_token')).toBe('t1');
    expect(u.searchParams.get('sign')).toBe(createHmac('sha256', 'SECabc').update(`${ts}\nSECabc`).digest('base64'));
    expect(signDingtalk('https://oapi.dingtalk.com/robot/send?access_token=x', 'SEC1', 1700000000000)).toMatch(/timestamp=1700000000000&sign=/);
  });

  it('a message over 企业微信’s 4096 bytes is cut to fit', async () => {
    const long = { subject: '长消息', markdown: '栏目'.repeat(3000) };
    await send({ kind: 'wecom', url: `${wecom.url}/k` }, long);
    const content = (wecom.bodies.at(-1) as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
    expect(content.endsWith('…')).toBe(true);
  });
});

describe('the outbox: retried with backoff, kept across restarts, never fatal', () => {
  it('a receiver that fails three times, then succeeds: four attempts, each after its delay; a second enqueue of the key is ignored', async () => {
    const r = await robot([
      [500, 'busy'],
      [200, '{"errcode":45009,"errmsg":"api freq out of limit"}'],
      [502, ''],
    ]);
    let now = Date.parse('2021-01-20T08:00:00+08:00');
    const logs: string[] = [];
    const file = join(dir, 'outbox.json');
    const box = await Outbox.open(file, { send: (d, n) => send(d, n), clock: () => new Date(now), log: (l) => logs.push(l), baseDelayMs: 60_000 });
    const dest = { kind: 'dingtalk' as const, url: `${r.url}/robot/send?access_token=t` };
    expect(await box.enqueue('digest:2021-01-20:jtj', [dest], notice)).toBe(1);
    expect(await box.enqueue('digest:2021-01-20:jtj', [dest], notice)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await box.deliverDue();
      const e = box.list()[0]!;
      if (e.state !== 'pending') break;
      const wait = Date.parse(e.nextAt!) - now;
      waits.push(wait);
      now += wait - 1;
      await box.deliverDue(); // not yet due: nothing is sent
      now += 1;
    }
    expect(waits).toEqual([60_000, 120_000, 240_000]);
    expect(r.bodies).toHaveLength(4);
    expect(box.list()[0]).toMatchObject({ state: 'sent', attempts: 4 });
    expect(logs.filter((l) => l.includes('将于'))).toHaveLength(3);
    // What was sent stays sent after a restart; the dashboard sees the history.
    const again = await Outbox.open(file, { send: () => Promise.reject(new Error('must not send')) });
    await again.deliverDue();
    expect(again.summary()).toMatchObject({ pending: 0, sent: 1, failed: 0 });
    await r.close();
  });

  it('gives up after maxAttempts and reports the failure; an unreadable outbox file starts empty', async () => {
    let now = 0;
    const box = await Outbox.open(join(dir, 'outbox-2.json'), { send: () => Promise.reject(new Error('连接被拒绝')), clock: () => new Date(now), maxAttempts: 2, baseDelayMs: 10 });
    await box.enqueue('k', [{ kind: 'email', to: 'a@b.cn' }], notice);
    await box.deliverDue();
    now += 10;
    await box.deliverDue();
    expect(box.summary()).toMatchObject({ pending: 0, failed: 1, problems: [{ to: 'a@b.cn', state: 'failed', attempts: 2, lastError: '连接被拒绝' }] });
    const bad = join(dir, 'outbox-bad.json');
    (await import('node:fs')).writeFileSync(bad, '{"entries": [');
    const logs: string[] = [];
    const fresh = await Outbox.open(bad, { send: async () => {}, log: (l) => logs.push(l) });
    expect(fresh.list()).toEqual([]);
    expect(logs[0]).toMatch(/无法读取，已从空队列开始/);
  });
});
