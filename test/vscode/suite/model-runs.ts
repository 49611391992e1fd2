import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vscode from 'vscode';
import { EXTENSION_ID, until } from './util.js';
import type { SeLensApi } from '../../../src/extension/extension.js';
import type { ModelView } from '../../../src/extension/analysis/model-analyses.js';
import type { SizeRequest } from '../../../src/core/inputs/sizes.js';

// Helpers of the model-format tests: open a model file in the editor, run what the inspector runs.

export function api(): SeLensApi {
  return vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports;
}

export const root = (): string => vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;

type Ort = typeof import('onnxruntime-web');

/** onnxruntime-web's WASM build in the extension host, set up as the inline gate runner sets it up (same files from dist/). */
let ortLoaded: Promise<Ort> | undefined;
function ortWasm(): Promise<Ort> {
  ortLoaded ??= Promise.all([import('onnxruntime-web/wasm'), readFile(join(root(), 'dist', 'webview', 'ort', 'ort-wasm-simd-threaded.wasm'))]).then(([ort, wasm]) => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.wasm.wasmBinary = wasm;
    ort.env.wasm.wasmPaths = { mjs: pathToFileURL(join(root(), 'dist', 'ort-node', 'ort-wasm-simd-threaded.mjs')).href };
    return ort as unknown as Ort;
  });
  return ortLoaded;
}

/** Runs the model the inspector runs (the inspection's bytes) on `x`: each block's gates, in block order. `sizes`: the panel's sizes for dynamic dims. */
export async function inspectorGates(view: ModelView, x: Float32Array, shape: number[], sizes?: SizeRequest): Promise<Float32Array[]> {
  const inspection = await view.inspection('torchstat', sizes);
  const ort = await ortWasm();
  const session = await ort.InferenceSession.create(inspection.modelBytes, { executionProviders: ['wasm'] });
  try {
    const out = await session.run({ [inspection.inputs[0]!.name]: new ort.Tensor('float32', x, shape) });
    return inspection.blocks.map((b) => out[b.tensors.gate]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

export function assertGates(ours: readonly Float32Array[], theirs: readonly { gates: number[] }[], minSpread = 0.5): void {
  assert.equal(ours.length, theirs.length, 'blocks');
  ours.forEach((g, i) => {
    assert.equal(g.length, theirs[i]!.gates.length, `block ${i}: channels`);
    let worst = 0;
    for (let k = 0; k < g.length; k++) worst = Math.max(worst, Math.abs(g[k]! - theirs[i]!.gates[k]!));
    assert.ok(worst < 1e-4, `block ${i}: max |Δ| ${worst}`);
  });
  // The gates spread far from the constant 0.5 that framework-default random weights give past the first blocks.
  const all = ours.flatMap((g) => Array.from(g));
  assert.ok(Math.max(...all) - Math.min(...all) > minSpread, `gates spread ${Math.min(...all)}…${Math.max(...all)}`);
}

export function activeCustomEditor(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

/** Opens `uri` as a user would (vscode.open), expects the model editor, the tree's blocks and a drawn heatmap. */
export async function openInEditor(uri: vscode.Uri, viewType: string, open: () => Thenable<unknown>) {
  await open();
  const input = await until('the custom editor', () => {
    const i = activeCustomEditor();
    return i?.uri.toString() === uri.toString() ? i : undefined;
  });
  assert.equal(input.viewType, viewType);
  const blocks = await until('tree blocks', async () => {
    const b = await api().services.tree.activeBlocks();
    return b.length ? b : undefined;
  });
  const name = uri.path.split('/').pop()!;
  const render = await until('the heatmap in the editor', () => {
    const r = api().services.inspector.lastRender;
    return r?.title === name ? r : undefined;
  }, 600);
  return { blocks, render };
}
