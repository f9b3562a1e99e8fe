import t from 'tap';
import { parseResourceArgs } from '../../../hub/cli/resource-args.js';

function summary(args: string[]): Array<[string, string[]]> {
  return parseResourceArgs(args, 'get').map((r) => [r.resource.plural, r.names]);
}

t.test('types resolve by plural, singular, short name, kind and group', async (t) => {
  const cases: Array<[string[], Array<[string, string[]]>]> = [
    [['pods'], [['pods', []]]],
    [['po', 'a', 'b'], [['pods', ['a', 'b']]]],
    [['Pod'], [['pods', []]]],
    [['deploy'], [['deployments', []]]],
    [['deployments.apps', 'web'], [['deployments', ['web']]]],
    [['rs'], [['replicasets', []]]],
    [['no'], [['nodes', []]]],
    [['ns'], [['namespaces', []]]],
    [['pods,deploy'], [['pods', []], ['deployments', []]]],
    [['pods,po'], [['pods', []]]],
    [['deployment/web', 'pod/a', 'deploy/api'], [['deployments', ['web', 'api']], ['pods', ['a']]]],
  ];
  for (const [args, expected] of cases) t.same(summary(args), expected, args.join(' '));
});

t.test('unknown types and malformed arguments are errors in kubectl words', async (t) => {
  t.throws(() => parseResourceArgs(['foo'], 'get'), { message: 'the server doesn\'t have a resource type "foo"' });
  t.throws(() => parseResourceArgs(['pods,foo'], 'get'), { message: 'the server doesn\'t have a resource type "foo"' });
  t.throws(() => parseResourceArgs(['foo/x'], 'get'), { message: 'the server doesn\'t have a resource type "foo"' });
  t.throws(() => parseResourceArgs(['pod/'], 'delete'), { message: /resource\/name form/ });
  t.throws(() => parseResourceArgs(['pod', 'pod/x'], 'delete'), { message: /no need to specify a resource type as a separate argument/ });
  t.throws(() => parseResourceArgs([], 'get'), { message: /^you must specify the type of resource to get/ });
});
