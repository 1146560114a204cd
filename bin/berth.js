#!/usr/bin/env -S node --
// The '--' keeps Node 20 from reading a --env-file meant for 'berth run' as its own option
// (nodejs/node#54232): everything after it belongs to berth.
import { main } from '../dist/src/cli/main.js';

await main(process.argv.slice(2));
