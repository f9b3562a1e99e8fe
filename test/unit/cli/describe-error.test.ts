import t from 'tap';
import { CommanderError } from 'commander';
import { ApiStatusError, HubUnreachableError } from '../../../hub/cli/api-errors.js';
import { describeError } from '../../../hub/cli/describe-error.js';
import { SkiffError } from '../../../shared/errors.js';

function status(reason: string, message: string, code: number): ApiStatusError {
  return new ApiStatusError(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
}

/** What undici's fetch throws when nothing listens: TypeError('fetch failed') caused by the socket error. */
function fetchFailed(code: string, message: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

t.test('errors map to kubectl messages and exit codes', async (t) => {
  const cases: Array<[string, unknown, string[], number]> = [
    ['a Status from the hub', status('NotFound', 'pods "x" not found', 404), ['Error from server (NotFound): pods "x" not found'], 1],
    ['a Conflict', status('Conflict', 'the object has been modified', 409), ['Error from server (Conflict): the object has been modified'], 1],
    ['a Status without reason', status('', 'boom', 500), ['Error from server: boom'], 1],
    ['Unauthorized, as kubectl words it', status('Unauthorized', 'Unauthorized', 401), ['error: You must be logged in to the server (Unauthorized)'], 1],
    [
      'a connection refused',
      new HubUnreachableError('http://127.0.0.1:7443/api/v1/namespaces/default/pods', fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:7443')),
      ['The connection to the server 127.0.0.1:7443 was refused - did you specify the right host or port?'],
      1,
    ],
    [
      'an unknown host',
      new HubUnreachableError('http://hub.invalid:7443/version', fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND hub.invalid')),
      ['Unable to connect to the server: getaddrinfo ENOTFOUND hub.invalid'],
      1,
    ],
    ['a coded Skiff error', new SkiffError('SKIFF_ERR_NOT_FOUND', 'the server doesn\'t have a resource type "foo"'), ['error: the server doesn\'t have a resource type "foo"'], 1],
    ['several problems, one line each', new SkiffError('SKIFF_ERR_INVALID', 'a.yaml: document 1: x\nb.yaml: document 2: y'), ['error: a.yaml: document 1: x', 'error: b.yaml: document 2: y'], 1],
    ['a usage error from commander', new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"), ["error: unknown option '--x'"], 1],
    ['help shown for a missing command', new CommanderError(1, 'commander.help', '(outputHelp)'), [], 1],
    ['help, which is no failure', new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), [], 0],
    ['anything else', new Error('surprise'), ['error: surprise'], 1],
  ];
  for (const [name, err, lines, exitCode] of cases) t.same(describeError(err), { lines, exitCode }, name);
});

t.test('a non-Status error body still reads like kubectl', async (t) => {
  t.same(describeError(new ApiStatusError(404, undefined)).lines, ['Error from server (NotFound): the server could not find the requested resource']);
  t.same(describeError(new ApiStatusError(502, 'Bad Gateway')).lines, ['Error from server: an error on the server ("Bad Gateway") has prevented the request from succeeding']);
});
