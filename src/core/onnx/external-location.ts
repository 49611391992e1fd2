import { SeLensError } from '../errors.js';

/**
 * Refuses an external-data `location` that could leave the model's folder: absolute paths, drive letters,
 * and `..` segments that climb above it. Symlinks are the host's check (it can see the file system).
 */
export function checkExternalLocation(location: string): void {
  const refused = () => new SeLensError('refused-path', `Refused external data location "${location}": it leaves the model's folder.`);
  if (location.includes('\0')) throw refused();
  if (/^([a-zA-Z]:|[\\/])/.test(location)) throw refused();
  let depth = 0;
  for (const seg of location.split(/[\\/]+/)) {
    if (seg === '..') depth--;
    else if (seg !== '.' && seg !== '') depth++;
    if (depth < 0) throw refused();
  }
}
