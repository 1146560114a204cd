import type { Logger } from '../common/log.js';
import type { RuntimeDriver } from '../runtime/driver.js';
import type { ContainerService } from './containers.js';
import type { HostFacts } from './host.js';

export interface ContainerStatsDeps {
  containers: ContainerService;
  driver: RuntimeDriver;
  host: HostFacts;
  log: Logger;
}

/** What runs in a container and what it uses: `top` and `stats`, read from the host (cgroupfs, /proc). */
export class ContainerStats {
  constructor(readonly d: ContainerStatsDeps) {}
}
