/**
 * Creations in flight in the planner (PlanContext.creating): the loop runs each sandbox and
 * container create-and-start in the background, so a pass may see one half-made. Its key is left
 * alone until the step ends (whose end triggers the next pass): never created twice, never
 * removed as NeverStarted or Exited in between; every other pod is planned as usual.
 */
import t from 'tap';
import { plan } from '../../../agent/reconcile/plan.js';
import { sandboxKey } from '../../../agent/reconcile/plan-sandbox.js';
import { containerKey } from '../../../agent/reconcile/history.js';
import { briefSteps, context, observed, pod, sandbox, sandboxIdOf, withSandboxes } from './fixtures/builders.js';

const web = pod('web');
const other = pod('other');
const creating = (...keys: string[]) => context({ creating: new Set(keys) });
const webMain = containerKey(web.metadata.uid, 'main');
const webSandbox = sandboxKey(web.metadata.uid);

t.test('a container being created is not created again, whether Docker shows it yet or not', async (t) => {
  t.same(briefSteps(plan([web], withSandboxes([web], []), creating(webMain))), [], 'not in Docker yet: nothing');
  const made = observed(web, { state: 'created' });
  t.same(briefSteps(plan([web], withSandboxes([web], [made]), creating(webMain))), [], 'created, not started yet: left alone');
  t.same(briefSteps(plan([web], withSandboxes([web], [made]), context())), [`remove ${made.id} NeverStarted`], 'once the step ended, created-only means a start that failed');
});

t.test('a container being created is left alone even when it already ran and exited, or its pod went', async (t) => {
  const exited = observed(web, { state: 'exited', exitCode: 1 });
  t.same(briefSteps(plan([web], withSandboxes([web], [exited]), creating(webMain))), [], 'its end is recorded once the step has written the attempt');
  const orphan = observed(web, { state: 'created' });
  t.same(briefSteps(plan([], [orphan], creating(webMain))), [], 'removed once the step ended, not under it');
  t.same(briefSteps(plan([], [orphan], context())), [`remove ${orphan.id} PodDeleted`]);
});

t.test('a creation in flight holds only its own container: the pod’s others and other pods go on', async (t) => {
  const pair = pod('pair', {}, [{}, {}]);
  t.same(briefSteps(plan([pair], withSandboxes([pair], []), creating(containerKey(pair.metadata.uid, 'main')))), [`create side1 in ${sandboxIdOf(pair)}`]);
  t.same(briefSteps(plan([web, other], [sandbox(other)], creating(webSandbox))), [`create main in ${sandboxIdOf(other)}`], 'web waits for its sandbox; other is created in its own');
});

t.test('a sandbox being created is not requested again, and its pod’s containers wait for it', async (t) => {
  t.same(briefSteps(plan([web], [], creating(webSandbox))), [], 'not in Docker yet');
  const made = sandbox(web, { state: 'created' });
  t.same(briefSteps(plan([web], [made], creating(webSandbox))), [], 'created, not started yet: neither Exited nor a second one');
  t.same(briefSteps(plan([web], [made], context())), [`remove ${made.id} Exited`, 'sandbox web#2'], 'once the step ended, a sandbox that is not running is replaced');
});

t.test('a sandbox being created that already runs is ready: its containers are created at once', async (t) => {
  t.same(briefSteps(plan([web], [sandbox(web)], creating(webSandbox))), [`create main in ${sandboxIdOf(web)}`]);
});

t.test('a pod’s creations in flight keep its sandbox (not PodCompleted) and other pods’ leftovers still go', async (t) => {
  const once = pod('once', { restartPolicy: 'Never' });
  const leftover = sandbox(other, { id: 'sb-left', state: 'exited' });
  const steps = plan([once, other], [sandbox(once), leftover], creating(containerKey(once.metadata.uid, 'main')));
  t.same(briefSteps(steps), ['remove sb-left Exited', 'sandbox other#2']);
});
