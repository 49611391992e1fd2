import { MemoryFileSystem, joinPath, type SourceLocation } from '../../modules/source-files.js';
import { MMCV_MODULES } from './mmcv-modules.js';
import { SPEECHBRAIN_MODULES } from './speechbrain-modules.js';
import { TIMM_MODULES } from './timm-modules.js';
import { TORCHVISION_MODULES } from './torchvision-modules.js';

/**
 * Library knowledge: which imported names the evaluator answers from its catalogue instead of reading
 * source. `torch` and the standard library are always the catalogue (their source is C extensions and
 * dispatch code, not model definitions); torchvision, timm, mmcv / mmengine and speechbrain are read from disk when their source is
 * found, else their catalogue entries stand in.
 */
const CATALOGUE_ONLY = new Set([
  'torch', 'math', 'collections', 'functools', 'typing', 'typing_extensions', 'dataclasses', 'itertools', 'operator',
  'enum', 'abc', 'numbers', 'warnings', 'copy', 'types', 'os', 'sys', 're', 'logging', 'numpy', 'builtins', 'inspect',
  'torchstat', 'tensorflow', 'keras', 'tf_keras',
]);

const CATALOGUE_FALLBACK = new Set(['torchvision', 'timm', 'mmcv', 'mmengine', 'speechbrain']);

function rootOf(name: string): string {
  return name.split('.', 1)[0]!;
}

/** Imports never read from disk. */
export function isCatalogueOnly(moduleName: string): boolean {
  return CATALOGUE_ONLY.has(rootOf(moduleName));
}

/** Libraries whose catalogue entries stand in when their source is not found. */
export function hasCatalogueEntries(moduleName: string): boolean {
  return CATALOGUE_FALLBACK.has(rootOf(moduleName));
}

/** Where the catalogue's Python modules live: a folder no real path can name. */
export const CATALOGUE_ROOT = '/@se-lens-catalogue';

let catalogue: SourceLocation | undefined;

/** The catalogue's modules as a search location of their own, read by the same evaluator as user code. */
export function catalogueLocation(): SourceLocation {
  if (!catalogue) {
    const files = new MemoryFileSystem();
    for (const [path, text] of Object.entries({ ...TORCHVISION_MODULES, ...TIMM_MODULES, ...MMCV_MODULES, ...SPEECHBRAIN_MODULES })) files.write(joinPath(CATALOGUE_ROOT, path), text);
    catalogue = { path: joinPath(CATALOGUE_ROOT, '__main__.py'), files, searchRoots: [CATALOGUE_ROOT], pythonPaths: [] };
  }
  return catalogue;
}

/**
 * Names a catalogue-only module has, for `dir(torch.nn.functional)` and `hasattr(torch.nn, 'SiLU')` feature
 * checks: the functions and layers of a current PyTorch (2.x), which is what such checks test for.
 */
const MODULE_NAMES: Readonly<Record<string, readonly string[]>> = {
  'torch.nn.functional': [
    'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_avg_pool3d', 'adaptive_max_pool1d', 'adaptive_max_pool2d',
    'adaptive_max_pool3d', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d', 'batch_norm', 'celu', 'conv1d', 'conv2d', 'conv3d',
    'dropout', 'elu', 'gelu', 'group_norm', 'hardsigmoid', 'hardswish', 'hardtanh', 'interpolate', 'layer_norm',
    'leaky_relu', 'linear', 'log_softmax', 'max_pool1d', 'max_pool2d', 'max_pool3d', 'mish', 'normalize', 'pad', 'prelu',
    'relu', 'relu6', 'scaled_dot_product_attention', 'selu', 'sigmoid', 'silu', 'softmax', 'softplus', 'tanh',
  ],
  'torch.nn': [
    'AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool2d', 'AvgPool2d', 'BatchNorm1d',
    'BatchNorm2d', 'BatchNorm3d', 'CELU', 'Conv1d', 'Conv2d', 'Conv3d', 'Dropout', 'ELU', 'GELU', 'GroupNorm', 'Hardsigmoid',
    'Hardswish', 'Identity', 'LayerNorm', 'LeakyReLU', 'Linear', 'MaxPool2d', 'Mish', 'Module', 'ModuleDict', 'ModuleList',
    'PReLU', 'ReLU', 'ReLU6', 'SELU', 'Sequential', 'SiLU', 'Sigmoid', 'Softmax', 'Tanh',
  ],
};

/** The names of a catalogue module, or undefined when the catalogue does not list them. */
export function catalogueNames(path: string): readonly string[] | undefined {
  return MODULE_NAMES[path.replace(/^nn\./, 'torch.nn.').replace(/^nn$/, 'torch.nn').replace(/^F$/, 'torch.nn.functional')];
}
