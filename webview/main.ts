/**
 * The inspector webview: receives a gate model from the host (protocol.ts), runs it with
 * onnxruntime-web, and shows the block list, gate heatmaps, the across-depth view, prunability and
 * the stats table. All host messages are validated; malformed ones are dropped and reported.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import type { SEBlock } from '../src/core/detect/block.js';
import { planSamples } from '../src/core/inputs/samples.js';
import type { BackendPreference, HostGatesMessage, HostMessage, InputSizeChoice, InputSpec, LoadMessage, WebviewMessage } from '../src/core/protocol.js';
import { MAX_BATCH, MAX_DIM, parseHostMessage } from '../src/core/protocol.js';
import { seOverheadLines } from '../src/core/stats/se-overhead.js';
import type { Convention } from '../src/core/stats/table.js';
import { CONVENTIONS } from '../src/core/stats/table.js';
import { renderAcrossDepth } from './depth.js';
import { custom, el } from './dom.js';
import { canvasToPng, gatesToCsv, safeFileName, statsToMarkdown } from './exports.js';
import type { GateMatrix, Prunability } from './gates.js';
import { prunability } from './gates.js';
import type { Zoom } from './heatmap.js';
import { HeatmapView, ZOOMS } from './heatmap.js';
import { useEarlyWasm } from './early-wasm.js';
import { compareGates, HOST_AGREEMENT, hostMatrices, type GateComparison } from './host-gates.js';
import { GateRunner } from './ort-runner.js';
import { renderBlockList, renderPrunability, renderStatsTable, shapeText } from './tables.js';

interface VsCodeApi {
  postMessage(message: WebviewMessage, transfer?: Transferable[]): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// The timeline of a panel (script start, ORT imported and warm, model received, session, run, heatmap), read by
// the bench and the UI test through performance.getEntriesByType('mark').
performance.mark('se-lens:script');
const vscode = acquireVsCodeApi();
const post = (message: WebviewMessage): void => vscode.postMessage(message);
// Said before the page is built: the host's answer (the model) travels while this module builds the page, and cannot
// arrive before its listener below, as messages are only delivered once this module's evaluation has finished.
post({ type: 'ready' });

interface State {
  load: LoadMessage;
  input: InputSpec;
  backend: BackendPreference;
  gates: Map<string, GateMatrix>;
  /** Whose gates `gates` holds: the extension host's (painted first, on a fresh panel) or this page's own run. */
  gatesFrom: 'host' | 'webview' | undefined;
  /** The host's gates of this load, until this page's own run of the load's input has been compared with them. */
  hostGates: Map<string, GateMatrix> | undefined;
  /** This page's own run waits for the host's gates (the load said they are coming). */
  ownRunDeferred: boolean;
  scores: Map<string, Prunability>;
  selected: string;
  sortByMean: boolean;
  /** Colours over the values' own min…max instead of the gate's 0…1. */
  stretch: boolean;
  zoom: Zoom;
}

useEarlyWasm();
const runner = new GateRunner(document.body.dataset.ortBase ?? '');
const initialBackend = document.body.dataset.backend;
// When the host may paint the first heatmap, ORT's JS (a long evaluation) waits for the first run of this page's own,
// so the host's gates find the page's thread free; the .wasm fetch and compile started by the page's first script go on.
if (document.body.dataset.hostGates !== 'expected') runner.warmUp(initialBackend === 'webgpu' || initialBackend === 'wasm' ? initialBackend : 'auto');
/** Longest wait for gates the host said are coming before this page runs its own anyway (a lost message, a stalled host). */
const HOST_GATES_WAIT_MS = 1500;
let state: State | undefined;
/** Each run gets a number; a result that is no longer the latest is dropped. */
let runCounter = 0;

// ---- layout ----------------------------------------------------------------------------------

