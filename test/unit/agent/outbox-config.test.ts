/** --outbox-max-bytes: a byte quantity of at least 1Mi, default DEFAULTS.agentOutbox.maxBytes. */
import t from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { AGENT_USAGE, parseAgentConfig } from '../../../agent/config.js';

const GOOD = ['--server', 'http://hub.local:7443', '--token', 'T', '--node-name', 'pi-1', '--data-dir', '/var/lib/skiff'];

t.test('defaults to 64Mi, takes quantities, and is in the usage', async (t) => {
  t.equal(parseAgentConfig(GOOD, {}).outboxMaxBytes, DEFAULTS.agentOutbox.maxBytes);
  t.equal(DEFAULTS.agentOutbox.maxBytes, 64 * 2 ** 20);
  t.equal(parseAgentConfig([...GOOD, '--outbox-max-bytes', '16Mi'], {}).outboxMaxBytes, 16 * 2 ** 20);
  t.equal(parseAgentConfig([...GOOD, '--outbox-max-bytes', '2G'], {}).outboxMaxBytes, 2e9);
  t.match(AGENT_USAGE, /--outbox-max-bytes +disk kept for events and metrics .*\(default 64Mi\)/);
});

t.test('refuses what is not a byte quantity of at least 1Mi, with the flag named', async (t) => {
  for (const bad of ['lots', '512Ki', '-1Gi', '1.5.5']) {
    try {
      parseAgentConfig([...GOOD, '--outbox-max-bytes', bad], {});
      t.fail(`accepted ${bad}`);
    } catch (err) {
      t.ok(isSkiffError(err, 'SKIFF_ERR_CONFIG'), bad);
      t.match(err, { message: /--outbox-max-bytes: .* must be a byte quantity of at least 1Mi/ }, bad);
    }
  }
});
