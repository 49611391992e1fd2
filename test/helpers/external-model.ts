import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation, TensorProto_DataType } from 'onnx-buf';

/** A one-MatMul model whose weight W ([2, 3] float) is stored externally at `location`. */
export function externalModel(location: string, extra: { offset?: number; length?: number } = {}): Uint8Array {
  const entries = [{ key: 'location', value: location }];
  if (extra.offset !== undefined) entries.push({ key: 'offset', value: String(extra.offset) });
  if (extra.length !== undefined) entries.push({ key: 'length', value: String(extra.length) });
  const vi = (name: string, dims: number[]) => ({ name, type: { value: { case: 'tensorType' as const, value: { elemType: TensorProto_DataType.FLOAT, shape: { dim: dims.map((d) => ({ value: { case: 'dimValue' as const, value: BigInt(d) } })) } } } } });
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 13n }],
    graph: {
      name: 'ext',
      node: [{ name: 'mm', opType: 'MatMul', input: ['x', 'W'], output: ['y'] }],
      initializer: [{ name: 'W', dims: [2n, 3n], dataType: TensorProto_DataType.FLOAT, dataLocation: TensorProto_DataLocation.EXTERNAL, externalData: entries }],
      input: [vi('x', [1, 2])],
      output: [vi('y', [1, 3])],
    },
  });
  return toBinary(ModelProtoSchema, model);
}