const app = document.getElementById('app') ?? document.body;
const status = el('div', { className: 'status', id: 'status', textContent: 'Waiting for a model…' });
status.setAttribute('role', 'status');
/** Source units: which weights ran (a checkpoint's file, or framework defaults and their seed) and the pairing notes. */
const weightsBox = el('div', { className: 'weights', id: 'weights', hidden: true });
const errorBox = el('div', { className: 'error', id: 'error', hidden: true });
errorBox.setAttribute('role', 'alert');
const blockListBox = el('div', { id: 'blocks' });
const heatTitle = el('h2', { id: 'heatmap-title' });
const heatShapes = el('div', { className: 'shapes', id: 'block-shapes' });
const heatBox = el('div', { id: 'heatmap' });
const depthBox = el('div', { id: 'depth' });
const pruneBox = el('div', { id: 'prunability' });
const statsBox = el('div', { id: 'stats' });

function select(id: string, label: string, options: readonly { value: string; label: string }[], value: string): HTMLElement {
  const s = custom('vscode-single-select', { id, 'aria-label': label }, options.map((o) => custom('vscode-option', { value: o.value, ...(o.value === value ? { selected: true } : {}) }, [o.label])));
  return s;
}
function field(id: string, label: string, value: string): HTMLElement {
  return custom('vscode-textfield', { id, value, 'aria-label': label, size: '8' });
}
function button(id: string, label: string, onClick: () => void, secondary = false): HTMLElement {
  const b = custom('vscode-button', { id, ...(secondary ? { secondary: true } : {}) }, [label]);
  b.addEventListener('click', onClick);
  return b;
}
function valueOf(id: string): string {
  return String((document.getElementById(id) as unknown as { value?: string } | null)?.value ?? '');
}

const inputKind = select('input-kind', 'Input', [
  { value: 'normal', label: 'random normal' },
  { value: 'uniform', label: 'random uniform' },
  { value: 'constant', label: 'constant' },
], 'normal');
const backendSelect = select('backend', 'Backend', [
  { value: 'auto', label: 'auto (WebGPU, else WASM)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WASM' },
], 'auto');
backendSelect.addEventListener('change', () => {
  if (!state) return;
  state.backend = valueOf('backend') as BackendPreference;
  void run();
});
const controls = el('div', { className: 'controls' }, [
  el('label', { textContent: 'Backend ' }, [backendSelect]),
  el('label', { textContent: 'Input ' }, [inputKind]),
  el('label', { textContent: 'seed ' }, [field('seed', 'Seed', '0')]),
  el('label', { textContent: 'samples ' }, [field('batch', `Samples (1 to ${MAX_BATCH})`, '4')]),
  el('label', { textContent: 'low/value ' }, [field('low', 'Uniform low, or the constant value', '0')]),
  el('label', { textContent: 'high ' }, [field('high', 'Uniform high', '1')]),
  button('run', 'Run', () => rerunFromControls()),
  button('pick-image', 'Image…', () => post({ type: 'pickInput', kind: 'image' }), true),
  button('pick-folder', 'Image folder…', () => post({ type: 'pickInput', kind: 'imageFolder' }), true),
  button('pick-npy', '.npy…', () => post({ type: 'pickInput', kind: 'npy' }), true),
]);
/** One field per dynamic input dim (H, W, …), each with where its value came from. */
const sizesBox = el('div', { className: 'controls sizes', id: 'sizes', hidden: true });

