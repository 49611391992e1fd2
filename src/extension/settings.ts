import * as vscode from 'vscode';
import type { Convention } from '../core/stats/table.js';
import { CONVENTIONS } from '../core/stats/table.js';
import { DEFAULT_INPUT_SIZE, type DefaultInputSize } from '../core/inputs/sizes.js';
import { MAX_BATCH, MAX_DIM } from '../core/protocol.js';
import { DEFAULT_SCAN_INCLUDE } from './editor/model-files.js';

export type Backend = 'auto' | 'webgpu' | 'wasm';

/** The extension's settings, read fresh on each use so a change applies without reload. */
export interface Settings {
  readonly convention: Convention;
  /** `[batch, channels, height, width]` for units whose shape neither a comment nor a call site gives. */
  readonly defaultInputShape: readonly [number, number, number, number];
  readonly codeLensForOtherModules: boolean;
  readonly inlayHints: boolean;
  readonly backend: Backend;
  readonly scanInclude: string;
  readonly scanExclude: string;
  /** Models larger than this many bytes are parsed in a worker thread. */
  readonly workerThresholdBytes: number;
}

export const SECTION = 'seLens';
const FALLBACK_SHAPE: Settings['defaultInputShape'] = [1, 64, 56, 56];

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const convention = c.get<string>('convention', 'torchstat');
  const backend = c.get<string>('backend', 'auto');
  return {
    convention: (CONVENTIONS as readonly string[]).includes(convention) ? (convention as Convention) : 'torchstat',
    defaultInputShape: parseDefaultShape(c.get<unknown>('defaultInputShape')) ?? FALLBACK_SHAPE,
    codeLensForOtherModules: c.get<boolean>('codeLens.otherModules', true),
    inlayHints: c.get<boolean>('inlayHints.enabled', true),
    backend: backend === 'webgpu' || backend === 'wasm' ? backend : 'auto',
    scanInclude: c.get<string>('scan.include', DEFAULT_SCAN_INCLUDE),
    scanExclude: c.get<string>('scan.exclude', '**/{node_modules,.git,.venv,venv,dist,build,out}/**'),
    workerThresholdBytes: Math.max(0, c.get<number>('largeModelThresholdMB', 32)) * 1024 * 1024,
  };
}

function parseDefaultShape(value: unknown): Settings['defaultInputShape'] | undefined {
  if (!Array.isArray(value) || value.length !== 4) return undefined;
  if (!value.every((d) => Number.isInteger(d) && d > 0)) return undefined;
  return [value[0], value[1], value[2], value[3]];
}

/**
 * Reads a shape typed by a user: `[1, 64, 56, 56]`, `1,64,56,56` or `1x64x56x56`.
 * Returns undefined for anything else so the input box can say what it expects.
 */
export function parseShape(text: string): number[] | undefined {
  const inner = text.trim().replace(/^\[|\]$/g, '').trim();
  if (!inner) return undefined;
  const parts = inner.split(/\s*[,x×]\s*|\s+/);
  if (parts.length < 1 || parts.length > 6) return undefined;
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return dims.every((d) => Number.isSafeInteger(d) && d > 0 && d <= 1 << 20) ? dims : undefined;
}

/** `seLens.defaultInputSize`, with the built-in default for anything missing or out of range. */
export function defaultInputSize(scope?: vscode.ConfigurationScope): DefaultInputSize {
  const value = vscode.workspace.getConfiguration('seLens', scope).get<Partial<DefaultInputSize>>('defaultInputSize') ?? {};
  const valid = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max;
  return {
    batch: valid(value.batch, MAX_BATCH) ? value.batch : DEFAULT_INPUT_SIZE.batch,
    spatial: valid(value.spatial, MAX_DIM) ? value.spatial : DEFAULT_INPUT_SIZE.spatial,
  };
}
