/**
 * The chaos suite (issue #7), the device's side: its link cut, its store killed mid-write, packet
 * loss under a pull, the Docker engine restarted and a reboot without the hub. The scenarios of
 * one file run one after another: each takes network namespaces, Docker and CPU hard, and its pass
 * criteria must not depend on another's load. In particular a private engine's overlay mounts
 * must not be copied into the mount namespace of an `ip netns exec` process running beside it
 * (its container removals then fail with EBUSY), so the engine scenario never runs next to a
 * netns one. The suite's two files keep each under tap's per-file timeout. Each scenario lives in
 * its own module beside this file and asserts its own pass criteria.
 */
import t from 'tap';
import { linkCut } from './link-cut.js';
import { lossyPull } from './lossy-pull.js';
import { storeCrash } from './store-crash.js';
import { engineRestart } from './engine-restart.js';

t.test('link cut: the agent keeps its Pod without the hub, through a crash and a reboot, and nothing churns on reconnect', linkCut);
t.test('agent killed -9 mid-write 50 times: its store opens, passes integrity_check and holds one whole desired state', storeCrash);
t.test('30% packet loss during an image pull: the Pod starts, on the whole image', lossyPull);
t.test('the Docker engine restarts, and a reboot without the hub: every Pod comes back, the same Pods', engineRestart);
