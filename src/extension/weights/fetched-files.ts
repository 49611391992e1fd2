import * as vscode from 'vscode';
import { SeLensError } from '../../core/errors.js';
import { bytesSource, type ExternalDataHost } from '../../core/onnx/byte-source.js';
import { readWorkspaceFile } from './workspace-file.js';

/**
 * Files a manifest names beside it (a shard index's shards, TF.js weight shards, ONNX external data), read
 * ahead through `workspace.fs` (the core reads synchronously; the web host has no other way to read files),
 * each checked to stay inside the workspace folder. Only the names given are served, so the core can ask
 * for nothing else.
 */
export async function fetchFiles(names: readonly string[], folder: vscode.Uri, document: vscode.Uri, what: string): Promise<{ host: ExternalDataHost; versions: string[] }> {
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
    versions: read.map((f) => f.version),
  };
}
