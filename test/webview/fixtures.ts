/** The ONNX fixtures as the host would send them: analysed, gate model built, stats computed. */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOnnx, type ModelAnalysis } from '../../src/core/analyze.js';
import { bytesSource, type ByteSource } from '../../src/core/onnx/byte-source.js';
import { gateModelFromOnnx, type GateModel } from '../../src/core/inspect/gate-model.js';
import type { InputSpec, LoadMessage } from '../../src/core/protocol.js';
import type { Convention } from '../../src/core/stats/table.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface Prepared {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly source: ByteSource;
  readonly analysis: ModelAnalysis;
  readonly gateModel: GateModel;
}

export function prepare(name: string): Prepared {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, `${name}.onnx`)));
  const source = bytesSource(bytes);
  const analysis = analyzeOnnx(source);
  return { name, bytes, source, analysis, gateModel: gateModelFromOnnx(analysis.model, analysis.blocks, source) };
}

export function loadMessage(p: Prepared, input: InputSpec, backend: LoadMessage['backend'], convention: Convention = 'torchstat'): Omit<LoadMessage, 'modelBytes'> {
  return {
    type: 'load',
    modelKey: `${p.name}#${p.gateModel.bytes.length}`,
    title: p.name,
    origin: 'onnx',
    inputs: p.gateModel.inputs,
    layout: p.analysis.model.layout,
    blocks: [...p.analysis.blocks],
    stats: p.analysis.table(convention),
    blockStats: p.analysis.blocks.map((b) => ({ blockId: b.id, table: p.analysis.table(convention, b.id) })),
    convention,
    backend,
    input,
  };
}
