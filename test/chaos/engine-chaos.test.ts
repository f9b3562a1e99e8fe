/**
 * The chaos suite (issue #7), the device's side: the Docker engine restarted under the agent, and
 * a reboot without the hub, on a private real dockerd (second-engine.ts).
 */
import t from 'tap';
import { engineRestart } from './engine-restart.js';

t.test('the Docker engine restarts, and a reboot without the hub: every Pod comes back, the same Pods', engineRestart);
