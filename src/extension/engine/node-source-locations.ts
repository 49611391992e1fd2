import type { SourceLocation } from '../../core/source/modules/source-files.js';
import { NodeSourceFileSystem } from '../../node/source-file-system.js';
import { sourceLocation } from '../../node/source-location.js';
import type { SourceLocationFactory } from './source-front-ends.js';

/** Locations over the disk (Node `fs`): one per folder set, its unsaved texts replaced on each request. */
export function nodeSourceLocations(): SourceLocationFactory {
  return (spec, unsaved, known?: SourceLocation) => {
    if (known && known.files instanceof NodeSourceFileSystem) {
      known.files.setUnsaved(unsaved);
      return known;
    }
    return sourceLocation(spec, unsaved);
  };
}
