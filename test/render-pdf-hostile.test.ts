// Hostile log content printed to PDF: records whose Id, Url, TypeStr and ResultText hold
// <script>, <img src>, <link>, CSS url(…) and javascript: links pointing at a live listener on
// 127.0.0.1, taken through the real pipeline (simulator over HTTP → extract → transform) and
// printed. The listener must see no connection at all, and the strings must print as text.
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, launchBrowser, renderPdf } from '../pipeline/render/pdf/index.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import { aprilFromFile, ENTERPRISE, MONTH, readPdf, squash } from './render-pdf-helpers.js';

const FIXTURE = new URL('./fixtures/pdf-hostile.ndjson', import.meta.url);

let root: string;
let server: Server;
let port: number;
const connections: string[] = [];
const sockets = new Set<Socket>();
let model: ReportModel;
let session: BrowserSession;

beforeAll(async () => {
  root = await makeTempDir('pushlog-pdf-hostile-');
  server = createServer((request, response) => {
    connections.push(`${request.method} ${request.url}`);
    response.end('pwned');
  });
  // Any TCP connection counts, even one that never sends a request (a preconnect).
  server.on('connection', (socket) => {
    connections.push('connection');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const data = join(root, 'hostile.ndjson');
  await writeFile(data, (await readFile(FIXTURE, 'utf8')).replaceAll('__PORT__', String(port)));
  [model, session] = await Promise.all([aprilFromFile(join(root, 'out'), data), launchBrowser()]);
  // The listener does count: a probe is seen, then forgotten.
  await (await fetch(`http://127.0.0.1:${port}/probe`)).text();
  expect(connections).toEqual(['connection', 'GET /probe']);
  connections.length = 0;
});

afterAll(async () => {
  await session?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
  await removeTempDir(root);
});

describe('hostile Url, Id, TypeStr and ResultText', () => {
  it('reach the model as they were sent', () => {
    expect(model.topFailures.map((f) => f.exampleId)).toContain(
      `<img src="http://127.0.0.1:${port}/id.png">`,
    );
    expect(model.byEndpoint.some((e) => e.endpoint.includes('<script'))).toBe(true);
    expect(model.dataQuality.typeStrPairs.some((p) => p.typeStr?.includes('<link'))).toBe(true);
  });

  it('print as visible text, redacted, and the page fetches nothing', async () => {
    const dir = join(root, 'out', ENTERPRISE, MONTH);
    for (const locale of ['en', 'zh-CN'] as const) {
      const artifact = await renderPdf(model, { dir, locale, redact: true }, { browser: session.browser });
      const pdf = await readPdf(artifact.path);
      const text = squash(pdf.text);
      for (const shown of [
        `<img src="http://127.0.0.1:${port}/id.png">`,
        `<a href="javascript:fetch('http://127.0.0.1:${port}/js')">javascript:alert(2)</a>`,
        `<style>body{background:url(http://127.0.0.1:${port}/css.png)}</style>`,
        `<link rel="stylesheet" href="http://127.0.0.1:${port}/link.css">`,
        `<script src="http://127.0.0.1:${port}/ep.js"></script>`,
        '<script>alert(document.cookie)</script>',
        '<a href="javascript:alert(#)">click</a>',
        '<div style="background:url(http://evil.example/x.png)">down</div><img src=x onerror=alert(#)>',
      ]) {
        expect(text, `${locale}: ${shown}`).toContain(squash(shown));
      }
      // The query of the Url never reaches the report; the secret in the response text is redacted.
      expect(text).not.toContain('QUERYSECRET');
      expect(text).not.toContain('TEXTSECRET');
      expect(text).toContain('token=[REDACTED]');
    }
    expect(connections).toEqual([]);
  });
});
