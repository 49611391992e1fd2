import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  DEFAULT_EDITOR_PATTERNS, DEFAULT_SCAN_INCLUDE, isModelPath, MODEL_EXTENSIONS, OPTION_EDITOR_PATTERNS, PICKER_EXTENSIONS,
} from '../../src/extension/editor/model-files.js';

interface Contributes {
  customEditors: { viewType: string; selector: { filenamePattern: string }[]; priority: string }[];
  menus: { 'explorer/context': { command: string; when: string }[] };
  configuration: { properties: Record<string, { default?: unknown }> };
}
const contributes = (JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: Contributes }).contributes;

describe('model files: package.json follows the one list in model-files.ts', () => {
  it('the default editor takes every model extension and the conventional names; the option editor takes .json and .bin', () => {
    const editor = (viewType: string) => contributes.customEditors.find((e) => e.viewType === viewType)!;
    assert.deepEqual(editor('seLens.onnxInspector').selector.map((s) => s.filenamePattern), DEFAULT_EDITOR_PATTERNS);
    assert.equal(editor('seLens.onnxInspector').priority, 'default');
    assert.deepEqual(editor('seLens.modelInspector').selector.map((s) => s.filenamePattern), OPTION_EDITOR_PATTERNS);
    assert.equal(editor('seLens.modelInspector').priority, 'option');
  });

  it('the scan default and the explorer menu name the same files', () => {
    assert.equal(contributes.configuration.properties['seLens.scan.include']!.default, DEFAULT_SCAN_INCLUDE);
    const when = contributes.menus['explorer/context'].find((m) => m.command === 'seLens.inspectModelFile')!.when;
    for (const ext of MODEL_EXTENSIONS) assert.ok(when.includes(ext), ext);
    assert.ok(when.includes('model\\.json') && when.includes('pytorch_model'), when);
  });

  it('tells model files by name; other .json and .bin files only through Open With…', () => {
    for (const p of ['/w/a.onnx', '/w/B.TFLITE', '/w/ckpt.pth', '/w/m.pt', '/w/m.safetensors', '/w/m.keras', '/w/m.h5', '/w/web/model.json', '/w/pytorch_model.bin', '/w/pytorch_model-00001-of-00002.bin']) {
      assert.equal(isModelPath(p), true, p);
    }
    for (const p of ['/w/package.json', '/w/group1-shard1of1.bin', '/w/model.py', '/w/mymodel.json.bak', '/w/onnx']) assert.equal(isModelPath(p), false, p);
    assert.deepEqual([...PICKER_EXTENSIONS].sort(), ['bin', 'h5', 'json', 'keras', 'onnx', 'pt', 'pth', 'safetensors', 'tflite']);
  });
});
