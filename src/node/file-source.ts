// Node hosts' implementations of the core's I/O interfaces, shared by the CLI and the extension's workers.
import { closeSync, existsSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { SeLensError } from '../core/errors.js';
import type { ByteSource, ExternalDataHost } from '../core/onnx/byte-source.js';

/** A model file read by positional reads: opening a 250 MB model touches only what the walk asks for. */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly fd: number;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SeLensError(code === 'ENOENT' ? 'missing-file' : 'bad-argument', code === 'ENOENT' ? `No such file: ${path}` : `Cannot open ${path} (${code}).`);
    }
    const stat = fstatSync(this.fd);
    if (stat.isDirectory()) {
      closeSync(this.fd);
      throw new SeLensError('bad-argument', `${path} is a folder, not a model file.`);
    }
    this.size = stat.size;
  }

  read(offset: number, length: number): Uint8Array {
    const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - offset)));
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** External tensor files must stay inside the model's folder, after symlinks are resolved. */
export function folderExternalData(modelPath: string): ExternalDataHost & { close(): void } {
  const folder = realpathSync(dirname(resolve(modelPath)));
  const open: FileSource[] = [];
  return {
    open(location) {
      const target = resolve(folder, location);
      if (!existsSync(target)) throw new SeLensError('missing-file', `External data file "${location}" is missing (looked in ${folder}).`);
      const real = realpathSync(target);
      const rel = relative(folder, real);
      if (rel.startsWith('..') || isAbsolute(rel)) throw new SeLensError('refused-path', `Refused external data location "${location}": it resolves outside the model's folder.`);
      const source = new FileSource(real);
      open.push(source);
      return source;
    },
    close() {
      for (const s of open) s.close();
    },
  };
}
