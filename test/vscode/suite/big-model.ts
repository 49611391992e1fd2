import { closeSync, openSync, writeSync } from 'node:fs';

/** Protobuf varint of a non-negative integer below 2^53 (no bitwise ops: those truncate to 32 bits). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 0x80;
  }
}

/**
 * Writes `model` with one more float initializer of `elements` zeros in its graph (ModelProto field 7,
 * GraphProto field 5, TensorProto dims=1 data_type=2 name=8 raw_data=9), streaming the payload so a
 * 250 MB file never sits in memory. The model's own fields keep their order.
 */
export function writeWithBigInitializer(model: Uint8Array, elements: number, path: string): number {
  const name = new TextEncoder().encode('se_lens_big_unused');
  const payload = elements * 4;
  const tensorHead = [0x08, ...varint(elements), 0x10, 0x01, 0x42, ...varint(name.length), ...name, 0x4a, ...varint(payload)];
  const tensorLength = tensorHead.length + payload;
  const initializer = [0x2a, ...varint(tensorLength), ...tensorHead];
  const fd = openSync(path, 'w');
  let written = 0;
  const put = (bytes: Uint8Array | number[]) => {
    const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    written += writeSync(fd, b);
  };
  try {
    let pos = 0;
    while (pos < model.length) {
      const start = pos;
      const [tag, afterTag] = readVarint(model, pos);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (wire === 0) {
        pos = readVarint(model, afterTag)[1];
        put(model.subarray(start, pos));
      } else if (wire === 2) {
        const [length, body] = readVarint(model, afterTag);
        pos = body + length;
        if (field !== 7) {
          put(model.subarray(start, pos));
          continue;
        }
        put(model.subarray(start, afterTag));
        put(varint(length + initializer.length + payload));
        put(model.subarray(body, pos));
        put(initializer);
        const zeros = new Uint8Array(16 * 1024 * 1024);
        for (let left = payload; left > 0; left -= zeros.length) put(zeros.subarray(0, Math.min(zeros.length, left)));
      } else {
        throw new Error(`unexpected wire type ${wire} in the fixture`);
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
