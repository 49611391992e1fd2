import type * as vscode from 'vscode';
import type { ModelView } from './analysis/model-analyses.js';
import type { Engine, SourceRequestLocation } from './engine/api.js';
import type { GateRunner } from './inline/ort-gate-runner.js';

/** Where a document's imports are resolved from, as the host can tell; fires when that may have changed. */
export interface ImportLocations extends vscode.Disposable {
  of(uri: vscode.Uri): Promise<SourceRequestLocation | undefined>;
  readonly onDidChange: vscode.Event<void>;
}

/** How the host reads model files beyond a plain whole-file read. */
export interface ModelHosting {
  /** Reads a large local model off the host thread; absent where the host has no such worker. */
  readonly openInWorker?: (uri: vscode.Uri, size: number, progress?: vscode.Progress<{ message?: string }>) => Promise<ModelView>;
  /** Largest model read whole; larger ones are refused with a message. Absent: no limit. */
  readonly maxWholeReadBytes?: number;
}

/**
 * What differs between the Node extension host (desktop, remote, code-server) and the web worker extension
 * host (vscode.dev, github.dev, browser-hosted VS Code): how the engine loads and where it runs source analysis,
 * how imports are located, how models are read, and how the gate runner gets onnxruntime-web. Every provider,
 * command and view is shared and receives these through activation.
 */
export interface HostPlatform {
  readonly name: 'node' | 'web';
  engine(): Promise<Engine>;
  /** `isSource`: documents the front-ends read (unsaved ones are handed to import resolution). */
  importLocations(isSource: (doc: vscode.TextDocument) => boolean): ImportLocations;
  readonly models: ModelHosting;
  /** The inline gate runner, created on the first `Run gates` lens. */
  gateRunner(): Promise<GateRunner>;
}
