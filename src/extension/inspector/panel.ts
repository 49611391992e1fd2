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
import type { GateRunner } from '../inline/ort-gate-runner.js';
import { errorMessage, log } from '../log.js';
import { defaultInputSize, readSettings } from '../settings.js';
import type { SamplePlan } from '../../core/inputs/samples.js';
import { hostGates, hostRunPlan } from './host-gates.js';
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

/** The extension host's warm gate runner (the inline strips'), where the host has one: it paints a fresh panel's first heatmap. */
export type HostRunnerSource = () => Promise<GateRunner>;

export interface RenderedEvent {
  readonly blockId: string;
  readonly rows: number;
  readonly cols: number;
  /** Whose gates: the host's first ones on a fresh panel, or the webview's own run. */
  readonly source?: 'host' | 'webview';
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
  /** Posted once the webview is ready: the latest load and what followed it. */
  private pending: HostMessage[] = [];
  /** Set by the webview's first own run: its runtime is warm, so the host no longer runs gates for it. */
  private webviewRan = false;
  private disposed = false;
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
  static show(context: vscode.ExtensionContext, request: InspectorRequest, hostRunner?: HostRunnerSource): InspectorPanel {
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
    InspectorPanel.current = new InspectorPanel(context, panel, request, hostRunner);
    return InspectorPanel.current;
  }

  /** Takes over a panel VS Code created (the `.onnx` custom editor). */
  static attach(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, request: InspectorRequest, hostRunner?: HostRunnerSource): InspectorPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(context, request) };
    return new InspectorPanel(context, panel, request, hostRunner);
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    request: InspectorRequest,
    private readonly hostRunner: HostRunnerSource | undefined,
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
      hostGates: this.hostRunner !== undefined,
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
      const host = await this.hostRun(inspection, this.input);
      this.post({
        type: 'load',
        ...inspection,
        backend: settings.backend,
        input: this.input,
        ...(this.request.focusBlockId !== undefined ? { focusBlockId: this.request.focusBlockId } : {}),
        ...(host ? { hostGatesComing: true } : {}),
      });
      if (host) void this.sendHostGates(host.runner, host.plan, inspection);
    } catch (e) {
      log().error(`inspector: preparing ${this.request.title}:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
      this.post({ type: 'error', message: errorMessage(e) });
    }
  }

  /**
   * The webview's first heatmap from the host's runner, while the webview's runtime starts (it compares its own
   * run with these). A failure only costs that head start: the webview runs as ever.
   */
  private async sendHostGates(runner: GateRunner, plan: SamplePlan, inspection: Inspection): Promise<void> {
    try {
      const message = await hostGates(runner, inspection, plan);
      log().info(`inspector: ${inspection.modelKey} gates from the host: session ${message.createMs.toFixed(0)} ms, run ${message.runMs.toFixed(1)} ms`);
      this.post(message);
    } catch (e) {
      log().warn(`inspector: the host's gate run failed, the panel runs its own: ${errorMessage(e)}`);
      // The webview waits for these: no matrices tells it to start its own run now.
      this.post({ type: 'hostGates', modelKey: inspection.modelKey, gates: [], createMs: 0, runMs: 0 });
    }
  }

  /**
   * Whether the host runs this load's gates: only before the webview's first own run (its runtime is cold), with the
   * runner already warm (a cold one would come later than the webview's own), within the budget.
   */
  private async hostRun(inspection: Inspection, input: InputSpec): Promise<{ runner: GateRunner; plan: SamplePlan } | undefined> {
    if (!this.hostRunner || this.webviewRan) return undefined;
    try {
      // Asking creates and warms the runner when nothing has yet: the next fresh panel finds it warm.
      const runner = await this.hostRunner();
      const plan = runner.isWarm ? hostRunPlan(inspection, input) : undefined;
      return plan && { runner, plan };
    } catch (e) {
      log().warn(`inspector: the host does not run this load's gates, the panel runs its own: ${errorMessage(e)}`);
      return undefined;
    }
  }

  /** Queued until the webview says it is ready: messages posted before its script runs are lost. */
  private post(message: HostMessage): void {
    if (this.disposed) return;
    if (!this.ready) {
      // A newer load supersedes an older one and what followed it.
      if (message.type === 'load') this.pending = [message];
      else this.pending.push(message);
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
          for (const p of this.pending.splice(0)) this.post(p);
          return;
        case 'ran':
          log().info(`inspector: ${m.modelKey} on ${m.ep}: session ${m.createMs.toFixed(0)} ms, run ${m.runMs.toFixed(1)} ms, ${m.samples} samples`);
          this.webviewRan = true;
          this.ran.fire(m);
          return;
        case 'gatesCompared': {
          const line = `inspector: ${m.modelKey}: the host's gates and the panel's own, ${m.matrices} matrices, max |Δ| ${m.maxAbsDiff.toExponential(2)}`;
          if (m.agree) log().info(`${line}: agree`);
          else log().warn(`${line}: they DISAGREE; the panel shows its own`);
          return;
        }
        case 'rendered':
          this.rendered.fire({ blockId: m.blockId, rows: m.rows, cols: m.cols, ...(m.source ? { source: m.source } : {}) });
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
    this.disposed = true;
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
