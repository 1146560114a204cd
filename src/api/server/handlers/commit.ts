import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/** Routes for a container's changes: diff (/containers/{id}/changes) and commit (/commit). */
export function commitRoutes(_r: Router, _s: ApiServices): void {}
