import t from 'tap';
import { resolveHubOptions } from '../../../hub/cli/actions/hub.js';

// kube-controller-manager's HPA flags on `skiff hub`, parsed as Go durations.
t.test('--horizontal-pod-autoscaler-sync-period and --horizontal-pod-autoscaler-downscale-stabilization', async (t) => {
  const options = resolveHubOptions({ dataDir: '/d', horizontalPodAutoscalerSyncPeriod: '2s', horizontalPodAutoscalerDownscaleStabilization: '5m' }, {});
  t.equal(options.hpaSyncPeriodMs, 2_000);
  t.equal(options.hpaDownscaleStabilizationMs, 300_000);
  const unset = resolveHubOptions({ dataDir: '/d' }, {});
  t.notOk('hpaSyncPeriodMs' in unset, 'unset: the controller default (15s) applies');
  t.notOk('hpaDownscaleStabilizationMs' in unset);
  t.equal(resolveHubOptions({ dataDir: '/d', horizontalPodAutoscalerDownscaleStabilization: '0' }, {}).hpaDownscaleStabilizationMs, 0, 'no window at all is allowed');
  const fromEnv = resolveHubOptions({ dataDir: '/d' }, { SKIFF_HORIZONTAL_POD_AUTOSCALER_SYNC_PERIOD: '30s' });
  t.equal(fromEnv.hpaSyncPeriodMs, 30_000);
});

t.test('bad values name the flag', async (t) => {
  t.throws(() => resolveHubOptions({ dataDir: '/d', horizontalPodAutoscalerSyncPeriod: 'soon' }, {}), {
    message: 'invalid argument "soon" for "--horizontal-pod-autoscaler-sync-period" flag: a duration like 30s, 2m or 1m30s is expected',
  });
  t.throws(() => resolveHubOptions({ dataDir: '/d', horizontalPodAutoscalerSyncPeriod: '0' }, {}), {
    message: 'invalid value "0" for --horizontal-pod-autoscaler-sync-period: must be longer than 0',
  });
  t.throws(() => resolveHubOptions({ dataDir: '/d', horizontalPodAutoscalerDownscaleStabilization: '5 minutes' }, {}), {
    message: /"--horizontal-pod-autoscaler-downscale-stabilization" flag/,
  });
});
