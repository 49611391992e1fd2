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
export const ONNX_EDITOR = 'seLens.onnxInspector';
