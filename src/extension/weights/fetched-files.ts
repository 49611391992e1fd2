import * as vscode from 'vscode';
import { SeLensError } from '../../core/errors.js';
import { bytesSource, type ByteSource, type ExternalDataHost } from '../../core/onnx/byte-source.js';
import type { Engine, ModelPlace } from '../engine/api.js';
import { readWorkspaceFile } from './workspace-file.js';

/**
 * Files a manifest names beside it (a shard index's shards, TF.js weight shards, ONNX external data), read
 * ahead through `workspace.fs` (the core reads synchronously; the web host has no other way to read files),
 * each checked to stay inside the workspace folder. Only the names given are served, so the core can ask
 * for nothing else.
 */
export async function fetchFiles(names: readonly string[], folder: vscode.Uri, document: vscode.Uri, what: string): Promise<{ host: ExternalDataHost; uris: vscode.Uri[]; versions: string[] }> {
  const read = await Promise.all(names.map((name) => readWorkspaceFile(name, folder, document, what)));
  const byName = new Map(names.map((name, i) => [name, read[i]!.bytes]));
  return {
    host: {
      open(location) {
        const bytes = byName.get(location);
        if (!bytes) throw new SeLensError('missing-file', `"${location}" was not fetched beside the manifest that names it.`);
        return bytesSource(bytes);
      },
    },
    uris: read.map((f) => f.uri),
    versions: read.map((f) => f.version),
  };
}

/** A model file's place when it is not on the local disk: the files its reader opens, fetched from its folder. */
export async function fetchedBeside(uri: vscode.Uri, source: ByteSource, engine: Pick<Engine, 'filesBeside'>): Promise<ModelPlace> {
  const file = uri.path.split('/').pop() ?? '';
  const name = file.includes('.') ? file.slice(0, file.lastIndexOf('.')) : file;
  const names = await engine.filesBeside(source);
  if (names.length === 0) return { name };
  const { host } = await fetchFiles(names, vscode.Uri.joinPath(uri, '..'), uri, vscode.l10n.t('A file named by {0}', file));
  return { name, beside: host };
}
