import type { CommandSpec } from '../command.js';

export const exec: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('exec: not written yet')) };
export const attach: CommandSpec = { usage: '', args: {}, flags: [], run: () => Promise.reject(new Error('attach: not written yet')) };
