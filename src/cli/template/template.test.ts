import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  T,
  Template,
  TemplateExecError,
  TemplateParseError,
  decode,
  declareTypes,
  dockerType,
  durationString,
  headerFuncs,
  parseJsonKeepNumbers,
  str,
  timeString,
  type GoValue,
  type Val,
} from './index.js';

/** A container inspect answer, as berthd sends it (shortened). */
const container = {
  Id: '596e3b8fb0c1a9c544d6950c43044cdcfe94052826ad6f6444eb3e8539d584d8',
  Created: '2026-11-22T06:04:12.181195661Z',
  Path: 'sleep',
  Args: ['3000'],
  State: {
    Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 2890, ExitCode: 0,
    Error: '', StartedAt: '2026-11-22T06:04:12.251348969Z', FinishedAt: '0001-01-01T00:00:00Z',
  },
  Name: '/web',
  RestartCount: 0,
  HostConfig: { LogConfig: { Type: 'json-file', Config: {} }, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, PortBindings: {}, ConsoleSize: [0, 0] },
  GraphDriver: { Data: { LowerDir: '/l', UpperDir: '/u' }, Name: 'overlay2' },
  Mounts: [],
  Config: {
    Hostname: '596e3b8fb0c1', Env: ['PATH=/bin'], Cmd: ['sleep', '3000'], Entrypoint: null, Labels: { k: 'v', 'x.y': 'z' },
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 1_000_000_000 },
  },
  NetworkSettings: { Ports: {}, Networks: { none: { NetworkID: 'n1' } } },
};

const typed = () => decode(container, dockerType('container.InspectResponse'));
const raw = () => decode(parseJsonKeepNumbers(JSON.stringify(container)), T.iface, true);

/** docker inspect -f: the typed struct first, then the raw JSON with missingkey=error. */
function inspect(format: string): string {
  const t = Template.parse(format);
  try {
    return t.execute(typed());
  } catch {
    return t.execute(raw(), { missingKey: 'error' });
  }
}

const run = (format: string, data: Val, opts: { missingKey?: 'default' | 'error' } = {}) => Template.parse(format).execute(data, opts);
const execError = (format: string, data: Val, message: string, opts: { missingKey?: 'default' | 'error' } = {}) =>
  assert.throws(() => run(format, data, opts), (e: unknown) => e instanceof TemplateExecError && e.message === message, format);
const parseError = (format: string, message: string) =>
  assert.throws(() => Template.parse(format), (e: unknown) => e instanceof TemplateParseError && e.message === message, format);

test('field paths, maps and Go printing of typed structs', () => {
  assert.equal(inspect('{{.State.Running}} {{.Name}} {{.State.ExitCode}}'), 'true /web 0');
  assert.equal(inspect('{{.Config.Labels.k}} {{.Config.Labels}} {{index .Config.Labels "x.y"}}'), 'v map[k:v x.y:z] z');
  assert.equal(inspect('{{.Config.Labels.nope}}|{{index .Config.Labels "nope"}}'), '<no value>|');
  assert.equal(
    inspect('{{.State}}'),
    '{running true false false false false 2890 0  2026-11-22T06:04:12.251348969Z 0001-01-01T00:00:00Z <nil>}',
  );
  assert.equal(inspect('{{.State.Health}}|{{.Config.Entrypoint}}|{{.HostConfig.RestartPolicy}}|{{.Mounts}}|{{.NetworkSettings.Ports}}'), '<nil>|[]|{no 0}|[]|map[]');
  assert.equal(inspect('{{.HostConfig.LogConfig}} {{.GraphDriver.Data}}'), '{json-file map[]} map[LowerDir:/l UpperDir:/u]');
  assert.equal(inspect('{{.Config.Healthcheck}}'), '{[CMD-SHELL true] 1s 0s 0s 0s 0}');
  assert.equal(inspect('{{.HostConfig.ConsoleSize}}'), '[0 0]');
});

test('json re-encodes typed structs in Go field order, omitting omitempty fields', () => {
  assert.equal(
    inspect('{{json .State}}'),
    '{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":2890,"ExitCode":0,"Error":"","StartedAt":"2026-11-22T06:04:12.251348969Z","FinishedAt":"0001-01-01T00:00:00Z"}',
  );
  assert.equal(inspect('{{json .Config.Labels}}'), '{"k":"v","x.y":"z"}');
  assert.equal(
    inspect('{{json .NetworkSettings.Networks}}'),
    '{"none":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"n1","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}',
  );
  assert.equal(inspect('{{json .Config.Healthcheck}}'), '{"Test":["CMD-SHELL","true"],"Interval":1000000000}');
  assert.equal(run('{{json .}}', str('a<b&c')), '"a<b&c"');
});

