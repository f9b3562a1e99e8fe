import t from 'tap';
import { isSkiffError } from '../../../shared/errors.js';
import { DEFAULTS } from '../../../shared/defaults.js';
import { AGENT_USAGE, parseAgentConfig } from '../../../agent/config.js';

const GOOD = ['--server', 'http://hub.local:7443', '--token', 'T', '--node-name', 'pi-1', '--data-dir', '/var/lib/skiff'];

function problems(argv: string[]): string[] {
  try {
    parseAgentConfig(argv, {});
    return [];
  } catch (err) {
    if (!isSkiffError(err, 'SKIFF_ERR_CONFIG')) throw err;
    return err.details.map((d) => `${d.path}: ${d.message}`);
  }
}

t.test('--eviction-monitoring-interval sets how often eviction signals are sampled', async (t) => {
  t.equal(parseAgentConfig(GOOD, {}).evictionMonitoringIntervalMs, DEFAULTS.node.evictionMonitoringIntervalMs, 'kubelet’s 10 s by default');
  t.equal(parseAgentConfig([...GOOD, '--eviction-monitoring-interval', '1s'], {}).evictionMonitoringIntervalMs, 1000);
  t.equal(parseAgentConfig([...GOOD, '--eviction-monitoring-interval=1m30s'], {}).evictionMonitoringIntervalMs, 90_000);
  t.match(problems([...GOOD, '--eviction-monitoring-interval', 'soon']), [/^--eviction-monitoring-interval: .*duration/]);
  t.match(problems([...GOOD, '--eviction-monitoring-interval', '0']), ['--eviction-monitoring-interval: "0" must be a positive duration, e.g. 10s']);
  t.match(AGENT_USAGE, /--eviction-monitoring-interval/);
});
