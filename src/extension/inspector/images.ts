/**
 * Decodes the images a user picks for the inspector's input, in the extension host, with maintained
 * decoders (pngjs, jpeg-js): the webview only receives RGBA pixels, so its CSP needs no image sources.
 */
import * as vscode from 'vscode';
import { SeLensError } from '../../core/errors.js';
import { MAX_BATCH, type DecodedImage } from '../../core/protocol.js';

const IMAGE_EXT = /\.(png|jpe?g)$/i;
/** jpeg-js refuses larger images by default; 64 megapixels is far beyond any model input. */
const MAX_MEGAPIXELS = 64;

export function decodeImage(name: string, bytes: Uint8Array): DecodedImage {
  // Required here, not imported: the decoders would otherwise load with the extension at activation.
  const { PNG } = require('pngjs') as typeof import('pngjs');
  const jpeg = require('jpeg-js') as typeof import('jpeg-js');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (/\.png$/i.test(name)) {
      const png = PNG.sync.read(buffer);
      return { name, width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
    return { name, width: img.width, height: img.height, rgba: img.data };
  } catch (e) {
    throw new SeLensError('bad-argument', `${name} could not be decoded as ${/\.png$/i.test(name) ? 'PNG' : 'JPEG'}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Up to 64 PNG/JPEG files of a folder, in name order. */
export async function imagesInFolder(folder: vscode.Uri): Promise<vscode.Uri[]> {
  const entries = await vscode.workspace.fs.readDirectory(folder);
  const files = entries
    .filter(([name, type]) => type === vscode.FileType.File && IMAGE_EXT.test(name))
    .map(([name]) => name)
    .sort()
    .slice(0, MAX_BATCH);
  if (files.length === 0) throw new SeLensError('bad-argument', `No PNG or JPEG files in ${folder.fsPath}.`);
  return files.map((f) => vscode.Uri.joinPath(folder, f));
}

export async function decodeImageFiles(uris: readonly vscode.Uri[]): Promise<DecodedImage[]> {
  return Promise.all(uris.map(async (u) => decodeImage(u.path.split('/').pop() ?? 'image', await vscode.workspace.fs.readFile(u))));
}
