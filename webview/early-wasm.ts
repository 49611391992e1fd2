/**
 * Hands the .wasm compile that the page's first script started (src/extension/inspector/html.ts) to
 * onnxruntime-web. ORT's Emscripten loader instantiates with `WebAssembly.instantiateStreaming(fetch(url),
 * imports)` and offers no hook for a compiled module, so for that one URL the call is answered with the module
 * compiled early; every other call, and this one when the early compile failed (a server without the
 * `application/wasm` type, say), goes to the browser's own function unchanged.
 */
import { EARLY_WASM_GLOBAL } from '../src/extension/inspector/html.js';

interface EarlyWasm {
  readonly url: string;
  readonly module: Promise<WebAssembly.Module>;
}

export function useEarlyWasm(): void {
  const early = (window as unknown as Record<string, Promise<EarlyWasm> | undefined>)[EARLY_WASM_GLOBAL];
  if (!early) return;
  const original = WebAssembly.instantiateStreaming.bind(WebAssembly);
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const response = await source;
    const compiled = await early.catch(() => undefined);
    if (compiled && response.url === compiled.url) {
      const module = await compiled.module.catch(() => undefined);
      if (module) {
        // The early fetch already streamed these bytes into the compile.
        void response.body?.cancel().catch(() => {});
        performance.mark('se-lens:early-wasm-used');
        return { module, instance: await WebAssembly.instantiate(module, imports) };
      }
    }
    return original(response, imports);
  };
}