const sortBox = custom('vscode-checkbox', { id: 'sort', label: 'Sort channels by mean gate' });
sortBox.addEventListener('change', () => {
  if (!state) return;
  state.sortByMean = (sortBox as unknown as { checked: boolean }).checked;
  showHeatmap();
});
const stretchBox = custom('vscode-checkbox', { id: 'stretch', label: 'Stretch colours to the values’ range' });
stretchBox.addEventListener('change', () => {
  if (!state) return;
  state.stretch = (stretchBox as unknown as { checked: boolean }).checked;
  showHeatmap();
});
const zoomSelect = select('zoom', 'Zoom', ZOOMS.map((z) => ({ value: String(z), label: z === 'fit' ? 'fit width' : `${z} px per channel` })), 'fit');
zoomSelect.addEventListener('change', () => {
  if (!state) return;
  const v = valueOf('zoom');
  state.zoom = v === 'fit' ? 'fit' : (Number(v) as Zoom);
  showHeatmap();
});
const heatControls = el('div', { className: 'controls' }, [
  sortBox,
  stretchBox,
  el('label', { textContent: 'Zoom ' }, [zoomSelect]),
  button('export-png', 'Export PNG', () => void exportPng(), true),
  button('export-csv', 'Export CSV', () => exportCsv(), true),
]);
const conventionSelect = select('convention', 'Counting convention', CONVENTIONS.map((c) => ({ value: c, label: c })), 'torchstat');
conventionSelect.addEventListener('change', () => post({ type: 'setConvention', convention: valueOf('convention') as Convention }));
const statsControls = el('div', { className: 'controls' }, [
  el('label', { textContent: 'Convention ' }, [conventionSelect]),
  button('export-md', 'Export Markdown', () => exportMarkdown(), true),
]);

function tab(title: string, panel: HTMLElement[]): HTMLElement[] {
  return [custom('vscode-tab-header', { slot: 'header' }, [title]), custom('vscode-tab-panel', {}, panel)];
}
const tabs = custom('vscode-tabs', { 'selected-index': '0' }, [
  ...tab('Heatmap', [heatTitle, heatShapes, heatControls, heatBox]),
  ...tab('Across depth', [depthBox]),
  ...tab('Prunability', [pruneBox]),
  ...tab('Table', [statsControls, statsBox]),
]);
app.append(el('header', {}, [el('h1', { id: 'title', textContent: 'SE Lens inspector' }), weightsBox, status]), errorBox, controls, sizesBox, blockListBox, tabs);


// ---- messages ----------------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent) => {
  const parsed = parseHostMessage(event.data);
  if (!parsed.ok) {
    console.warn(`SE Lens: dropped a malformed host message (${parsed.reason})`);
    post({ type: 'error', message: `dropped a malformed host message: ${parsed.reason}` });
    return;
  }
  void handle(parsed.value);
});

async function handle(message: HostMessage): Promise<void> {
  switch (message.type) {
    case 'load':
      performance.mark('se-lens:load-received');
      state = {
        load: message,
        input: inputFor(message),
        backend: message.backend,
        gates: new Map(),
        gatesFrom: undefined,
        hostGates: undefined,
        ownRunDeferred: false,
        scores: new Map(),
        selected: selectionFor(message),
        sortByMean: state?.sortByMean ?? false,
        stretch: state?.stretch ?? false,
        zoom: state?.zoom ?? 'fit',
      };
      document.getElementById('title')!.textContent = message.title;
      showWeights(message.weights);
      showSizes();
      syncControls();
      showBlockList();
      showStats();
      if (message.hostGatesComing) deferOwnRun(state);
      else await run();
      return;
    case 'hostGates':
      showHostGates(message);
      return;
    case 'setInput':
      if (!state) return;
      state.input = message.input;
      syncControls();
      await run();
      return;
    case 'setBackend':
      if (!state) return;
      state.backend = message.backend;
      await run();
      return;
    case 'stats':
      if (!state) return;
      state.load = { ...state.load, convention: message.convention, stats: message.stats, blockStats: message.blockStats };
      showStats();
      return;
    case 'error':
      showError(message.message);
      return;
  }
}

/**
 * What to run: the host's input, except that a reload of the same model (new sizes) keeps the random
 * input the user set here; picked files always come from the host.
 */
