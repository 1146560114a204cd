import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/** Routes for a container's files: archive (cp), export, changes (diff) and commit. */
export function fileRoutes(_r: Router, _s: ApiServices): void {}
