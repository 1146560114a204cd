/** The Docker Engine API client: what the CLI (and later compose and kube) talk to the daemon with. */
export { Client, type ClientOptions } from './client.js';
export { compareApiVersions } from '../api/types/index.js';
export { defaultHost, parseDaemonAddress, type DaemonAddress } from './address.js';
export { ConnectionError, DaemonError, kindForStatus } from './errors.js';
export type { AttachOptions, ContainerListOptions, ContainerWait, LogsOptions, RemoveOptions, StopOptions, WaitCondition } from './containers.js';
export type { ExecCreateRequest, ExecInspect } from './exec.js';
export type { ImportOptions } from './images.js';
export type { CpuStats, StatsResponse, TopResponse } from './container-stats.js';
export { goMode, hasGoMode, type CommitOptions, type FilesystemChange, type PathStat } from './container-files.js';
export type { EventRecord, EventsOptions } from './system.js';
export type { Filters } from './query.js';
export type { UpgradedConnection } from './transport.js';
export { demultiplex, jsonLines, readBody, type OutputSinks } from './streams.js';
