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
</head>
<body data-ort-base="${attr(p.ortBaseUri)}" data-backend="${attr(p.backend)}">
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
