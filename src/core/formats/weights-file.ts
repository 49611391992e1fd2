import { SeLensError } from '../errors.js';
import type { TensorConst } from '../ir/graph.js';
import type { ByteSource } from '../onnx/byte-source.js';
import type { TorchModule } from './pytorch/module-tree.js';
import { readTorchFile, type TorchFile } from './pytorch/torch-file.js';
import { isSafetensors, readSafetensors } from './safetensors/safetensors.js';
import type { ZipArchive } from './zip-archive.js';

/** Trained tensors by name, from a file that holds weights without a graph to run them in. */
export interface WeightsFile {
  readonly format: 'pytorch' | 'safetensors';
  /** One line for humans: `PyTorch checkpoint (zip), state dict under "state_dict", 2 tensors`. */
  readonly description: string;
  readonly tensors: ReadonlyMap<string, TensorConst>;
  readonly module?: TorchModule;
  readonly kind: TorchFile['kind'] | 'safetensors';
  readonly notes: readonly string[];
}

/**
 * A PyTorch `.pt`/`.pth`/`.bin` (zip or legacy pickle) or a `.safetensors` file, told apart by content;
 * `zip` when the caller has already opened the PyTorch archive.
 */
export async function readWeightsFile(source: ByteSource, zip?: ZipArchive): Promise<WeightsFile> {
  if (source.size === 0) throw new SeLensError('truncated', 'The weights file is empty.');
  if (isSafetensors(source)) {
    const { tensors } = readSafetensors(source);
    return { format: 'safetensors', kind: 'safetensors', description: `safetensors file, ${tensors.size} tensor${tensors.size === 1 ? '' : 's'}`, tensors, notes: [] };
  }
  const file = await readTorchFile(source, zip);
  const what = { 'state-dict': 'state dict', checkpoint: 'checkpoint', module: 'whole pickled module', torchscript: 'TorchScript archive', other: 'pickle' }[file.kind];
  const under = file.stateDictKey ? `, state dict under "${file.stateDictKey}"` : '';
  const root = file.module ? `, ${file.module.className}` : '';
  return {
    format: 'pytorch', kind: file.kind, tensors: file.tensors, notes: file.notes, ...(file.module ? { module: file.module } : {}),
    description: `PyTorch ${what} (${file.container === 'zip' ? 'zip' : 'legacy'} format)${root}${under}, ${file.tensors.size} tensor${file.tensors.size === 1 ? '' : 's'}`,
  };
}
