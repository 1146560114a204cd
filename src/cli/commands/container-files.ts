import type { CommandSpec } from '../command.js';

export const cp: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('cp: not written yet')) };
export const containerExport: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('containerExport: not written yet')) };
export const diff: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('diff: not written yet')) };
export const commit: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('commit: not written yet')) };
