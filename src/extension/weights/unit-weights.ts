import * as vscode from 'vscode';
import { manifestFiles } from '../../core/formats/sharded/manifest-files.js';
import { bytesSource, type ExternalDataHost } from '../../core/onnx/byte-source.js';
import type { TrainedModel } from '../../core/pairing/trained-model.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { Engine } from '../engine/api.js';
import { fetchFiles } from './fetched-files.js';
import { notebookOf, statWorkspaceFile } from './workspace-file.js';

export const WEIGHTS_SETTING = 'seLens.weights';

/** A weights file's bytes and the files its manifest names, as read through `workspace.fs`. */
interface FetchedWeights {
  readonly bytes: Uint8Array;
  readonly beside?: ExternalDataHost;
  /** The files the manifest names, checked again before the read is reused (a shard may change alone). */
  readonly besideUris: readonly vscode.Uri[];
  /** Sizes and modification times of the file and of `besideUris`. */
  readonly version: string;
}

/**
 * The last weights file read, by URI and version: a convention switch or a second run does not read a
 * checkpoint again. One only: a checkpoint may take hundreds of MB.
 */
const recent = new Map<string, Promise<FetchedWeights>>();
const RECENT_FILES = 1;
/** Pairings per unit (a new analysis makes new units), by file and version. */
const paired = new WeakMap<SourceUnit, Map<string, TrainedModel>>();

/**
 * The trained weights for `unit`: its `# se-lens: weights=…` comment (a path relative to the source file's
 * folder) wins over the `seLens.weights` setting (relative to the workspace folder); `undefined` when
 * neither names one, so the unit runs on framework-default weights. The file's tensors pair with the
 * source's weights by state-dict or layer name (`seLens.weightsPrefix`, else a shared prefix the names
 * prove): names that do not pair are listed in the notes, never guessed. The files a manifest names (a shard
 * index's shards, a TF.js model's weight files) are read from its folder through `workspace.fs`, so the web
 * host reads them too; reading and pairing happen in the engine, so activation does not load the readers.
 */
export async function trainedWeightsFor(engine: Engine, unit: SourceUnit, cellOrFile: vscode.Uri): Promise<TrainedModel | undefined> {
  // A notebook cell's paths are the notebook file's: relative to its folder, inside its workspace folder.
  const document = notebookOf(cellOrFile) ?? cellOrFile;
  const config = vscode.workspace.getConfiguration('seLens', document);
  const fromSetting = config.get<string>('weights', '').trim();
  const written = unit.weightsDirective ?? (fromSetting || undefined);
  if (!written) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(document);
  const base = unit.weightsDirective ? vscode.Uri.joinPath(document, '..') : (folder?.uri ?? vscode.Uri.joinPath(document, '..'));
  const what = unit.weightsDirective ? vscode.l10n.t('The weights comment') : vscode.l10n.t('The seLens.weights setting');
  const { uri, label, stat } = await statWorkspaceFile(written, base, document, what);
  const prefix = config.get<string>('weightsPrefix', '') || undefined;
  const version = `${stat.size}:${stat.mtime}`;
  const key = `${uri.toString()}\u0000${version}`;
  let file = recent.get(key);
  if (file && !(await unchanged(await file.catch(() => undefined), version))) {
    recent.delete(key);
    file = undefined;
  }
  if (!file) {
    file = fetchWeights(uri, label, version, document);
    recent.set(key, file);
    file.catch(() => recent.delete(key));
    while (recent.size > RECENT_FILES) recent.delete(recent.keys().next().value!);
  }
  const fetched = await file;
  const pairingKey = `${key}\u0000${fetched.version}\u0000${prefix ?? ''}`;
  let perUnit = paired.get(unit);
  if (!perUnit) paired.set(unit, (perUnit = new Map()));
  let trained = perUnit.get(pairingKey);
  if (!trained) {
    trained = await engine.pairWeights(unit, { bytes: fetched.bytes, ...(fetched.beside ? { beside: fetched.beside } : {}), label, version: fetched.version, ...(prefix ? { prefix } : {}) });
    perUnit.clear();
    perUnit.set(pairingKey, trained);
  }
  return trained;
}

/**
 * The file and the files its manifest names beside it (a shard index's shards, a TF.js model.json's weight
 * shards), each inside the manifest's folder and the workspace folder, read ahead for the synchronous readers.
 */
async function fetchWeights(uri: vscode.Uri, label: string, version: string, document: vscode.Uri): Promise<FetchedWeights> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const names = manifestFiles(bytesSource(bytes));
  if (names.length === 0) return { bytes, besideUris: [], version };
  const beside = await fetchFiles(names, vscode.Uri.joinPath(uri, '..'), document, vscode.l10n.t('A file named by {0}', label));
  return { bytes, beside: beside.host, besideUris: beside.uris, version: [version, ...beside.versions].join(',') };
}

/** Whether a read is still the files' content: its own version, and each file it fetched beside it. */
async function unchanged(read: FetchedWeights | undefined, version: string): Promise<boolean> {
  if (!read) return false;
  const stats = await Promise.all(read.besideUris.map((uri) => Promise.resolve(vscode.workspace.fs.stat(uri)).then((s) => `${s.size}:${s.mtime}`, () => 'gone')));
  return read.version === [version, ...stats].join(',');
}
