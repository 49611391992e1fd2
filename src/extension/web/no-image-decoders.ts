// Stands in for pngjs and jpeg-js in the web bundle (scripts/targets/web.mjs aliases them here): both need
// Node's zlib and Buffer. Requiring either on the web fails with this one line, which the command shows.
import { SeLensError } from '../../core/errors.js';

throw new SeLensError('unsupported', 'Images as the inspector\'s input are decoded only in the desktop (Node) extension host; use a generated input on the web.');
