/**
 * The inspector page. Pure (no `vscode` import) so the headless-Chromium test serves exactly the page
 * and the CSP the panel uses. CSP: nothing by default; scripts only by nonce, plus
 * 'wasm-unsafe-eval' for onnxruntime-web's WebAssembly; fetches (ORT's .wasm) and images only from the
 * webview resource origin; styles from it (our CSS) — vscode-elements use constructable stylesheets,
 * which CSP does not govern. No workers: one thread, no proxy.
 */
export interface InspectorPageUris {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** URI of the folder dist/webview/ort/ (with a trailing slash) that holds ORT's .wasm files. */
  readonly ortBaseUri: string;
  readonly nonce: string;
  /** The backend setting, so the page can start compiling the right ORT runtime before the model arrives. */
  readonly backend: 'auto' | 'webgpu' | 'wasm';
  /**
   * The extension host may run the first load's gates (a fresh panel in a host with a warm gate runner): the page
   * then leaves its own runtime alone until that load says whether they come, so nothing holds its thread when they do.
   */
  readonly hostGates?: boolean;
}

export function inspectorCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    `style-src ${cspSource}`,
    `connect-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

/** The window property through which the page's first script hands its .wasm compile to webview/early-wasm.ts. */
export const EARLY_WASM_GLOBAL = 'seLensEarlyWasm';

/**
 * The page's first script (inline, by nonce, before the bundle is even fetched): starts fetching and compiling the
 * ORT .wasm the chosen EP will load, so the fetch and the compile — the largest cost before the first heatmap — run
 * (the compile on the engine's background threads) while the bundle loads and the host prepares the model. WASM build when the setting is `wasm` or no WebGPU adapter exists;
 * with an adapter under `auto`, the JSEP build. Kept tiny and dependency-free; ORT's loader takes the result
 * through webview/early-wasm.ts, and any failure here just leaves ORT to compile as it would have.
 */
function earlyWasmScript(ortBaseUri: string, backend: InspectorPageUris['backend']): string {
  const base = JSON.stringify(ortBaseUri).replace(/</g, '\\u003c');
  return `(() => {
  const base = ${base};
  const gpu = ${backend === 'wasm' ? 'undefined' : 'navigator.gpu'};
  const file = (gpu ? gpu.requestAdapter().then((a) => (a ? 'ort-wasm-simd-threaded.jsep.wasm' : 'ort-wasm-simd-threaded.wasm'), () => 'ort-wasm-simd-threaded.wasm') : Promise.resolve('ort-wasm-simd-threaded.wasm'));
  const started = file.then(async (f) => {
    const url = new URL(f, base).href;
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(response.status + ' ' + url);
    const bytes = await response.arrayBuffer();
    const module = WebAssembly.compile(bytes);
    module.catch(() => {});
    return { url, bytes, module };
  });
  started.catch(() => {});
  window.${EARLY_WASM_GLOBAL} = started;
})();`;
}

export function inspectorHtml(p: InspectorPageUris): string {
  const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(inspectorCsp(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>SE Lens inspector</title>
<script nonce="${attr(p.nonce)}">${earlyWasmScript(p.ortBaseUri, p.backend)}</script>
</head>
<body data-ort-base="${attr(p.ortBaseUri)}" data-backend="${attr(p.backend)}"${p.hostGates ? ' data-host-gates="expected"' : ''}>
<main id="app"></main>
<script type="module" nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 random alphanumerics; `crypto.getRandomValues` exists in Node 20 and every webview. */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}
