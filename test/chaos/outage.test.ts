/**
 * The chaos suite's long scenario (issue #7, scenario 2): a link cut for minutes with a reboot in
 * the middle. It has a file of its own because it mostly waits: tap runs other files beside it,
 * and its private engine and namespace touch nothing they share (see outage.ts).
 */
import t from 'tap';
import { outage } from './outage.js';

t.test('link cut for minutes, agent killed -9 and Docker restarted: Pods back without the hub, the outage’s metrics arrive in order', outage);
