import type { Logger } from '../common/log.js';
import type { ContentStore } from '../content/store.js';
import type { ImageStore } from '../image/store.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';
import type { ImageService } from './images.js';

export interface ContainerCommitsDeps {
  containers: ContainerService;
  images: ImageService;
  imageStore: ImageStore;
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  events: EventBus;
  log: Logger;
}

/**
 * What a container changed in its writable layer: `diff` (GET /containers/{id}/changes) lists it,
 * `commit` (POST /commit) turns it into a new image layer on top of the container's image.
 */
export class ContainerCommits {
  constructor(readonly d: ContainerCommitsDeps) {}
}
