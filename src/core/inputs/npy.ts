import { SeLensError } from '../errors.js';
import { halfToFloat } from '../onnx/dtypes.js';

/** A float array read from a `.npy` file, converted to float32 in C order. */
export interface NpyArray {
  readonly shape: number[];
  readonly data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Reads NumPy's `.npy` format (versions 1.0 to 3.0): magic, version, header length, a Python-dict
 * header with `descr`, `fortran_order` and `shape`, then the raw data. Float and integer dtypes of
 * either byte order are accepted and converted to float32; object arrays and Fortran order are refused.
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  const bad = (why: string): never => {
    throw new SeLensError('bad-argument', `Not a usable .npy file: ${why}.`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad('it does not start with \\x93NUMPY');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad('the header is truncated');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return bad(`format version ${major} is unknown`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) bad('the header is truncated');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1] ?? bad('the header has no descr');
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] ?? bad('the header has no fortran_order');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? bad('the header has no shape');
  if (fortran === 'True') bad('Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : bad(`shape entry ${s} is not a size`)));
  const count = shape.reduce((a, b) => a * b, 1);

  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr) ?? bad(`dtype ${descr} is not a number type`);
  const little = m[1] !== '>';
  const kind = m[2]!;
  const size = Number(m[3]);
  const readers: Record<string, ((offset: number) => number) | undefined> = {
    f2: (o) => halfToFloat(view.getUint16(o, little)),
    f4: (o) => view.getFloat32(o, little),
    f8: (o) => view.getFloat64(o, little),
    i1: (o) => view.getInt8(o),
    i2: (o) => view.getInt16(o, little),
    i4: (o) => view.getInt32(o, little),
    i8: (o) => Number(view.getBigInt64(o, little)),
    u1: (o) => view.getUint8(o),
    b1: (o) => view.getUint8(o),
    u2: (o) => view.getUint16(o, little),
    u4: (o) => view.getUint32(o, little),
    u8: (o) => Number(view.getBigUint64(o, little)),
  };
  const read = readers[`${kind}${size}`] ?? bad(`dtype ${descr} is not supported`);
  if (dataStart + count * size > bytes.length) bad(`it holds fewer than the ${count} values its shape needs`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = read(dataStart + i * size);
  return { shape, data };
}

