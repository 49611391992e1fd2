import * as vscode from 'vscode';
import type { SEBlock } from '../../core/detect/block.js';
import { bytesSource } from '../../core/onnx/byte-source.js';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import { seOverhead, type SeOverhead } from '../../core/stats/se-overhead.js';
import type { Convention, StatsTable } from '../../core/stats/table.js';
import type { Engine } from '../engine/api.js';
import { SeLensError } from '../../core/errors.js';
import type { ModelHosting } from '../platform.js';
import { storedElements } from '../../core/stats/stored-elements.js';
import { log } from '../log.js';
import { readSettings } from '../settings.js';
import { fetchedBeside } from '../weights/fetched-files.js';

/** A model file as the surfaces see it; tables are async because a large model lives in a worker. */
export interface ModelView {
  readonly uri: vscode.Uri;
  readonly size: number;
  readonly blocks: readonly SEBlock[];
  /** Total parameters (initializer elements). */
  readonly params: number;
  readonly inWorker: boolean;
  table(convention: Convention, blockId?: string): Promise<StatsTable>;
  /** What the SE blocks cost against the whole model (SENet Table 2), for the SE Blocks view. */
  overhead(): Promise<SeOverhead>;
  /** The inspector's data: the model with its gates as outputs, and the tables. */
  inspection(convention: Convention, sizes?: SizeRequest): Promise<Inspection>;
  dispose(): void;
}

interface Entry {
  readonly mtime: number;
  readonly view: Promise<ModelView>;
}

/**
 * One analysis per model file and modification time; large local files are read in a worker where the host
 * has one, and files beyond what the host can read whole are refused with a one-line reason.
 */
export class ModelAnalyses implements vscode.Disposable {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly engine: () => Promise<Engine>, private readonly hosting: ModelHosting) {}

  async get(uri: vscode.Uri, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
    const stat = await vscode.workspace.fs.stat(uri);
    const key = uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.mtime === stat.mtime) return hit.view;
    if (hit) void hit.view.then((v) => v.dispose(), () => undefined);
    const threshold = readSettings(uri).workerThresholdBytes;
    const inWorker = this.hosting.openInWorker;
    const view = inWorker && uri.scheme === 'file' && stat.size > threshold ? inWorker(uri, stat.size, progress) : this.inHost(uri, stat.size, progress);
    this.cache.set(key, { mtime: stat.mtime, view });
    view.catch(() => this.cache.delete(key));
    return view;
  }

  private async inHost(uri: vscode.Uri, size: number, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
    const limit = this.hosting.maxWholeReadBytes;
    if (limit !== undefined && size > limit) {
      throw new SeLensError('unsupported', vscode.l10n.t(
        '{0} is {1} MB; here models are read whole and at most {2} MB (the file system offers no ranged reads). Open it in VS Code desktop.',
        uri.path.split('/').pop() ?? '', Math.round(size / 1048576), Math.round(limit / 1048576)));
    }
    progress?.report({ message: vscode.l10n.t('Reading {0}…', uri.path.split('/').pop() ?? '') });
    const [bytes, engine] = await Promise.all([vscode.workspace.fs.readFile(uri), this.engine()]);
    const started = Date.now();
    const source = bytesSource(bytes);
    // Off the local disk (the web host, virtual file systems) the files beside the model are fetched first.
    const place = uri.scheme === 'file' ? { path: uri.fsPath } : await fetchedBeside(uri, source, engine);
    const analysis = await engine.analyzeModel(source, place);
    const title = uri.path.split('/').pop() ?? '';
    log().info(`read ${uri.toString(true)} (${bytes.length} B) in ${Date.now() - started} ms: ${analysis.blocks.length} SE blocks`);
    return {
      uri,
      size,
      blocks: analysis.blocks,
      params: storedElements(analysis.model.graph),
      inWorker: false,
      table: async (convention, blockId) => analysis.table(convention, blockId),
      overhead: async () => seOverhead(analysis),
      inspection: async (convention, sizes) => engine.inspectModel(analysis, source, title, convention, place, sizes),
      dispose: () => undefined,
    };
  }

  forget(uri: vscode.Uri): void {
    const hit = this.cache.get(uri.toString());
    this.cache.delete(uri.toString());
    if (hit) void hit.view.then((v) => v.dispose(), () => undefined);
  }

  dispose(): void {
    for (const e of this.cache.values()) void e.view.then((v) => v.dispose(), () => undefined);
    this.cache.clear();
  }
}
