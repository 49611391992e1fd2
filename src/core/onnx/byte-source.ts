/**
 * Random access to a model's bytes. Synchronous on purpose: the CLI reads a file with positional reads,
 * the extension and the webview hold the bytes in memory, and a sync walk over ~2,000 small reads
 * is far cheaper than as many promises.
 */
export interface ByteSource {
  readonly size: number;
  /** Returns exactly `length` bytes at `offset`, or fewer only at the end of the source. */
  read(offset: number, length: number): Uint8Array;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/**
 * Files beside the model, for tensors stored with `data_location = EXTERNAL`. The host resolves
 * `location` against the model's folder and refuses anything that leaves it (symlinks included).
 */
export interface ExternalDataHost {
  /** Throws `SeLensError('refused-path' | 'missing-file')` naming the location. */
  open(location: string): ByteSource;
}
