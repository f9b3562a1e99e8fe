/**
 * The chaos suite (issue #7): every scenario in one file so that tap runs them one after another,
 * never in parallel with each other (each takes the machine's network namespaces, Docker and CPU
 * hard, and a scenario's pass criteria must not depend on another's load). Each scenario lives in
 * its own module beside this file and asserts its own pass criteria.
 */
import t from 'tap';
import { linkCut } from './link-cut.js';
import { lossyPull } from './lossy-pull.js';
import { storeCrash } from './store-crash.js';

t.test('link cut: the agent keeps its Pod without the hub, through a crash and a reboot, and nothing churns on reconnect', linkCut);
t.test('agent killed -9 mid-write 50 times: its store opens, passes integrity_check and holds one whole desired state', storeCrash);
t.test('30% packet loss during an image pull: the Pod starts, on the whole image', lossyPull);
