/**
 * The chaos suite (issue #7), the hub's side: killed -9 in the middle of a rolling update, and a
 * fleet of 500 simulated agents coming back after it. One after another (see agent-chaos.test.ts).
 */
import t from 'tap';
import { fleetReconnect } from './fleet-reconnect.js';
import { hubKillRollout } from './hub-kill-rollout.js';

t.test('hub killed -9 mid-rollout over 3 nodes: no Deployment lost, the rollout completes, never more Pods than maxSurge allows', hubKillRollout);
t.test('500 simulated agents reconnect after a hub killed -9: all back, spread over the backoff, the API answering throughout', fleetReconnect);
