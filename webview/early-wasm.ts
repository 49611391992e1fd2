/**
 * Takes over the .wasm fetch and compile that the page's first script started (src/extension/inspector/html.ts)
 * for onnxruntime-web. The runner gives ORT the fetched bytes as `env.wasm.wasmBinary`, so ORT fetches nothing;
 * ORT's Emscripten loader then calls `WebAssembly.instantiate(new Uint8Array(bytes), imports)` and offers no hook
 * for a compiled module, so that one call — recognised by its buffer being exactly the early one — is answered
 * with the module compiled early. Every other call, and this one when the early compile failed, goes to the
 * browser's own function unchanged.
 */
import { EARLY_WASM_GLOBAL } from '../src/extension/inspector/html.js';

export interface EarlyWasm {
  readonly url: string;
  readonly bytes: ArrayBuffer;
  readonly module: Promise<WebAssembly.Module>;
}

function started(): Promise<EarlyWasm> | undefined {
  return (window as unknown as Record<string, Promise<EarlyWasm> | undefined>)[EARLY_WASM_GLOBAL];
}

/** The early fetch when it was for `url` and succeeded; otherwise undefined (ORT then fetches as usual). */
export async function earlyWasmFor(url: string): Promise<EarlyWasm | undefined> {
  const early = await started()?.catch(() => undefined);
  return early?.url === url ? early : undefined;
}

type Instantiate = (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) => Promise<unknown>;

/** Installs the answer to ORT's instantiate call; a no-op when the page started no early compile. */
export function useEarlyWasm(): void {
  const early = started();
  if (!early) return;
  const original = WebAssembly.instantiate.bind(WebAssembly) as Instantiate;
  const replacement: Instantiate = async (source, imports) => {
    const buffer = ArrayBuffer.isView(source) ? source.buffer : source;
    const known = await early.catch(() => undefined);
    if (known && buffer === known.bytes) {
      const module = await known.module.catch(() => undefined);
      if (module) {
        performance.mark('se-lens:early-wasm-used');
        return { module, instance: await WebAssembly.instantiate(module, imports) };
      }
    }
    return original(source, imports);
  };
  (WebAssembly as unknown as { instantiate: Instantiate }).instantiate = replacement;
}