function inputFor(message: LoadMessage): InputSpec {
  const random = (i: InputSpec) => i.kind === 'normal' || i.kind === 'uniform' || i.kind === 'constant';
  if (state && state.load.title === message.title && random(message.input) && random(state.input)) return state.input;
  return message.input;
}

/** The clicked block; on a reload of the same model (new sizes) the block the user was looking at. */
function selectionFor(message: LoadMessage): string {
  const has = (id: string | undefined) => id !== undefined && message.blocks.some((b) => b.id === id);
  if (state && state.load.title === message.title && has(state.selected)) return state.selected;
  return has(message.focusBlockId) ? message.focusBlockId! : (message.blocks[0]?.id ?? '');
}

function syncControls(): void {
  if (!state) return;
  const set = (id: string, v: string): void => {
    const node = document.getElementById(id) as unknown as { value: string } | null;
    if (node) node.value = v;
  };
  const input = state.input;
  if (input.kind === 'normal' || input.kind === 'uniform' || input.kind === 'constant') {
    set('input-kind', input.kind);
    set('batch', String(input.batch));
    if (input.kind !== 'constant') set('seed', String(input.seed));
    if (input.kind === 'uniform') {
      set('low', String(input.low));
      set('high', String(input.high));
    }
    if (input.kind === 'constant') set('low', String(input.value));
  }
  set('backend', state.backend);
  set('convention', state.load.convention);
}

const SOURCE_LABEL: Record<InputSizeChoice['source'], string> = { panel: 'set here', image: 'from the image', metadata: 'from model metadata', setting: 'seLens.defaultInputSize' };

/** Dims the user can size here: every dynamic one but the batch, which the samples field sets. */
function sizedDims(): InputSizeChoice[] {
  return state?.load.sizes?.filter((c) => c.role !== 'batch') ?? [];
}

function showSizes(): void {
  const dims = sizedDims();
  sizesBox.hidden = dims.length === 0;
  if (!dims.length) {
    sizesBox.replaceChildren();
    return;
  }
  const fields = dims.map((c) => {
    const input = field(`size-${c.symbol}`, `Size of ${c.symbol} (input ${c.input}, dim ${c.axis})`, String(c.value));
    input.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') applySizes();
    });
    return el('label', { className: 'size', title: `${c.input}, dim ${c.axis}: ${c.value} (${SOURCE_LABEL[c.source]})` }, [
      `${c.symbol} `,
      input,
      el('span', { className: 'size-source', id: `size-source-${c.symbol}`, textContent: ` ${SOURCE_LABEL[c.source]}` }),
    ]);
  });
  sizesBox.replaceChildren(
    el('span', { textContent: 'Input sizes: ' }),
    ...fields,
    button('apply-sizes', 'Apply sizes', () => void applySizes()),
    button('reset-sizes', 'Reset', () => post({ type: 'setSizes', sizes: {} }), true),
  );
}

/**
 * Sends the sizes the user typed (and the ones set here before) to the host, which infers shapes again
 * and reloads; returns false when nothing changed, so Run just runs.
 */
function applySizes(): boolean {
  const dims = sizedDims();
  const sizes: Record<string, number> = {};
  let changed = false;
  for (const c of dims) {
    const v = Number(valueOf(`size-${c.symbol}`));
    if (!Number.isInteger(v) || v < 1 || v > MAX_DIM) {
      showError(`${c.symbol} must be a whole number from 1 to ${MAX_DIM}.`);
      return true;
    }
    if (v !== c.value) changed = true;
    if (v !== c.value || c.source === 'panel') sizes[c.symbol] = v;
  }
  if (!changed) return false;
  status.textContent = `Sizing ${Object.entries(sizes).map(([k, v]) => `${k} = ${v}`).join(', ')}…`;
  post({ type: 'setSizes', sizes });
  return true;
}

function describeSizes(): string {
  const dims = sizedDims();
  return dims.length ? ` · ${dims.map((c) => `${c.symbol} ${c.value} (${SOURCE_LABEL[c.source]})`).join(', ')}` : '';
}

