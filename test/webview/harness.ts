/**
 * Runs the real inspector bundle in headless Chromium the way VS Code hosts it: the page on one
 * origin with the panel's CSP (header and meta), the bundle, CSS, ORT .wasm and model bytes on a
 * second origin (`cspSource`, CORS-enabled like VS Code's resource server). A small init script stands
 * in for `acquireVsCodeApi` and records what the webview posts to the host.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { HostMessage, LoadMessage, WebviewMessage } from '../../src/core/protocol.js';
import { inspectorCsp, inspectorHtml, makeNonce } from '../../src/extension/inspector/html.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.SE_LENS_CHROMIUM ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.onnx': 'application/octet-stream',
};

/** Builds dist/webview with the project's own target file, so the test runs the shipped bundle. */
export async function buildWebview(): Promise<void> {
  const { build } = await import('esbuild');
  const targets = (await import(pathToFileURL(join(ROOT, 'scripts', 'targets', 'webview.mjs')).href)).default as object[];
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    await Promise.all(targets.map((t) => build({ bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none', ...t })));
  } finally {
    process.chdir(cwd);
  }
}

export interface Served {
  readonly pageUrl: string;
  readonly resourceOrigin: string;
  /** Makes `bytes` fetchable at the returned URL (on the resource origin). */
  addModel(key: string, bytes: Uint8Array): string;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));
}

/**
 * `backend`: the setting the page is created with (it warms up that runtime); `hostGates`: the page is a panel whose
 * host may paint the first heatmap (the Node extension host's panels).
 */
export async function serve(backend: 'auto' | 'webgpu' | 'wasm' = 'auto', hostGates = false): Promise<Served> {
  const models = new Map<string, Uint8Array>();
  const resources = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('Access-Control-Allow-Origin', '*');
    let body: Uint8Array | undefined;
    if (url.pathname.startsWith('/models/')) body = models.get(decodeURIComponent(url.pathname.slice(8)));
    else if (url.pathname.startsWith('/dist/') || url.pathname.startsWith('/media/')) {
      const file = normalize(join(ROOT, url.pathname));
      if (file.startsWith(ROOT)) {
        try {
          body = readFileSync(file);
        } catch {
          body = undefined;
        }
      }
    }
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(url.pathname)] ?? 'application/octet-stream' }).end(body);
  });
  const resourcePort = await listen(resources);
  const resourceOrigin = `http://127.0.0.1:${resourcePort}`;
  const page = createServer((_req, res) => {
    const nonce = makeNonce();
    const html = inspectorHtml({
      cspSource: resourceOrigin,
      nonce,
      scriptUri: `${resourceOrigin}/dist/webview/inspector.js`,
      styleUri: `${resourceOrigin}/media/inspector.css`,
      ortBaseUri: `${resourceOrigin}/dist/webview/ort/`,
      backend,
      hostGates,
    });
    res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Security-Policy': inspectorCsp(resourceOrigin, nonce) }).end(html);
  });
  const pagePort = await listen(page);
  return {
    pageUrl: `http://127.0.0.1:${pagePort}/`,
    resourceOrigin,
    addModel(key, bytes) {
      models.set(key, bytes);
      return `${resourceOrigin}/models/${encodeURIComponent(key)}`;
    },
    async close() {
      await Promise.all([resources, page].map((s) => new Promise((done) => s.close(done))));
    },
  };
}

