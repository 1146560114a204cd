import type { Router } from '../router.js';
import type { ApiServices } from '../services.js';

/** Routes for what runs in a container and what it uses: top and stats. */
export function statsRoutes(_r: Router, _s: ApiServices): void {}
