/**
 * The inspector's webview host: creates (or adopts) the panel with the inspector page and its CSP,
 * sends the model to run as a Uint8Array (VS Code transfers typed arrays without JSON or base64),
 * validates every message from the webview (a malformed one is dropped and logged), and serves its
 * requests: input files, convention changes, exports through a save dialog.
 */
import * as vscode from 'vscode';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import { MAX_BATCH, parseWebviewMessage, type HostMessage, type InputSpec, type WebviewMessage } from '../../core/protocol.js';
import type { Convention } from '../../core/stats/table.js';
import { errorMessage, log } from '../log.js';
import { defaultInputSize, readSettings } from '../settings.js';
import { inspectorHtml, makeNonce } from './html.js';
import { decodeImageFiles, imagesInFolder } from './images.js';

export const INSPECTOR_VIEW_TYPE = 'seLens.inspectorWebview';
/** Samples of the first run: rows of the first heatmap. */
export const DEFAULT_SAMPLES = 4;

/** What to inspect. The engine builds the `Inspection`; `prepare` is called again when the convention changes. */
export interface InspectorRequest {
  readonly title: string;
  /** The opened model's folder: added to `localResourceRoots` (nothing else of the workspace is). */
  readonly modelFolder?: vscode.Uri;
  /** Block to show first. */
  readonly focusBlockId?: string;
  /** Identifies the model across sessions (its URI): the sizes set in the panel are remembered under it. */
  readonly modelId?: string;
  /** `sizes` says how to size the model's dynamic input dims (panel, picked image, setting). */
  prepare(convention: Convention, sizes: SizeRequest): Promise<Inspection> | Inspection;
}

export interface RenderedEvent {
  readonly blockId: string;
  readonly rows: number;
  readonly cols: number;
}

export class InspectorPanel implements vscode.Disposable {
  private static current: InspectorPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly rendered = new vscode.EventEmitter<RenderedEvent>();
  private readonly ran = new vscode.EventEmitter<Extract<WebviewMessage, { type: 'ran' }>>();
  /** Fires when a heatmap is on screen (the extension's UI test waits for it). */
  readonly onDidRender = this.rendered.event;
  /** Fires after each run with the EP and the timings. */
  readonly onDidRun = this.ran.event;
  private request: InspectorRequest;
  private ready = false;
  private pending: HostMessage | undefined;
  /** What the webview runs on: kept across reloads (a new size keeps the picked images). */
  private input: InputSpec = { kind: 'normal', seed: 0, batch: DEFAULT_SAMPLES };
  /** Size of the first picked image, for a model whose H and W are dynamic. */
  private image: { height: number; width: number } | undefined;
  /** The last inspection's dynamic dims, to know whether a picked image should size them. */
  private dynamicSpatial = false;
  /** The convention last shown, so a reload for new sizes keeps it. */
  private convention: Convention | undefined;
  /** What the webview was last sent to run (its model, blocks and weights' origin). */
  inspection: Inspection | undefined;

