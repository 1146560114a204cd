import type { CommandSpec } from '../command.js';

export const top: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('top: not written yet')) };
export const stats: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('stats: not written yet')) };
export const port: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('port: not written yet')) };