export interface Launched {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with (`webgpu`) or without a WebGPU adapter: `--enable-unsafe-webgpu` gives SwiftShader here. */
export async function launch(webgpu: boolean): Promise<Launched> {
  const userDir = mkdtempSync(join(tmpdir(), 'se-lens-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

/** Stands in for VS Code: `acquireVsCodeApi` and a way to post a model fetched from the resource origin. */
const HOST_SHIM = `
  window.__toHost = [];
  window.__toHostTimes = [];
  window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.__toHost.push(m); window.__toHostTimes.push(performance.now()); } });
  window.__postLoad = async (message, url) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    window.__loadPostedAt = performance.now();
    window.postMessage({ ...message, modelBytes: bytes }, '*');
  };
`;

/**
 * A fresh panel as VS Code opens one: the host has queued the load (InspectorPanel.post) and posts it the moment
 * the page says ready; the model's bytes are fetched from the page's first moment, standing in for the host
 * preparing them while the page loads.
 */
const QUEUED_LOAD = (message: unknown, url: string, after: readonly unknown[]) => `
  (() => {
    const bytes = fetch(${JSON.stringify(url)}).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b));
    const message = ${JSON.stringify(message)};
    const after = ${JSON.stringify(after)};
    let loadPosted;
    window.__loadPosted = new Promise((done) => (loadPosted = done));
    const post = window.acquireVsCodeApi().postMessage;
    window.acquireVsCodeApi = () => ({ postMessage: (m) => {
      post(m);
      if (m && m.type === 'ready') void bytes.then((modelBytes) => {
        window.__loadPostedAt = performance.now();
        window.postMessage({ ...message, modelBytes }, '*');
        for (const a of after) window.postMessage(window.__fromWire(a), '*');
        loadPosted();
      });
    } });
  })();
`;

/** Host messages carry Uint8Arrays; through the init script and `evaluate` they travel as base64 (`{ $bytes }`). */
const WIRE = `
  window.__fromWire = (v) => {
    if (Array.isArray(v)) return v.map(window.__fromWire);
    if (v && typeof v === 'object') {
      if (typeof v.$bytes === 'string') return Uint8Array.from(atob(v.$bytes), (c) => c.charCodeAt(0));
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, window.__fromWire(x)]));
    }
    return v;
  };
`;

/** `message` with every Uint8Array as `{ $bytes: base64 }`, for `__fromWire` in the page. */
export function toWire(message: unknown): unknown {
  if (message instanceof Uint8Array) return { $bytes: Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('base64') };
  if (Array.isArray(message)) return message.map(toWire);
  if (message && typeof message === 'object') return Object.fromEntries(Object.entries(message).map(([k, v]) => [k, toWire(v)]));
  return message;
}

export class InspectorPage {
  readonly consoleLines: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (m) => this.consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.consoleLines.push(`pageerror: ${e.message}`));
  }

  /**
   * A fresh page that gets `message` (with the bytes at `url`) as soon as it is ready, like a panel VS Code has
   * just created, and the host messages `after` right behind it; resolves once the page is navigated (`load`), or
   * as soon as the navigation is committed (`commit`: the page is still loading its bundle).
   */
  static async openWithLoad(
    launched: Launched,
    served: Served,
    message: Omit<LoadMessage, 'modelBytes'>,
    url: string,
    after: readonly HostMessage[] = [],
    waitUntil: 'load' | 'commit' = 'load',
  ): Promise<InspectorPage> {
    const page = await launched.context.newPage();
    await page.addInitScript(HOST_SHIM);
    await page.addInitScript(WIRE);
    await page.addInitScript(QUEUED_LOAD(message, url, after.map(toWire)));
    const inspector = new InspectorPage(page);
    await page.goto(served.pageUrl, { waitUntil });
    return inspector;
  }

  /**
   * Posts a host message once the queued load has been (a fresh panel's host gates follow its load); resolves
   * with the index of the next host-bound message.
   */
  async postAfterLoad(message: HostMessage): Promise<number> {
    const skip = await this.messageCount();
    await this.page.evaluate(async (m) => {
      const w = window as unknown as { __loadPosted: Promise<void>; __fromWire(v: unknown): unknown };
      await w.__loadPosted;
      window.postMessage(w.__fromWire(m), '*');
    }, toWire(message));
    return skip;
  }

  /** The page's performance marks (webview/main.ts) by name, its DOM-interactive time and .wasm fetch, in ms since navigation. */
  async timeline(): Promise<Record<string, number>> {
    return this.page.evaluate(() => {
      const out: Record<string, number> = {};
      for (const m of performance.getEntriesByType('mark')) out[m.name.replace(/^se-lens:/, '')] = m.startTime;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      if (nav) out['dom-interactive'] = nav.domInteractive;
      for (const r of performance.getEntriesByType('resource') as PerformanceResourceTiming[]) {
        if (r.name.endsWith('.wasm')) Object.assign(out, { 'wasm-fetch-start': r.startTime, 'wasm-fetch-end': r.responseEnd });
      }
      return out;
    });
  }

  static async open(launched: Launched, served: Served): Promise<InspectorPage> {
    const page = await launched.context.newPage();
    await page.addInitScript(HOST_SHIM);
    const inspector = new InspectorPage(page);
    await page.goto(served.pageUrl);
    await inspector.waitFor((m) => m.type === 'ready');
    return inspector;
  }

  /** Host-bound messages from index `from` on (earlier ones are not copied out of the page again). */
  async messages(from = 0): Promise<WebviewMessage[]> {
    return this.page.evaluate((start) => (window as unknown as { __toHost: WebviewMessage[] }).__toHost.slice(start), from);
  }

  /** Milliseconds from the last `load` post (bytes already in the page, as postMessage delivers them) to message `index`. */
  async msSinceLoad(index: number): Promise<number> {
    return this.page.evaluate((i) => {
      const w = window as unknown as { __toHostTimes: number[]; __loadPostedAt: number };
      return w.__toHostTimes[i]! - w.__loadPostedAt;
    }, index);
  }

  async messageCount(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as { __toHost: WebviewMessage[] }).__toHost.length);
  }

