import t from 'tap';
import { requireBuild } from './fixtures/build-check.js';
import { runCli } from './fixtures/run-cli.js';

if (requireBuild(t)) {
  await t.test('skiff hub rejects bad ports, naming the flag, before starting anything', async (t) => {
    t.same(await runCli(['hub', '--data-dir', '/tmp/skiff-never', '--api-port', '0']), {
      code: 1,
      stdout: '',
      stderr: 'error: invalid value "0" for --api-port: must be an integer port between 1 and 65535\n',
    });
    t.same(await runCli(['hub', '--data-dir', '/tmp/skiff-never', '--mqtt-port', '70000']), {
      code: 1,
      stdout: '',
      stderr: 'error: invalid value "70000" for --mqtt-port: must be an integer port between 1 and 65535\n',
    });
  });

  await t.test('skiff hub needs a data dir, from the flag or $SKIFF_DATA_DIR', async (t) => {
    t.same(await runCli(['hub']), { code: 1, stdout: '', stderr: 'error: --data-dir is required (or set $SKIFF_DATA_DIR)\n' });
    const fromEnv = await runCli(['hub', '--api-port', 'x'], { env: { SKIFF_DATA_DIR: '/tmp/skiff-never' } });
    t.equal(fromEnv.stderr, 'error: invalid value "x" for --api-port: must be an integer port between 1 and 65535\n');
  });
}
