import type { Logger } from '../../common/log.js';
import type { ContainerCommits } from '../../engine/container-commit.js';
import type { ContainerFiles } from '../../engine/container-files.js';
import type { ContainerService } from '../../engine/containers.js';
import type { EventBus } from '../../engine/events.js';
import type { ExecService } from '../../engine/exec.js';
import type { ImageService } from '../../engine/images.js';
import type { ContainerStats } from '../../engine/stats.js';
import type { SystemService } from '../../engine/system.js';
import type { VolumeService } from '../../engine/volumes.js';
import type { ConvertContext } from './convert.js';

/** What the API handlers are given: the engine services, wired in the daemon's composition root. */
export interface ApiServices {
  containers: ContainerService;
  files: ContainerFiles;
  commits: ContainerCommits;
  exec: ExecService;
  stats: ContainerStats;
  images: ImageService;
  volumes: VolumeService;
  events: EventBus;
  system: SystemService;
  convert: ConvertContext;
  log: Logger;
}
