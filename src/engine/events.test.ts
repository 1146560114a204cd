import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, eventJson, eventMatches, type EngineEvent } from './events.js';
import { parseFilters } from './filters.js';

const cid = 'a1b2c3d4e5f6' + '0'.repeat(52);
const other = 'ffee' + '1'.repeat(60);

function ev(partial: Partial<EngineEvent> & Pick<EngineEvent, 'Type' | 'Action'>, id = cid, attributes: Record<string, string> = {}): EngineEvent {
  return { Actor: { ID: id, Attributes: attributes }, scope: 'local', time: 0, timeNano: 0n, ...partial };
}

const die = ev({ Type: 'container', Action: 'die', from: 'busybox' }, cid, { name: 'waiter', image: 'busybox', exitCode: '7', 'com.example': 'x' });
const start = ev({ Type: 'container', Action: 'start', from: 'busybox' }, other, { name: 'web', image: 'busybox' });
const execStart = ev({ Type: 'container', Action: 'exec_start: sh -c true' }, cid, { name: 'waiter', image: 'busybox' });
const imgTag = ev({ Type: 'image', Action: 'tag' }, 'sha256:' + 'b'.repeat(64), { name: 'berthtest/bb:t1' });
const netConnect = ev({ Type: 'network', Action: 'connect' }, 'c0ffee' + '2'.repeat(58), { name: 'mynet', container: cid, type: 'bridge' });
const volMount = ev({ Type: 'volume', Action: 'mount' }, 'vol1', { container: cid, driver: 'local' });
const all = { die, start, execStart, imgTag, netConnect, volMount };

test('eventMatches applies Docker\'s event filters', () => {
  const cases: Array<[string, Array<keyof typeof all>]> = [
    ['{}', ['die', 'start', 'execStart', 'imgTag', 'netConnect', 'volMount']],
    ['{"type":{"container":true}}', ['die', 'start', 'execStart']],
    ['{"type":["image","network"]}', ['imgTag', 'netConnect']],
    ['{"event":["die"]}', ['die']],
    ['{"event":["die","start"]}', ['die', 'start']],
    // exec_start carries its command after a colon; the filter names the action before it
    ['{"event":["exec_start"]}', ['execStart']],
    ['{"event":["exec"]}', []],
    // container: by name or by id prefix, and only container events
    ['{"container":["waiter"]}', ['die', 'execStart']],
    ['{"container":["a1b2c3"]}', ['die', 'execStart']],
    ['{"container":["' + cid + '"]}', ['die', 'execStart']],
    ['{"container":["web","waiter"]}', ['die', 'start', 'execStart']],
    ['{"container":["nosuch"]}', []],
    ['{"container":["/waiter"]}', []],
    // image: by the image attribute of container events, or the image's own name/id
    ['{"image":["busybox"]}', ['die', 'start', 'execStart']],
    ['{"image":["berthtest/bb:t1"]}', ['imgTag']],
    ['{"image":["sha256:' + 'b'.repeat(64) + '"]}', ['imgTag']],
    // label on attributes
    ['{"label":["com.example"]}', ['die']],
    ['{"label":["com.example=x"]}', ['die']],
    ['{"label":["com.example=y"]}', []],
    ['{"label":{"exitCode=7":true}}', ['die']],
    // network and volume
    ['{"network":["mynet"]}', ['netConnect']],
    ['{"network":["c0ffee"]}', ['netConnect']],
    ['{"volume":["vol1"]}', ['volMount']],
    ['{"volume":["vol"]}', []],
    // filters of different keys are ANDed
    ['{"type":["container"],"event":["die"],"container":["waiter"]}', ['die']],
    ['{"type":["image"],"event":["die"]}', []],
  ];
  for (const [raw, want] of cases) {
    const f = parseFilters(raw);
    const got = (Object.keys(all) as Array<keyof typeof all>).filter((k) => eventMatches(all[k], f));
    assert.deepEqual(got, want, raw);
  }
});

test('publish fills in the legacy fields for container and image events only', () => {
  const bus = new EventBus();
  const c = bus.publish('container', 'create', cid, { image: 'busybox', name: 'web' });
  assert.equal(c.Type, 'container');
  assert.equal(c.Action, 'create');
  assert.deepEqual(c.Actor, { ID: cid, Attributes: { image: 'busybox', name: 'web' } });
  assert.equal(c.scope, 'local');
  assert.equal(c.status, 'create');
  assert.equal(c.id, cid);
  assert.equal(c.from, 'busybox');
  assert.equal(c.time, Number(c.timeNano / 1_000_000_000n));
  assert.match(eventJson(c), new RegExp(`"timeNano":${c.timeNano}[,}]`), 'timeNano is written with all its digits');

  const i = bus.publish('image', 'tag', 'sha256:abc', { name: 'x:1' });
  assert.equal(i.status, 'tag');
  assert.equal(i.id, 'sha256:abc');
  assert.equal(i.from, undefined);

  const n = bus.publish('network', 'connect', 'netid', { container: cid });
  assert.equal(n.status, undefined);
  assert.equal(n.id, undefined);
  assert.equal(n.from, undefined);
  assert.deepEqual(Object.keys(n).sort(), ['Action', 'Actor', 'Type', 'scope', 'time', 'timeNano']);
});

test('subscribers get new events until they unsubscribe', () => {
  const bus = new EventBus();
  const got: string[] = [];
  const off = bus.subscribe((e) => got.push(e.Action));
  bus.publish('container', 'create', cid);
  bus.publish('container', 'start', cid);
  off();
  bus.publish('container', 'die', cid);
  assert.deepEqual(got, ['create', 'start']);
});

test('replay returns the events inside the since/until window, both ends inclusive', async () => {
  const bus = new EventBus();
  const published: EngineEvent[] = [];
  for (const action of ['create', 'start', 'die', 'destroy']) {
    published.push(bus.publish('container', action, cid));
    // keep the instants distinct even after the float rounding of timeNano
    await new Promise((r) => setTimeout(r, 2));
  }
  const t = published.map((e) => BigInt(e.timeNano));
  const actions = (list: EngineEvent[]) => list.map((e) => e.Action);
  const cases: Array<[bigint | undefined, bigint | undefined, string[]]> = [
    [undefined, undefined, ['create', 'start', 'die', 'destroy']],
    [t[0], undefined, ['create', 'start', 'die', 'destroy']],
    [t[1], undefined, ['start', 'die', 'destroy']],
    [t[1]! + 1n, undefined, ['die', 'destroy']],
    [t[3]! + 1n, undefined, []],
    [undefined, t[1], ['create', 'start']],
    [undefined, t[1]! - 1n, ['create']],
    [undefined, t[0]! - 1n, []],
    [t[1], t[2], ['start', 'die']],
    [t[2], t[1], []],
    [0n, t[3], ['create', 'start', 'die', 'destroy']],
  ];
  for (const [since, until, want] of cases) assert.deepEqual(actions(bus.replay(since, until)), want, `${since} .. ${until}`);
});

test('replay keeps only the most recent 1024 events', () => {
  const bus = new EventBus();
  for (let i = 0; i < 1100; i++) bus.publish('container', `a${i}`, cid);
  const kept = bus.replay(undefined, undefined);
  assert.equal(kept.length, 1024);
  assert.equal(kept[0]!.Action, 'a76');
  assert.equal(kept.at(-1)!.Action, 'a1099');
});