  /** Opens the inspector beside the editor, reusing the open panel. */
  static show(context: vscode.ExtensionContext, request: InspectorRequest): InspectorPanel {
    const existing = InspectorPanel.current;
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside);
      existing.setRequest(request, context);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, request.title, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: resourceRoots(context, request),
    });
    InspectorPanel.current = new InspectorPanel(context, panel, request);
    return InspectorPanel.current;
  }

  /** Takes over a panel VS Code created (the `.onnx` custom editor). */
  static attach(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, request: InspectorRequest): InspectorPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(context, request) };
    return new InspectorPanel(context, panel, request);
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    request: InspectorRequest,
  ) {
    this.request = request;
    panel.title = request.title;
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
      this.rendered,
      this.ran,
    );
    void this.load();
  }

  private setRequest(request: InspectorRequest, context: vscode.ExtensionContext): void {
    this.request = request;
    this.input = { kind: 'normal', seed: 0, batch: DEFAULT_SAMPLES };
    this.image = undefined;
    this.panel.title = request.title;
    // A model from another folder needs that folder readable; options can change on a live panel.
    this.panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(context, request) };
    void this.load();
  }

  private html(): string {
    const w = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    return inspectorHtml({
      cspSource: w.cspSource,
      nonce: makeNonce(),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(dist, 'inspector.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'inspector.css')).toString(),
      ortBaseUri: `${w.asWebviewUri(vscode.Uri.joinPath(dist, 'ort')).toString()}/`,
      backend: readSettings(this.request.modelFolder).backend,
    });
  }

  private sizesMemoryKey(): string {
    return `seLens.inputSizes:${this.request.modelId ?? this.request.title}`;
  }

  /** The panel's remembered sizes, the picked image and the setting, for the engine to choose from. */
  private sizeRequest(): SizeRequest {
    const panel = this.context.workspaceState.get<Record<string, number>>(this.sizesMemoryKey());
    return {
      ...(panel && Object.keys(panel).length ? { panel } : {}),
      ...(this.image ? { image: this.image } : {}),
      defaults: defaultInputSize(this.request.modelFolder),
    };
  }

  private async load(convention?: Convention): Promise<void> {
    const settings = readSettings(this.request.modelFolder);
    try {
      const inspection = await this.request.prepare(convention ?? this.convention ?? settings.convention, this.sizeRequest());
      this.convention = inspection.convention;
      this.inspection = inspection;
      this.dynamicSpatial = Boolean(inspection.sizes?.some((c) => c.role === 'height' || c.role === 'width'));
      this.post({
        type: 'load',
        ...inspection,
        backend: settings.backend,
        input: this.input,
        ...(this.request.focusBlockId !== undefined ? { focusBlockId: this.request.focusBlockId } : {}),
      });
    } catch (e) {
      log().error(`inspector: preparing ${this.request.title}:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
      this.post({ type: 'error', message: errorMessage(e) });
    }
  }

  /** Queued until the webview says it is ready: messages posted before its script runs are lost. */
  private post(message: HostMessage): void {
    if (!this.ready) {
      // Only the latest matters: a newer load supersedes an older one.
      this.pending = message;
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      log().warn(`inspector: dropped a malformed webview message (${parsed.reason})`);
      return;
    }
    const m = parsed.value;
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          if (this.pending) {
            const p = this.pending;
            this.pending = undefined;
            this.post(p);
          }
          return;
        case 'ran':
          log().info(`inspector: ${m.modelKey} on ${m.ep}: session ${m.createMs.toFixed(0)} ms, run ${m.runMs.toFixed(1)} ms, ${m.samples} samples`);
          this.ran.fire(m);
          return;
        case 'rendered':
          this.rendered.fire({ blockId: m.blockId, rows: m.rows, cols: m.cols });
          return;
        case 'error':
          log().warn(`inspector webview: ${m.message}`);
          return;
        case 'setSizes':
          // Remembered per model; `{}` forgets, so the image or the setting decides again.
          await this.context.workspaceState.update(this.sizesMemoryKey(), Object.keys(m.sizes).length ? m.sizes : undefined);
          await this.load();
          return;
        case 'setConvention': {
          this.convention = m.convention;
          const inspection = await this.request.prepare(m.convention, this.sizeRequest());
          this.post({ type: 'stats', convention: m.convention, stats: inspection.stats, blockStats: inspection.blockStats });
          return;
        }
        case 'pickInput':
          await this.pickInput(m.kind);
          return;
        case 'export':
          await this.save(m.fileName, m.data);
          return;
      }
    } catch (e) {
      log().error(`inspector: handling ${m.type}:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
      void vscode.window.showErrorMessage(errorMessage(e));
    }
  }

  private async pickInput(kind: 'image' | 'imageFolder' | 'npy'): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: kind !== 'imageFolder',
      canSelectFolders: kind === 'imageFolder',
      canSelectMany: kind === 'image',
      ...(this.request.modelFolder ? { defaultUri: this.request.modelFolder } : {}),
      ...(kind === 'image' ? { filters: { Images: ['png', 'jpg', 'jpeg'] } } : kind === 'npy' ? { filters: { NumPy: ['npy'] } } : {}),
    });
    if (!picked?.length) return;
    let input: InputSpec;
    if (kind === 'npy') {
      input = { kind: 'npy', name: picked[0]!.path.split('/').pop() ?? 'array.npy', bytes: plainBytes(await vscode.workspace.fs.readFile(picked[0]!)) };
    } else {
      const files = kind === 'imageFolder' ? await imagesInFolder(picked[0]!) : picked.slice(0, MAX_BATCH);
      input = { kind: 'images', images: await decodeImageFiles(files) };
    }
    this.input = input;
    if (input.kind === 'images' && this.dynamicSpatial) {
      // The model's H and W are dynamic: the first image sizes them (unless the panel set them), so shapes are inferred again.
      const first = input.images[0]!;
      this.image = { height: first.height, width: first.width };
      await this.load();
      return;
    }
    this.post({ type: 'setInput', input });
  }

  private async save(fileName: string, data: Uint8Array | string): Promise<void> {
    const folder = this.request.modelFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {});
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    log().info(`inspector: saved ${target.fsPath}`);
  }

  dispose(): void {
    if (InspectorPanel.current === this) InspectorPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/**
 * A plain Uint8Array copy: on Node hosts `workspace.fs.readFile` returns a Buffer, which webview messages
 * serialise through Buffer's toJSON ({type, data}) instead of as bytes, and the webview rejects the message.
 */
function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes);
}

function resourceRoots(context: vscode.ExtensionContext, request: InspectorRequest): vscode.Uri[] {
  return [
    vscode.Uri.joinPath(context.extensionUri, 'dist'),
    vscode.Uri.joinPath(context.extensionUri, 'media'),
    ...(request.modelFolder ? [request.modelFolder] : []),
  ];
}
