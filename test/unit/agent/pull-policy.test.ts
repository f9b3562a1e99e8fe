import t from 'tap';
import { effectivePullPolicy } from '../../../agent/reconcile/pull-policy.js';
import { normalizeImageRef, parseImageRef } from '../../../agent/runtime/image-ref.js';

t.test('imagePullPolicy defaults as Kubernetes: :latest or no tag -> Always, else IfNotPresent', async (t) => {
  const table: Array<[string, 'Always' | 'IfNotPresent' | 'Never' | undefined, string]> = [
    ['nginx', undefined, 'Always'],
    ['nginx:latest', undefined, 'Always'],
    ['nginx:1.27', undefined, 'IfNotPresent'],
    ['127.0.0.1:5000/web', undefined, 'Always'],
    ['127.0.0.1:5000/web:1', undefined, 'IfNotPresent'],
    ['nginx@sha256:0123456789abcdef', undefined, 'IfNotPresent'],
    ['nginx:1.27', 'Always', 'Always'],
    ['nginx', 'Never', 'Never'],
    ['nginx:latest', 'IfNotPresent', 'IfNotPresent'],
  ];
  for (const [image, explicit, expected] of table) {
    t.equal(effectivePullPolicy({ image, ...(explicit ? { imagePullPolicy: explicit } : {}) }), expected, `${image} ${explicit ?? '(default)'}`);
  }
});

t.test('image references normalise to the form Docker lists in RepoTags', async (t) => {
  const table: Array<[string, string]> = [
    ['busybox', 'busybox:latest'],
    ['docker.io/library/busybox:1', 'busybox:1'],
    ['docker.io/someone/app', 'someone/app:latest'],
    ['127.0.0.1:5000/web:1', '127.0.0.1:5000/web:1'],
    ['localhost:5000/web', 'localhost:5000/web:latest'],
    ['skiff-test/web:1', 'skiff-test/web:1'],
    ['app@sha256:abc', 'app@sha256:abc'],
  ];
  for (const [image, expected] of table) t.equal(normalizeImageRef(image), expected, image);
  t.same(parseImageRef('reg:5000/a/b:2@sha256:x'), { repository: 'reg:5000/a/b', tag: '2', digest: 'sha256:x' });
});
