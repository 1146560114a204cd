import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFailureCode } from './exec.js';

test('exec start failures: 127 only when the command itself is not found, 126 otherwise (as dockerd)', () => {
  const cases: Array<[string, string, number]> = [
    ['exec failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH', 'nosuchcmd', 127],
    ['exec failed: unable to start container process: exec: "/bin/nope": stat /bin/nope: no such file or directory', '/bin/nope', 127],
    ['exec failed: unable to start container process: chdir to cwd ("/tmp") set in config.json failed: no such file or directory', 'sh', 126],
    ['exec failed: unable to start container process: exec: "/etc/passwd": permission denied', '/etc/passwd', 126],
  ];
  for (const [message, cmd, code] of cases) assert.equal(execFailureCode(message, cmd), code, message);
});
