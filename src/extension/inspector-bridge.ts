import * as vscode from 'vscode';
import type { Inspection } from '../core/inspect/inspection.js';
import { InspectorPanel, type HostRunnerSource, type InspectorRequest, type RenderedEvent } from './inspector/panel.js';

/**
 * Opens the inspector (src/extension/inspector/panel.ts) for commands, lenses, the tree and the `.onnx`
 * editor, and remembers the last heatmap each panel put on screen, so tests can tell that it rendered.
 */
export class InspectorBridge implements vscode.Disposable {
  private readonly watched = new WeakSet<InspectorPanel>();
  private readonly panels = new Set<InspectorPanel>();
  /** The latest heatmap rendered by any inspector, with its panel's title and what the panel ran. */
  lastRender: (RenderedEvent & { readonly title: string; readonly inspection?: Inspection }) | undefined;

  /** `hostRunner`: the extension host's gate runner, where a fresh panel's first heatmap may come from it. */
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hostRunner?: HostRunnerSource,
  ) {}

  open(request: InspectorRequest): InspectorPanel {
    return this.watch(InspectorPanel.show(this.context, request, this.hostRunner));
  }

  /** The `.onnx` custom editor hands over the panel VS Code created. */
  attach(panel: vscode.WebviewPanel, request: InspectorRequest): InspectorPanel {
    return this.watch(InspectorPanel.attach(this.context, panel, request, this.hostRunner));
  }

  private watch(panel: InspectorPanel): InspectorPanel {
    if (this.watched.has(panel)) return panel;
    this.watched.add(panel);
    this.panels.add(panel);
    panel.onDidRender((e) => (this.lastRender = { ...e, title: panel.panel.title, ...(panel.inspection ? { inspection: panel.inspection } : {}) }));
    panel.panel.onDidDispose(() => this.panels.delete(panel));
    return panel;
  }

  dispose(): void {
    for (const p of this.panels) p.dispose();
    this.panels.clear();
  }
}
