/** Command ids, as contributed in package.json. */
export const COMMANDS = {
  inspectBlockAtCursor: 'seLens.inspectBlockAtCursor',
  inspectBlock: 'seLens.inspectBlock',
  inspectModelFile: 'seLens.inspectModelFile',
  findBlocksInWorkspace: 'seLens.findBlocksInWorkspace',
  setInputShape: 'seLens.setInputShape',
  chooseConvention: 'seLens.chooseConvention',
  exportBlockOnnx: 'seLens.exportBlockOnnx',
  copyStatsMarkdown: 'seLens.copyStatsMarkdown',
  copyStatsCsv: 'seLens.copyStatsCsv',
  copyStatsJson: 'seLens.copyStatsJson',
  revealBlock: 'seLens.revealBlock',
  refreshTree: 'seLens.refreshTree',
} as const;

export const VIEW_BLOCKS = 'seLens.blocks';
/** The default editor of model files (the id predates formats other than ONNX; kept so users' editor associations hold). */
export const ONNX_EDITOR = 'seLens.onnxInspector';
/** The same editor, offered by Open With… for `.json` and `.bin` files, whose names do not say they are models. */
export const MODEL_OPTION_EDITOR = 'seLens.modelInspector';
