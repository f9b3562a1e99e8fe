/**
 * The relay's request line (issue #8): what the proxy writes parses back to the same request, a
 * line that is not one says why, and takeLine splits a line off the bytes that follow it while
 * refusing one longer than MAX_LINE_BYTES.
 */
import t from 'tap';
import { MAX_LINE_BYTES, RELAY_MAGIC, parseRelayRequest, relayRequestLine, takeLine } from '../../../agent/services/relay-protocol.js';

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0';

t.test('a request line parses back to the request it was made from', async (t) => {
  const request = { token: TOKEN, ip: '172.17.0.2', port: 8080 };
  const line = relayRequestLine(request);
  t.equal(line, `${RELAY_MAGIC} ${TOKEN} 172.17.0.2 8080\n`, 'one line, ending in a newline');
  const taken = takeLine(Buffer.from(line));
  t.strictSame(taken?.rest, Buffer.alloc(0));
  t.strictSame(parseRelayRequest(taken!.line), request);
  for (const port of [1, 65535]) t.strictSame(parseRelayRequest(relayRequestLine({ ...request, port })), { ...request, port }, `port ${port}`);
});

t.test('a line that is not a relay request says why', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'not a relay request'],
    ['GET / HTTP/1.1', 'not a relay request'],
    [`SKIFF-RELAY/2 ${TOKEN} 172.17.0.2 8080`, 'not a relay request'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2`, 'not a relay request'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 8080 extra`, 'not a relay request'],
    [`${RELAY_MAGIC}  ${TOKEN} 172.17.0.2 8080`, 'not a relay request'],
    [`${RELAY_MAGIC} ${TOKEN} web.default 8080`, 'bad endpoint address'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.256 8080`, 'bad endpoint address'],
    [`${RELAY_MAGIC} ${TOKEN} ::1 8080`, 'bad endpoint address'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 0`, 'bad endpoint port'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 65536`, 'bad endpoint port'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 -1`, 'bad endpoint port'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 80.5`, 'bad endpoint port'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 0x50`, 'bad endpoint port'],
    [`${RELAY_MAGIC} ${TOKEN} 172.17.0.2 100000`, 'bad endpoint port'],
  ];
  for (const [line, error] of cases) t.strictSame(parseRelayRequest(line), { error }, JSON.stringify(line));
});

t.test('takeLine waits for the newline and keeps the bytes after it', async (t) => {
  t.equal(takeLine(Buffer.from('SKIFF-RELAY/1 tok')), undefined, 'no newline yet');
  t.equal(takeLine(Buffer.alloc(0)), undefined);
  const taken = takeLine(Buffer.from('OK\nGET / HTTP/1.1\r\n\r\n'));
  t.equal(taken?.line, 'OK');
  t.equal(taken?.rest.toString(), 'GET / HTTP/1.1\r\n\r\n', 'the early bytes are kept, newlines and all');
  t.strictSame(takeLine(Buffer.from('\nrest')), { line: '', rest: Buffer.from('rest') }, 'an empty line');
});

t.test('takeLine refuses a line over MAX_LINE_BYTES, with or without its newline', async (t) => {
  const longest = 'x'.repeat(MAX_LINE_BYTES);
  t.equal(takeLine(Buffer.from(`${longest}\n`))?.line, longest, 'exactly MAX_LINE_BYTES is a line');
  t.equal(takeLine(Buffer.from(longest)), undefined, 'exactly MAX_LINE_BYTES without newline still waits');
  t.throws(() => takeLine(Buffer.from(`${longest}x\n`)), new RegExp(`over ${MAX_LINE_BYTES} bytes`), 'one byte more, newline arrived');
  t.throws(() => takeLine(Buffer.from(`${longest}x`)), new RegExp(`over ${MAX_LINE_BYTES} bytes`), 'one byte more, no newline: no point waiting');
  t.equal(takeLine(Buffer.from(`short\n${'y'.repeat(4 * MAX_LINE_BYTES)}`))?.line, 'short', 'a long rest after a short line is fine');
});
