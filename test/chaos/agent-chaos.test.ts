/**
 * The chaos suite (issue #7), the device's side: its store killed mid-write, packet loss under a
 * pull, the Docker engine restarted and a reboot without the hub. The scenarios of one file run one
 * after another: each takes network namespaces, Docker and CPU hard, and its pass criteria must not
 * depend on another's load. The long outage (a link cut for minutes with a reboot inside it) has a
 * file of its own, outage.test.ts. The suite's files keep each under tap's per-file timeout. Each
 * scenario lives in its own module beside this file and asserts its own pass criteria.
 */
import t from 'tap';
import { lossyPull } from './lossy-pull.js';
import { storeCrash } from './store-crash.js';
import { engineRestart } from './engine-restart.js';

t.test('agent killed -9 mid-write 50 times: its store opens, passes integrity_check and holds one whole desired state', storeCrash);
t.test('30% packet loss during an image pull: the Pod starts, on the whole image', lossyPull);
t.test('the Docker engine restarts, and a reboot without the hub: every Pod comes back, the same Pods', engineRestart);
