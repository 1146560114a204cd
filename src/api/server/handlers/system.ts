import { mountPoints, volumeJson } from '../convert.js';
import { parseTimestampParam, nowNs } from '../../../common/time.js';
import { eventJson, eventMatches, type EngineEvent } from '../../../engine/events.js';
import { parseFilters, validateFilterKeys } from '../../../engine/filters.js';
import { berthVersion } from '../../../engine/system.js';
import { apiVersion, minApiVersion, type VersionResponse } from '../../types/index.js';
import { commonHeaders, sendJson, startStream } from '../http.js';
import type { Handler, Router } from '../router.js';
import type { ApiServices } from '../services.js';

export function systemRoutes(r: Router, s: ApiServices): void {
  const ping: Handler = async (ctx) => {
    const res = ctx.res!;
    const head = ctx.req.method === 'HEAD';
    res.writeHead(200, {
      ...commonHeaders(),
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': head ? '0' : '2',
    });
    res.end(head ? undefined : 'OK');
  };
  r.add('GET', '/_ping', ping);
  r.add('HEAD', '/_ping', ping);

  r.add('GET', '/version', async (ctx) => {
    const f = s.system.facts;
    const body: VersionResponse = {
      Platform: { Name: 'berth' },
      Components: [
        {
          Name: 'Engine',
          Version: berthVersion,
          Details: {
            ApiVersion: apiVersion,
            Arch: s.system.goArch(),
            BuildTime: '',
            Experimental: 'false',
            GitCommit: '',
            GoVersion: `node${process.versions.node}`,
            KernelVersion: s.system.kernel(),
            MinAPIVersion: minApiVersion,
            Os: 'linux',
          },
        },
        { Name: 'conmon', Version: f.conmonVersion, Details: { GitCommit: '' } },
        ...Object.entries(f.runtimes).map(([name, rt]) => ({ Name: name, Version: rt.version, Details: { GitCommit: '' } })),
      ],
      Version: berthVersion,
      ApiVersion: apiVersion,
      MinAPIVersion: minApiVersion,
      GitCommit: '',
      GoVersion: `node${process.versions.node}`,
      Os: 'linux',
      Arch: s.system.goArch(),
      KernelVersion: s.system.kernel(),
      BuildTime: '',
    };
    sendJson(ctx.res!, 200, body);
  });

  r.add('GET', '/info', async (ctx) => {
    const f = s.system.facts;
    const counts = s.system.containerCounts();
    const images = (await s.images.list(new Map(), true)).length;
    const warnings = [
      'WARNING: berth has no bridge network yet: containers get --network none unless they ask for --network host',
    ];
    if (!f.host.seccompProfile) warnings.push('WARNING: no seccomp profile found (install containers-common): containers run without seccomp');
    sendJson(ctx.res!, 200, {
      ID: f.daemonId,
      Containers: counts.total,
      ContainersRunning: counts.running,
      ContainersPaused: counts.paused,
      ContainersStopped: counts.stopped,
      Images: images,
      Driver: 'overlay2',
      DriverStatus: [
        ['Backing Filesystem', await s.system.backingFilesystem()],
        ['Supports d_type', 'true'],
        ['Native Overlay Diff', 'true'],
        ['userxattr', 'false'],
      ],
      Plugins: { Volume: [], Network: ['host', 'null'], Authorization: null, Log: ['json-file'] },
      MemoryLimit: true,
      SwapLimit: true,
      KernelMemory: false,
      KernelMemoryTCP: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      IPv4Forwarding: true,
      BridgeNfIptables: true,
      BridgeNfIp6tables: true,
      Debug: false,
      NFd: 0,
      OomKillDisable: true,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: 'json-file',
      CgroupDriver: 'cgroupfs',
      CgroupVersion: f.host.cgroupVersion,
      NEventsListener: 0,
      KernelVersion: s.system.kernel(),
      OperatingSystem: await s.system.operatingSystem(),
      OSVersion: '',
      OSType: 'linux',
      Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
      IndexServerAddress: 'https://index.docker.io/v1/',
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        AllowNondistributableArtifactsHostnames: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8'],
        IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } },
        Mirrors: [],
      },
      NCPU: f.host.ncpu,
      MemTotal: f.host.memTotal,
      GenericResources: null,
      DockerRootDir: f.dataRoot,
      HttpProxy: '',
      HttpsProxy: '',
      NoProxy: '',
      Name: f.host.hostname,
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: berthVersion,
      Runtimes: Object.fromEntries(Object.entries(f.runtimes).map(([n, rt]) => [n, { path: rt.path }])),
      DefaultRuntime: f.defaultRuntime,
      Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
      LiveRestoreEnabled: true,
      Isolation: '',
      InitBinary: '',
      ContainerdCommit: { ID: '', Expected: '' },
      RuncCommit: { ID: '', Expected: '' },
      InitCommit: { ID: '', Expected: '' },
      SecurityOptions: f.host.seccompProfile ? ['name=seccomp,profile=default'] : [],
      DefaultAddressPools: [],
      Warnings: warnings,
    });
  });

  r.add('GET', '/events', async (ctx) => {
    const filters = parseFilters(ctx.query.get('filters'));
    validateFilterKeys(filters, ['container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume', 'config']);
    const since = ctx.query.get('since') ? parseTimestampParam(ctx.query.get('since')!) : undefined;
    const until = ctx.query.get('until') ? parseTimestampParam(ctx.query.get('until')!) : undefined;
    const res = ctx.res!;
    startStream(res, 'application/json');
    const write = (e: EngineEvent) => {
      if (eventMatches(e, filters)) res.write(eventJson(e) + '\n');
    };
    if (since !== undefined) for (const e of s.events.replay(since, until)) write(e);
    const now = nowNs();
    if (until !== undefined && until <= now) {
      res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const unsubscribe = s.events.subscribe((e) => {
        if (until !== undefined && e.timeNano > until) return;
        write(e);
      });
      const finish = () => {
        unsubscribe();
        clearTimeout(timer);
        resolve();
      };
      const timer = until !== undefined ? setTimeout(finish, Number((until - now) / 1_000_000n)) : undefined;
      ctx.signal.addEventListener('abort', finish, { once: true });
    });
    res.end();
  });

  r.add('GET', '/system/df', async (ctx) => {
    const df = await s.system.df();
    const imageTags = new Map(df.images.map((i) => [i.id, s.images.repoTags(i.id)]));
    const images = [];
    for (const i of df.images) {
      const view = await s.images.view(s.images.find(i.id));
      images.push({
        Containers: i.containers,
        Created: view.config.created ? Math.floor(Date.parse(view.config.created) / 1000) : 0,
        Id: i.id,
        Labels: view.config.config?.Labels ?? null,
        ParentId: view.record.parent ?? '',
        RepoDigests: view.record.repoDigests,
        RepoTags: imageTags.get(i.id)?.length ? imageTags.get(i.id) : ['<none>:<none>'],
        SharedSize: i.shared,
        Size: i.size,
        VirtualSize: i.size,
      });
    }
    const containers = df.containers.map(({ record, sizeRw }) => ({
      Id: record.id,
      Names: [record.name],
      Image: record.config.Image,
      ImageID: record.image,
      Command: [record.path, ...record.args].join(' '),
      Created: Math.floor(Date.parse(record.created) / 1000),
      Ports: [],
      SizeRw: sizeRw,
      SizeRootFs: sizeRw + (s.images.get(record.image)?.size ?? 0),
      Labels: record.config.Labels ?? {},
      State: record.state.Status,
      Status: s.containers.statusText(record),
      HostConfig: { NetworkMode: record.hostConfig.NetworkMode },
      NetworkSettings: { Networks: {} },
      Mounts: mountPoints(record, s.convert),
    }));
    const volumes = [];
    // dockerd leaves volumes with driver options out (their size is not berth's to measure).
    for (const v of s.volumes.list(new Map()).filter((x) => !x.record.options)) volumes.push(volumeJson(v, await s.volumes.size(v.record.name)));
    sendJson(ctx.res!, 200, { LayersSize: df.layersSize, Images: images, Containers: containers, Volumes: volumes, BuildCache: [] });
  });

  // `docker system prune` calls this; berth has no build cache yet, so nothing is pruned.
  r.add('POST', '/build/prune', async (ctx) => sendJson(ctx.res!, 200, { CachesDeleted: [], SpaceReclaimed: 0 }));
}
