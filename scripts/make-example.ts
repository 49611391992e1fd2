// Writes the bundled example model: the reference SE block (C 32, r 4, avg, input [4,32,16,16]) built
// as IR, given PyTorch-default weights from seed 0, and encoded by SE Lens's own ONNX writer.
import { writeFileSync } from 'node:fs';
import { referenceBlockModel } from '../src/core/examples/reference-block.js';
import { initialiseWeights } from '../src/core/inputs/init.js';
import { writeOnnx } from '../src/core/onnx/writer.js';

export const EXAMPLE_PATH = 'media/examples/se_block_c32_r4_avg.onnx';

export function exampleBytes(): Uint8Array {
  const model = referenceBlockModel({ channels: 32, ratio: 4, mode: 'avg', inputShape: [4, 32, 16, 16] });
  initialiseWeights(model, 'pytorch', 0);
  return writeOnnx(model);
}

if (process.argv[1]?.endsWith('make-example.ts')) {
  writeFileSync(EXAMPLE_PATH, exampleBytes());
  console.log(`wrote ${EXAMPLE_PATH}`);
}