function rerunFromControls(): void {
  if (!state) return;
  if (applySizes()) return;
  const kind = valueOf('input-kind');
  const seed = Number(valueOf('seed'));
  const batch = Number(valueOf('batch'));
  const low = Number(valueOf('low'));
  const high = Number(valueOf('high'));
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) return showError(`Samples must be a whole number from 1 to ${MAX_BATCH}.`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) return showError('The seed must be a whole number from 0 to 4294967295.');
  if (!Number.isFinite(low) || !Number.isFinite(high)) return showError('Low, high and value must be numbers.');
  if (kind === 'uniform' && !(high > low)) return showError('For uniform input, high must be above low.');
  state.input = kind === 'uniform' ? { kind, seed, batch, low, high } : kind === 'constant' ? { kind, value: low, batch } : { kind: 'normal', seed, batch };
  void run();
}

// ---- running -----------------------------------------------------------------------------------

async function run(): Promise<void> {
  const s = state;
  if (!s) return;
  const id = ++runCounter;
  const input = s.input;
  s.ownRunDeferred = false;
  showError('');
  status.textContent = `Running ${s.load.blocks.length} block${s.load.blocks.length === 1 ? '' : 's'}…`;
  try {
    const plan = planSamples(s.load.inputs, s.input, s.load.layout, s.load.imageFit);
    const result = await runner.run(
      s.load.modelKey,
      s.load.modelBytes,
      s.backend,
      plan.runs,
      s.load.blocks.map((b) => ({ tensor: b.tensors.gate, channels: b.channels })),
    );
    if (id !== runCounter || s !== state) return;
    s.gates = result.gates;
    s.gatesFrom = 'webview';
    status.dataset.source = 'webview';
    const comparison = s.hostGates && input === s.load.input ? compareGates(s.hostGates, result.gates) : undefined;
    s.hostGates = undefined;
    status.textContent =
      `EP: ${result.ep}${result.fallbackReason ? ` (${result.fallbackReason})` : ''} · session ${result.createMs > 0 ? `${result.createMs.toFixed(0)} ms` : 'reused'}` +
      ` · run ${result.runMs.toFixed(1)} ms · ${plan.samples} sample${plan.samples === 1 ? '' : 's'} · input ${describeInput(s.input)}${describeSizes()}`;
    status.dataset.ep = result.ep;
    post({ type: 'ran', modelKey: s.load.modelKey, ep: result.ep, createMs: result.createMs, runMs: result.runMs, samples: plan.samples });
    if (comparison) reportComparison(s, comparison);
    showHeatmap();
    // The other views after the first heatmap is on screen.
    requestAnimationFrame(() => {
      if (s !== state) return;
      s.scores = new Map([...s.gates].map(([k, g]) => [k, prunability(g)]));
      depthBox.replaceChildren(renderAcrossDepth(s.load.blocks, s.gates));
      pruneBox.replaceChildren(renderPrunability(s.load.blocks, s.gates, s.scores));
    });
  } catch (e) {
    if (id !== runCounter) return;
    const message = e instanceof Error ? e.message : String(e);
    status.textContent = 'Run failed.';
    showError(message);
    post({ type: 'error', message });
  }
}

/**
 * The host's gates for the current load: painted at once when this page has not run yet (its runtime is still
 * starting), else compared with the page's own run. Gates of another model, or of an input changed here since
 * the load, are not the gates this page runs, and are dropped.
 */
