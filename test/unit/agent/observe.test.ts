/**
 * The observer (runtime/observe.ts): one list per pass, an inspect only for a container that is
 * new or changed state, and none for one not started yet (dockerd would hold the inspect until a
 * start under way ends, and the pass with it).
 */
import t from 'tap';
import { Observer } from '../../../agent/runtime/observe.js';
import { FakeDockerApi, FakeClock, NODE, pod } from './fixtures/builders.js';
import { labelsFor } from '../../../agent/runtime/labels.js';

t.test('a created container is described from the list; it is inspected once it runs, then only listed', async (t) => {
  const clock = new FakeClock();
  const api = new FakeDockerApi(clock.now);
  const web = pod('web');
  const labels = labelsFor(NODE, { namespace: 'default', podName: 'web', podUid: web.metadata.uid, container: 'main', hash: 'h', attempt: 1 }, 30);
  const id = await api.createContainer({ name: 'skiff_main_web_1', Image: 'skiff-test/web:1', Labels: labels });
  const observer = new Observer(api, NODE);
  const inspects = (): number => api.calls.filter((c) => c === 'inspect').length;

  const [created] = await observer.observe();
  t.match(created, { id, state: 'created', labels, imageID: 'sha256:feedbeef' });
  t.equal(inspects(), 0, 'not inspected while not started');

  await api.startContainer(id);
  const [running] = await observer.observe();
  t.match(running, { id, state: 'running', name: 'skiff_main_web_1' });
  t.equal(inspects(), 1, 'inspected once it runs');
  await observer.observe();
  t.equal(inspects(), 1, 'and then only listed');
});
