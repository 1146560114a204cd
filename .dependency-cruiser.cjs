/**
 * The dependency direction of ../shared/ARCHITECTURE.md, checked in CI (`npm run lint`).
 * Each rule names a layer and the layers it must not reach; a violation fails the build.
 */
const layers = {
  common: '^src/common/',
  oci: '^src/oci/',
  apiTypes: '^src/api/types/',
  content: '^src/content/',
  snapshot: '^src/snapshot/',
  runtime: '^src/runtime/',
  network: '^src/network/',
  volume: '^src/volume/',
  registryClient: '^src/registry/client/',
  registryServer: '^src/registry/server/',
  image: '^src/image/',
  engine: '^src/engine/',
  build: '^src/build/',
  apiServer: '^src/api/server/',
  client: '^src/client/',
  cli: '^src/cli/',
  compose: '^src/compose/',
  kube: '^src/kube/',
  daemon: '^src/daemon/',
};
const all = Object.keys(layers);

/** `from` may import only the layers in `allowed` (and itself). */
function only(name, allowed) {
  const forbidden = all.filter((l) => l !== name && !allowed.includes(l));
  return {
    name: `${name}-imports`,
    severity: 'error',
    comment: `${name} may import only: ${allowed.join(', ') || 'nothing but node built-ins'}`,
    from: { path: layers[name] },
    to: { path: forbidden.map((l) => layers[l]).join('|') },
  };
}

const hostSiblings = ['content', 'snapshot', 'runtime', 'network', 'volume', 'registryClient'];

module.exports = {
  forbidden: [
    only('common', []),
    only('oci', ['common']),
    only('apiTypes', ['common', 'oci']),
    ...hostSiblings.map((s) => only(s, ['common', 'oci'])),
    only('registryServer', ['common', 'oci', 'content']),
    only('image', ['common', 'oci', 'content', 'snapshot', 'registryClient']),
    only('engine', ['common', 'oci', 'content', 'snapshot', 'runtime', 'network', 'volume', 'registryClient', 'image']),
    only('build', ['common', 'oci', 'content', 'snapshot', 'runtime', 'network', 'volume', 'registryClient', 'image', 'engine']),
    only('apiServer', ['common', 'oci', 'apiTypes', 'content', 'snapshot', 'runtime', 'network', 'volume', 'registryClient', 'image', 'engine', 'build']),
    only('client', ['common', 'oci', 'apiTypes']),
    only('cli', ['common', 'oci', 'apiTypes', 'client']),
    only('compose', ['common', 'oci', 'apiTypes', 'client']),
    only('kube', ['common', 'oci', 'apiTypes', 'client']),
    {
      name: 'daemon-not-clients',
      severity: 'error',
      comment: 'the daemon never links the command-line clients',
      from: { path: layers.daemon },
      to: { path: [layers.cli, layers.compose, layers.kube].join('|') },
    },
    {
      name: 'child-process-in-one-place',
      severity: 'error',
      comment: 'host programs are run through src/common/command.ts only',
      from: { path: '^src/', pathNot: '^src/common/command\\.ts$' },
      to: { path: '^(node:)?child_process$', dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