test('a field the Go struct lacks falls back to the raw JSON, where numbers are json.Number', () => {
  // .Id is not a field of the struct (its field is ID), so this runs on the raw map.
  assert.equal(inspect('{{printf "%q %d %v %s" .Name .State.Pid .State.Running .Id}}'), `"/web" %!d(json.Number=2890) true ${container.Id}`);
  assert.equal(inspect('{{range $i, $v := .Config.Cmd}}{{$i}}={{$v}} {{end}}{{len .Config.Cmd}}'), '0=sleep 1=3000 2');
  assert.throws(() => inspect('{{.Nope}}'), { message: 'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' });
  assert.throws(() => inspect('{{.State.Nope}}'), { message: 'template: :1:8: executing "" at <.State.Nope>: map has no entry for key "Nope"' });
  assert.throws(() => inspect('{{.State.Health.Status}}'), {
    message: 'template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"',
  });
  assert.throws(() => inspect('{{join .Config.Cmd "+"}} {{.Id}}'), {
    message: 'template: :1:14: executing "" at <.Config.Cmd>: wrong type for value; expected []string; got []interface {}',
  });
});

test('typed errors name Go types', () => {
  execError('{{.State.Health.Status}}', typed(), 'template: :1:8: executing "" at <.State.Health.Status>: nil pointer evaluating *container.Health.Status');
  execError('{{.Nope}}', typed(), 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type container.InspectResponse');
  execError('{{upper .HostConfig.RestartPolicy.Name}}', typed(), 'template: :1:19: executing "" at <.HostConfig.RestartPolicy.Name>: wrong type for value; expected string; got container.RestartPolicyMode');
});

test('functions: docker’s own and Go’s built-ins', () => {
  const d = decode({ s: 'ab cd', n: 3, list: ['a', 'b'], empty: [], m: { b: 2, a: 1 } }, T.iface);
  assert.equal(run('{{upper .s}} {{lower "AB"}} {{title .s}} {{split "a,b" ","}} {{join (split "a,b,c" ",") "+"}}', d), 'AB CD ab Ab Cd [a b] a+b+c');
  assert.equal(run('{{truncate "abcdef" 3}}|{{truncate "ab" 3}}|{{pad "x" 1 2}}|', d), 'abc|ab| x  |');
  assert.equal(run('{{len .list}} {{len .s}} {{index .list 1}} {{index .m "a"}} {{slice "abcd" 1 3}}', d), '2 5 b 1 bc');
  assert.equal(run('{{and 1 0 2}} {{or 0 "" "x"}} {{not .empty}} {{and .s .list}}', d), '0 x true [a b]');
  assert.equal(run('{{eq 1 1}} {{eq "a" "b" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1.5 2.5}}', d), 'true true true true true true false');
  assert.equal(run('{{print "a" 1 2 "b"}}|{{println 1 "x"}}|{{printf "%5.2f|%x|%o|%t|%-4s|%04d|%v" 3.14159 255 8 true "ab" 7 .m}}', d), 'a1 2b|1 x\n| 3.14|ff|10|true|ab  |0007|map[a:1 b:2]');
  assert.equal(run('{{printf "%s-%d" 3 "x"}}|{{printf "%d %T"}}|{{printf "%d" 1 2}}', d), '%!s(int=3)-%!d(string=x)|%!d(MISSING) %!T(MISSING)|1%!(EXTRA int=2)');
  assert.equal(run('{{printf "%q %v %x %X %c %U" "a\\"b" 1.5 "hi" 255 65 65}}', d), '"a\\"b" 1.5 6869 FF A U+0041');
  assert.equal(run('{{html "<a&b>"}} {{urlquery "a b&c"}} {{js "a\'b"}}', d), "&lt;a&amp;b&gt; a+b%26c a\\'b");
  execError('{{index .list 5}}', d, 'template: :1:2: executing "" at <index .list 5>: error calling index: index out of range: 5');
  execError('{{len 3}}', d, 'template: :1:2: executing "" at <len 3>: error calling len: len of type int');
  execError('{{eq .s 1}}', d, 'template: :1:2: executing "" at <eq .s 1>: error calling eq: incompatible types for comparison');
  execError('{{lt .list 1}}', d, 'template: :1:2: executing "" at <lt .list 1>: error calling lt: invalid type for comparison');
  execError('{{upper 3}}', d, 'template: :1:8: executing "" at <3>: expected string; found 3');
  execError('{{truncate "a"}}', d, 'template: :1:2: executing "" at <truncate>: wrong number of args for truncate: want 2 got 1');
});

test('control structures, variables and whitespace trimming', () => {
  const d = decode({ list: ['a', 'b'], m: { z: 1, a: 2 }, empty: [], yes: true, no: false, n: 0 }, T.iface);
  assert.equal(run('{{range .list}}[{{.}}]{{end}}', d), '[a][b]');
  assert.equal(run('{{range $i, $v := .list}}{{$i}}:{{$v}} {{end}}', d), '0:a 1:b ');
  assert.equal(run('{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', d), 'a=2;z=1;');
  assert.equal(run('{{range .empty}}x{{else}}none{{end}} {{range .missing}}x{{else}}gone{{end}}', d), 'none gone');
  assert.equal(run('{{range .list}}{{if eq . "a"}}{{continue}}{{end}}{{.}}{{break}}{{end}}', d), 'b');
  assert.equal(run('{{if .no}}1{{else if .yes}}2{{else}}3{{end}}', d), '2');
  assert.equal(run('{{if .n}}1{{else if .no}}2{{else}}3{{end}}', d), '3');
  assert.equal(run('{{with .list}}{{len .}}{{end}}{{with .empty}}x{{else}}-{{end}}', d), '2-');
  assert.equal(run('{{$x := "a"}}{{$x}}{{$x = "b"}}{{$x}} {{$.yes}}', d), 'ab true');
  assert.equal(run('a  {{- "b" -}}  c {{/* comment */}}d\n{{- "e"}}', d), 'abc de');
  assert.equal(run('{{"x" | printf "%s-%s" "y"}} {{.list | len}}', d), 'y-x 2');
  assert.equal(run('{{define "t"}}<{{.}}>{{end}}{{template "t" "x"}}', d), '<x>');
  assert.equal(run('{{.missing}} {{.m.nope}}', d), '<no value> <no value>');
  assert.equal(run('{{3}} {{1.5}} {{1e3}} {{0x10}} {{\'a\'}} {{true}} {{"q\\n"}} {{`raw\\n`}}', d), '3 1.5 1000 16 97 true q\n raw\\n');
  execError('{{.missing.x}}', d, 'template: :1:10: executing "" at <.missing.x>: map has no entry for key "missing"', { missingKey: 'error' });
  execError('{{range 1.5}}{{end}}', d, 'template: :1:8: executing "" at <1.5>: range can\'t iterate over 1.5');
});

test('parse errors use Go’s wording', () => {
  parseError('{{.Name}', "template: :1: bad character U+007D '}'");
  parseError('{{if}}', 'template: :1: missing value for if');
  parseError('{{end}}', 'template: :1: unexpected {{end}}');
  parseError('{{nofunc .Name}}', 'template: :1: function "nofunc" not defined');
  parseError('{{range .X}}', 'template: :1: unexpected EOF');
  parseError('{{$x}}', 'template: :1: undefined variable "$x"');
  parseError('{{"unterminated}}', 'template: :1: unterminated quoted string');
  parseError('{{.A', 'template: :1: unclosed action');
  parseError('{{.A }x}}', 'template: :1: unexpected "}" in operand');
  parseError('line1\n{{break}}', 'template: :2: {{break}} outside {{range}}');
  parseError('{{(1}}', 'template: :1: unclosed left paren');
  parseError('{{.A | 3}}', 'template: :1: non executable command in pipeline stage 2');
});

test('values print as Go prints them', () => {
  assert.equal(durationString(0), '0s');
  assert.equal(durationString(1_500_000_000), '1.5s');
  assert.equal(durationString(90 * 60 * 1e9), '1h30m0s');
  assert.equal(durationString(2_500_000), '2.5ms');
  assert.equal(timeString('2026-11-22T06:04:03.425Z'), '2026-11-22 06:04:03.425 +0000 UTC');
  const nums = decode(parseJsonKeepNumbers('{"big": 1795315205689116791, "f": 0.5}'), T.iface, true);
  assert.equal(run('{{.big}} {{.f}} {{json .}}', nums), '1795315205689116791 0.5 {"big":1795315205689116791,"f":0.5}');
  const floats = decode({ a: 1e6, b: 100000, c: 0.00001 }, T.iface);
  assert.equal(run('{{.a}} {{.b}} {{.c}}', floats), '1e+06 100000 1e-05');
});

test('Go declarations: embedding, tags and methods on contexts', () => {
  const types = declareTypes(`
type x.Inner struct {
  A string
}
type x.Outer struct {
  Inner
  B int \`json:"b,omitempty"\`
}
`);
  const v = decode({ A: 'a', b: 2 }, types.get('x.Outer')!);
  assert.equal(run('{{.A}} {{.B}} {{.}} {{json .}}', v), 'a 2 {{a} 2} {"A":"a","b":2}');
  const ctx: GoValue = {
    t: {
      kind: 'struct',
      name: '*formatter.Ctx',
      fields: [],
      methods: {
        ID: { params: [], fn: () => str('abc') },
        Label: { params: [T.string], fn: (_r, [k]) => str(`label-${k!.v as string}`) },
      },
    },
    v: new Map(),
  };
  assert.equal(run('{{.ID}} {{.Label "k"}} {{json .}}', ctx), 'abc label-k {"ID":"abc"}');
  execError('{{.Nope}}', ctx, 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.Ctx');
  // A table header runs the same template on the column names, with pass-through functions.
  const header = decode({ ID: 'CONTAINER ID' }, T.map(T.string, T.string));
  assert.equal(Template.parse('{{upper .ID}}').execute(header, { funcs: headerFuncs }), 'CONTAINER ID');
});
