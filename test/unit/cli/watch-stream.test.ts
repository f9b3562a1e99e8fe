import t from 'tap';
import { watchEvents, type WatchEvent } from '../../../hub/cli/watch-stream.js';

async function* chunks(...parts: Array<string | Uint8Array | Error>): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    if (part instanceof Error) throw part;
    yield typeof part === 'string' ? new TextEncoder().encode(part) : part;
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of watchEvents(body)) events.push(event);
  return events;
}

const added = '{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"3"}}}';
const deleted = '{"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"4"}}}';

t.test('one event per line, whatever the chunks', async (t) => {
  const events = await collect(chunks(added.slice(0, 10), `${added.slice(10)}\n${deleted.slice(0, 5)}`, `${deleted.slice(5)}\n`, '\n'));
  t.same(events.map((e) => `${e.type} ${e.object.metadata?.resourceVersion}`), ['ADDED 3', 'DELETED 4']);
  t.same((await collect(chunks(`${added}\n`, deleted))).length, 2, 'a last line without a newline counts');
  const bytes = new TextEncoder().encode('{"type":"ADDED","object":{"metadata":{"name":"café"}}}\n');
  const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of é
  const [accented] = await collect(chunks(bytes.slice(0, split), bytes.slice(split)));
  t.equal((accented!.object.metadata as { name: string }).name, 'café', 'a character split between chunks');
});

t.test('a line that is not a watch event is an error', async (t) => {
  await t.rejects(collect(chunks('{nope\n')), { code: 'SKIFF_ERR_BAD_MESSAGE', message: /not JSON: \{nope/ });
  await t.rejects(collect(chunks('{"type":"HELLO","object":{}}\n')), { code: 'SKIFF_ERR_BAD_MESSAGE', message: /not a watch event/ });
  await t.rejects(collect(chunks('{"type":"ADDED"}\n')), { code: 'SKIFF_ERR_BAD_MESSAGE' });
});

t.test('a body that breaks off is SKIFF_ERR_UNREACHABLE: worth another try', async (t) => {
  await t.rejects(collect(chunks(`${added}\n`, new Error('terminated'))), { code: 'SKIFF_ERR_UNREACHABLE', message: 'the watch stream broke off: terminated' });
});
