import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { request } from 'undici';

/**
 * Where a notice goes and how: e-mail over SMTP (nodemailer: TLS, auth) and
 * the group robots of 企业微信 and 钉钉 (their documented webhook JSON,
 * markdown messages with a link to the unit's page). Destinations are the
 * operator's own configuration (serve.yaml, the units file), never crawled
 * text. A send either resolves or throws with a Chinese reason.
 */

export type Destination =
  | { kind: 'email'; to: string }
  | { kind: 'wecom'; url: string }
  /** `secret`: the robot's 加签 key (SEC…), when its security setting is signing. */
  | { kind: 'dingtalk'; url: string; secret?: string };

export interface Notice {
  /** One line: the mail subject and the robot message title. */
  subject: string;
  /** Markdown body (robots) — plain enough to read as text in a mail. */
  markdown: string;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the start (465); otherwise STARTTLS when the server offers it (587/25). */
  secure: boolean;
  user?: string;
  pass?: string;
  from: string;
  /** Accept a self-signed server certificate (an intranet relay). Default false. */
  allowSelfSigned?: boolean;
}

export interface SendSettings {
  smtp?: SmtpSettings;
  timeoutMs?: number;
}

export class SendError extends Error {
  override name = 'SendError';
}

/** 企业微信 limits a markdown message to 4096 bytes; 钉钉 to 20000 characters. */
const WECOM_MAX_BYTES = 4096;
const DINGTALK_MAX_CHARS = 20_000;

export async function send(dest: Destination, notice: Notice, settings: SendSettings = {}): Promise<void> {
  const timeoutMs = settings.timeoutMs ?? 15_000;
  if (dest.kind === 'email') return sendMail(dest.to, notice, settings.smtp, timeoutMs);
  const body =
    dest.kind === 'wecom'
      ? { msgtype: 'markdown', markdown: { content: clipBytes(`**${notice.subject}**\n${notice.markdown}`, WECOM_MAX_BYTES) } }
      : { msgtype: 'markdown', markdown: { title: notice.subject, text: `### ${notice.subject}\n${notice.markdown}`.slice(0, DINGTALK_MAX_CHARS) } };
  const url = dest.kind === 'dingtalk' && dest.secret ? signDingtalk(dest.url, dest.secret, Date.now()) : dest.url;
  let res;
  try {
    res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw new SendError(`无法连接群机器人地址（${(err as Error).message.split('\n')[0]}）`);
  }
  const text = await res.body.text().catch(() => '');
  if (res.statusCode < 200 || res.statusCode >= 300) throw new SendError(`群机器人返回 HTTP ${res.statusCode}`);
  // Both robots answer 200 with {"errcode":0,"errmsg":"ok"}; anything else is a refusal (bad key, rate limit, keyword).
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new SendError('群机器人的应答不是 JSON');
  }
  if (answer.errcode !== 0) throw new SendError(`群机器人拒绝了消息（errcode ${String(answer.errcode)}：${String(answer.errmsg ?? '').slice(0, 80)}）`);
}

/** 钉钉 加签: timestamp + "\n" + secret, HmacSHA256 with the secret, Base64, URL-encoded. */
export function signDingtalk(url: string, secret: string, timestamp: number): string {
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(timestamp));
  u.searchParams.set('sign', sign);
  return u.href;
}

async function sendMail(to: string, notice: Notice, smtp: SmtpSettings | undefined, timeoutMs: number): Promise<void> {
  if (!smtp) throw new SendError('未配置发信服务器（serve 配置 notify.smtp），无法发送邮件');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    tls: { rejectUnauthorized: !smtp.allowSelfSigned },
  });
  try {
    await transport.sendMail({ from: smtp.from, to, subject: notice.subject, text: notice.markdown });
  } catch (err) {
    throw new SendError(`邮件发送失败（${(err as Error).message.split('\n')[0]!.slice(0, 160)}）`);
  } finally {
    transport.close();
  }
}

function clipBytes(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  // A character cut in half decodes as U+FFFD: drop it.
  return `${bytes.subarray(0, max - 3).toString('utf8').replace(/\uFFFD$/u, '')}…`;
}
