/**
 * The window reader reads common field keys itself and leaves the rest to @bufbuild/protobuf's BinaryReader: for
 * any key the library writes (every wire type, tags and lengths of every varint size), both must give the same
 * field, wire type and body bounds, and a malformed key must still be a one-line SeLensError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { SeLensError } from '../../src/core/errors.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { WindowReader } from '../../src/core/onnx/window-reader.js';

/** The field the library's writer gives for `wire`, its body bounds as the library's reader finds them. */
function encoded(field: number, wire: WireType, length: number, value: bigint): { bytes: Uint8Array; bodyStart: number; end: number } {
  const w = new BinaryWriter().tag(field, wire);
  if (wire === WireType.LengthDelimited) w.bytes(new Uint8Array(length));
  else if (wire === WireType.Varint) w.uint64(value);
  else if (wire === WireType.Bit64) w.fixed64(value);
  else w.fixed32(Number(value & 0xffffffffn));
  const bytes = w.finish();
  const r = new BinaryReader(bytes);
  r.tag();
  if (wire === WireType.LengthDelimited) {
    const len = r.uint32();
    return { bytes, bodyStart: r.pos, end: r.pos + len };
  }
  const bodyStart = r.pos;
  r.skip(wire);
  return { bytes, bodyStart, end: r.pos };
}

describe('window reader: field keys', () => {
  it('reads every key the library writes as the library reads it (short and long tags, lengths and varints)', () => {
    const wires = fc.constantFrom(WireType.LengthDelimited, WireType.Varint, WireType.Bit64, WireType.Bit32);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 29 - 1 }), wires, fc.integer({ min: 0, max: 70_000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (field, wire, length, value) => {
        const { bytes, bodyStart, end } = encoded(field, wire, length, value);
        const h = new WindowReader(bytesSource(bytes)).header(0, bytes.length);
        assert.deepEqual(h, { field, wire, start: 0, bodyStart, end });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses field 0, group keys, unterminated varints and bodies past the message with a SeLensError', () => {
    const refused = (bytes: number[], limit = bytes.length) => assert.throws(() => new WindowReader(bytesSource(Uint8Array.from(bytes))).header(0, limit), SeLensError);
    refused([0x02, 0x00]); // field 0, length-delimited
    refused([0x0b]); // field 1, start group
    refused([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // varint of 11 bytes
    refused([0x0a, 0x05, 0x00]); // length 5, 1 byte left
    refused([0x0a, 0x02, 0x00, 0x00], 3); // runs past its enclosing message
    refused([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // length varint past 32 bits: the library's path
  });
});
