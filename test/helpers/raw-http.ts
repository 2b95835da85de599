import { request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Raw HTTP to a loopback server, so Host / Origin / Sec-Fetch-Site / Cookie
 * and the path go out exactly as the test writes them (no client-side `..`
 * folding, no added headers).
 */
export function rawCall(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const length = body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {};
    const req = request({ hostname, port, path, method, headers: { ...headers, ...length } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
