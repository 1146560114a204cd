import type { Logger } from '../common/log.js';
import type { ContentStore } from '../content/store.js';
import type { ImageStore } from '../image/store.js';
import type { OverlaySnapshotter } from '../snapshot/overlay.js';
import type { ContainerService } from './containers.js';
import type { EventBus } from './events.js';
import type { ImageService } from './images.js';

export interface ContainerFilesDeps {
  containers: ContainerService;
  images: ImageService;
  imageStore: ImageStore;
  content: ContentStore;
  snapshotter: OverlaySnapshotter;
  events: EventBus;
  log: Logger;
}

/**
 * A container's files seen from outside: copying in and out (`cp`, the archive endpoints),
 * `export`, `diff` and `commit`. Files are always reached through ContainerService.withRootfs,
 * which keeps the root file system mounted for the duration, running or not.
 */
export class ContainerFiles {
  constructor(readonly d: ContainerFilesDeps) {}
}