  /** Waits for a host-bound message matching `match` posted after the first `skip` messages. */
  async waitFor(match: (m: WebviewMessage) => boolean, skip = 0, timeoutMs = 180_000): Promise<WebviewMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.messages(skip);
      const error = all.find((m) => m.type === 'error');
      const found = all.find(match);
      if (found) return found;
      if (error && error.type === 'error') throw new Error(`webview error: ${error.message}\n${this.consoleLines.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for a webview message; got ${JSON.stringify(all.map((m) => m.type))}\n${this.consoleLines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Like `waitFor`, but gives the message's index (for `msSinceLoad`). */
  async waitForIndex(match: (m: WebviewMessage) => boolean, skip = 0): Promise<number> {
    await this.waitFor(match, skip);
    return skip + (await this.messages(skip)).findIndex(match);
  }

  /** Posts a `load` whose bytes the page fetches from `url`; resolves with the index of the next message. */
  async load(message: Omit<LoadMessage, 'modelBytes'>, url: string): Promise<number> {
    const skip = await this.messageCount();
    await this.page.evaluate(([m, u]) => (window as unknown as { __postLoad(m: unknown, u: string): Promise<void> }).__postLoad(m, u), [message, url] as const);
    return skip;
  }

  /** Posts a host message; with `imageBytes`, `input.images[].rgba` number arrays become Uint8Arrays in the page. */
  async post(message: unknown, imageBytes = false): Promise<number> {
    const skip = await this.messageCount();
    await this.page.evaluate(
      ([m, convert]) => {
        const msg = m as { input?: { images?: { rgba: unknown }[] } };
        if (convert) for (const im of msg.input?.images ?? []) im.rgba = new Uint8Array(im.rgba as number[]);
        window.postMessage(msg, '*');
      },
      [message, imageBytes] as const,
    );
    return skip;
  }

  /** Selects a block in the list and exports its gates as CSV through the UI; returns the parsed matrix. */
  async gatesOf(blockId: string): Promise<{ rows: number; cols: number; values: Float64Array }> {
    const skip = await this.messageCount();
    await this.page.locator(`table.blocks tr[data-block-id="${cssEscape(blockId)}"] button`).click();
    await this.waitFor((m) => m.type === 'rendered' && m.blockId === blockId, skip);
    const before = await this.messageCount();
    await this.page.locator('#export-csv').click();
    const exported = await this.waitFor((m) => m.type === 'export' && m.format === 'csv', before);
    if (exported.type !== 'export' || typeof exported.data !== 'string') throw new Error('CSV export gave no text');
    return parseCsv(exported.data);
  }
}

export function parseCsv(text: string): { rows: number; cols: number; values: Float64Array } {
  const lines = text.trim().split('\n').slice(1);
  const cells = lines.map((l) => l.split(',').slice(1).map(Number));
  const cols = cells[0]?.length ?? 0;
  return { rows: cells.length, cols, values: Float64Array.from(cells.flat()) };
}

function cssEscape(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export type { Browser };