function showHostGates(message: HostGatesMessage): void {
  const s = state;
  if (!s || message.modelKey !== s.load.modelKey || s.input !== s.load.input) return;
  if (message.gates.length === 0) {
    // The host's run failed: nothing to paint or compare.
    startDeferredRun(s);
    return;
  }
  const host = hostMatrices(message);
  if (s.gatesFrom === 'webview') {
    reportComparison(s, compareGates(host, s.gates));
    return;
  }
  performance.mark('se-lens:host-gates-received');
  s.hostGates = host;
  s.gates = host;
  s.gatesFrom = 'host';
  const samples = host.values().next().value?.rows ?? 0;
  status.textContent =
    `Gates from the extension host (WASM, session ${message.createMs.toFixed(0)} ms, run ${message.runMs.toFixed(1)} ms) · ${samples} sample${samples === 1 ? '' : 's'}` +
    ` · input ${describeInput(s.input)}${describeSizes()} · the panel's own runtime is starting…`;
  status.dataset.source = 'host';
  showHeatmap();
  // A task of its own, so the host's heatmap reaches the screen before ORT's JS is evaluated.
  setTimeout(() => startDeferredRun(s), 0);
}

/** The host said it runs this load's gates: this page paints those first and starts its runtime after them. */
function deferOwnRun(s: State): void {
  s.ownRunDeferred = true;
  status.textContent = `Running ${s.load.blocks.length} block${s.load.blocks.length === 1 ? '' : 's'} in the extension host…`;
  setTimeout(() => startDeferredRun(s), HOST_GATES_WAIT_MS);
}

function startDeferredRun(s: State): void {
  if (s !== state || !s.ownRunDeferred) return;
  void run();
}

/** Says whether the host's gates and this page's own agree; on a disagreement the page's own are what is shown. */
function reportComparison(s: State, c: GateComparison): void {
  const diff = c.maxAbsDiff === Number.MAX_VALUE ? 'shapes or NaNs differ' : `max |Δ| ${c.maxAbsDiff.toExponential(1)}`;
  status.textContent += c.agree ? ` · the host's first gates agree (${diff})` : ` · the host's first gates DISAGREE (${diff})`;
  status.dataset.hostAgreement = c.agree ? 'agree' : 'disagree';
  if (!c.agree) showError(`The extension host's gates differ from this panel's own run (${diff}, allowed ${HOST_AGREEMENT}); the heatmap shows the panel's own.`);
  post({ type: 'gatesCompared', modelKey: s.load.modelKey, maxAbsDiff: c.maxAbsDiff, matrices: c.matrices, agree: c.agree });
}

function showWeights(weights: LoadMessage['weights']): void {
  weightsBox.hidden = !weights;
  weightsBox.dataset.kind = weights?.kind ?? '';
  const notes = weights?.kind === 'trained' ? weights.notes : [];
  weightsBox.replaceChildren(...(weights ? [el('strong', { textContent: weights.label })] : []), ...(notes.length ? [el('ul', {}, notes.map((n) => el('li', { textContent: n })))] : []));
}

function describeInput(input: InputSpec): string {
  switch (input.kind) {
    case 'normal':
      return `normal(0, 1), seed ${input.seed}`;
    case 'uniform':
      return `uniform(${input.low}, ${input.high}), seed ${input.seed}`;
    case 'constant':
      return `constant ${input.value}`;
    case 'images':
      return `${input.images.length} image${input.images.length === 1 ? '' : 's'}`;
    case 'npy':
      return input.name;
  }
}

// ---- views -------------------------------------------------------------------------------------

let heatmap: HeatmapView | undefined;

function selectedBlock(): SEBlock | undefined {
  return state?.load.blocks.find((b) => b.id === state!.selected);
}

function showBlockList(): void {
  if (!state) return;
  blockListBox.replaceChildren(
    renderBlockList(state.load.blocks, state.selected, (id) => {
      if (!state) return;
      state.selected = id;
      showBlockList();
      showHeatmap();
      showStats();
    }),
    ...overheadLines(),
  );
}

/** The host's SE overhead under the block list, worded by the same function as the CLI's. */
function overheadLines(): HTMLElement[] {
  const overhead = state?.load.seOverhead;
  if (!overhead) return [];
  const [summary, ...notes] = seOverheadLines(overhead);
  if (summary === undefined) return [];
  return [el('div', { id: 'se-overhead' }, [el('p', { className: 'overhead', textContent: summary }), ...notes.map((n) => el('p', { className: 'note', textContent: n }))])];
}

