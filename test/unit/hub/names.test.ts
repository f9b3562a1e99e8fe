import t from 'tap';
import { fnv32a, podTemplateHash, randomSuffix, safeEncodeString } from '../../../hub/objects/names.js';
import { canonicalJson } from '../../../shared/canonical-json.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

/** A fake `random(max)` that returns the given indices in turn and records every `max` it was asked for. */
function scripted(indices: number[]) {
  const asked: number[] = [];
  let i = 0;
  const random = (max: number) => {
    asked.push(max);
    return indices[i++ % indices.length]!;
  };
  return { random, asked };
}

t.test("randomSuffix draws five characters from Kubernetes' safe alphabet by default", async (t) => {
  const { random, asked } = scripted([0, 1, 2, 26, 25]);
  t.equal(randomSuffix(undefined, random), 'bcd98');
  t.same(asked, [27, 27, 27, 27, 27], 'asks for an index into all 27 characters');
});

t.test('randomSuffix honours the requested length and can reach every character', async (t) => {
  const { random } = scripted(Array.from({ length: 27 }, (_, i) => i));
  t.equal(randomSuffix(27, random), SAFE_ALPHABET);
  t.equal(randomSuffix(0, random), '');
  t.equal(randomSuffix(10, random).length, 10);
});

t.test('randomSuffix with real randomness only ever uses the safe alphabet', async (t) => {
  const seen = new Set<string>();
  const bad: string[] = [];
  for (let i = 0; i < 500; i++) {
    const suffix = randomSuffix();
    if (!/^[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(suffix)) bad.push(suffix);
    for (const ch of suffix) seen.add(ch);
  }
  t.same(bad, [], 'every suffix is five safe characters');
  t.ok(seen.size > 20, `used ${seen.size} different characters`);
});

t.test('safeEncodeString maps each character code through the alphabet, as rand.SafeEncodeString does', async (t) => {
  // '0'..'9' are codes 48..57; 48 % 27 = 21, which is '4'.
  t.equal(safeEncodeString('0123456789'), '456789bcdf');
  t.equal(safeEncodeString(''), '');
  t.match(safeEncodeString('any text at all'), SAFE);
});

t.test('fnv32a matches the FNV-1a 32-bit reference vectors', async (t) => {
  const table: Array<[string, number]> = [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ];
  for (const [text, hash] of table) t.equal(fnv32a(text), hash, `${JSON.stringify(text)} -> 0x${hash.toString(16)}`);
});

t.test('fnv32a always returns an unsigned 32-bit integer', async (t) => {
  for (const text of ['x', 'nginx-deployment', 'é', '🚢'.repeat(50)]) {
    const hash = fnv32a(text);
    t.ok(Number.isInteger(hash) && hash >= 0 && hash <= 0xffffffff, `${text.slice(0, 10)} -> ${hash}`);
  }
});

t.test('canonicalJson is independent of key order at every depth, but not of array order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'z' } }), canonicalJson({ a: { c: 'z', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  t.equal(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  t.not(canonicalJson([1, 2]), canonicalJson([2, 1]));
  t.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}', 'undefined fields are dropped, null is kept');
  t.equal(canonicalJson('x"y'), '"x\\"y"');
});

const template = () => ({
  metadata: { labels: { app: 'nginx', tier: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
});

t.test('podTemplateHash is stable whatever the key order', async (t) => {
  const reordered = {
    spec: { containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1.14.2', name: 'nginx' }] },
    metadata: { labels: { tier: 'web', app: 'nginx' } },
  };
  t.equal(podTemplateHash(reordered), podTemplateHash(template()));
  t.equal(podTemplateHash(template()), podTemplateHash(template()));
  t.match(podTemplateHash(template()), SAFE);
  t.ok(podTemplateHash(template()).length <= 10, 'a decimal uint32 has at most 10 digits');
});

t.test('podTemplateHash changes with the content and with collisionCount', async (t) => {
  const base = podTemplateHash(template());
  const newImage = template();
  newImage.spec.containers[0]!.image = 'nginx:1.16.1';
  const newLabel = template();
  newLabel.metadata.labels.tier = 'api';
  const hashes = [base, podTemplateHash(newImage), podTemplateHash(newLabel), podTemplateHash(template(), 0), podTemplateHash(template(), 1)];
  t.equal(new Set(hashes).size, hashes.length, hashes.join(' '));
});