function showHeatmap(): void {
  const s = state;
  const block = selectedBlock();
  if (!s || !block) {
    heatBox.replaceChildren(el('p', { textContent: 'No SE blocks in this model.' }));
    return;
  }
  const gates = s.gates.get(block.tensors.gate);
  heatTitle.textContent = `Block ${block.id || '(whole model)'}: ${block.variant}, ${block.gate} gate`;
  heatShapes.textContent =
    `input ${shapeText(block.inputShape)} · C ${block.channels} · squeeze ${block.squeezeChannels ?? '–'} · r ${block.reductionRatio ?? '–'}` +
    ` · ${block.params.toLocaleString('en-US')} params · gate tensor ${block.tensors.gate}`;
  if (!gates) {
    heatBox.replaceChildren(el('p', { textContent: 'No gate values yet.' }));
    return;
  }
  if (!heatmap) heatmap = new HeatmapView('Gates');
  if (heatmap.root.parentElement !== heatBox) heatBox.replaceChildren(heatmap.root);
  const range: [number, number] = s.stretch && gates.max() > gates.min() ? [gates.min(), gates.max()] : [0, 1];
  const ms = heatmap.show(gates, { sortByMean: s.sortByMean, zoom: s.zoom, range });
  heatmap.root.dataset.renderMs = ms.toFixed(2);
  heatmap.root.dataset.blockId = block.id;
  performance.mark(s.gatesFrom === 'host' ? 'se-lens:heatmap-host' : 'se-lens:heatmap');
  post({ type: 'rendered', blockId: block.id, rows: gates.rows, cols: gates.cols, ...(s.gatesFrom ? { source: s.gatesFrom } : {}) });
}

function showStats(): void {
  const s = state;
  if (!s) return;
  const block = selectedBlock();
  const blockTable = block ? s.load.blockStats.find((b) => b.blockId === block.id)?.table : undefined;
  const parts: HTMLElement[] = [];
  if (blockTable) parts.push(renderStatsTable(blockTable, `Block ${block!.id || '(whole model)'}`));
  if (s.load.stats) parts.push(renderStatsTable(s.load.stats, s.load.title));
  if (parts.length === 0) parts.push(el('p', { textContent: 'No statistics for this model.' }));
  statsBox.replaceChildren(...parts);
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = message === '';
}

// ---- exports -----------------------------------------------------------------------------------

function exportBase(): string {
  const block = selectedBlock();
  return `${state?.load.title ?? 'model'}-${block?.id || 'block'}`;
}

async function exportPng(): Promise<void> {
  if (!heatmap || !state) return;
  post({ type: 'export', format: 'png', fileName: safeFileName(`${exportBase()}-gates`, 'png'), data: await canvasToPng(heatmap.canvas) });
}

function exportCsv(): void {
  const block = selectedBlock();
  const gates = block && state?.gates.get(block.tensors.gate);
  if (!gates) return;
  post({ type: 'export', format: 'csv', fileName: safeFileName(`${exportBase()}-gates`, 'csv'), data: gatesToCsv(gates) });
}

function exportMarkdown(): void {
  const s = state;
  if (!s) return;
  const block = selectedBlock();
  const blockTable = block ? s.load.blockStats.find((b) => b.blockId === block.id)?.table : undefined;
  const text = [blockTable ? statsToMarkdown(blockTable, `Block ${block!.id || '(whole model)'}`) : '', s.load.stats ? statsToMarkdown(s.load.stats, s.load.title) : '']
    .filter(Boolean)
    .join('\n');
  if (text) post({ type: 'export', format: 'md', fileName: safeFileName(`${s.load.title}-stats`, 'md'), data: text });
}

