import t from 'tap';
import { ACCESS_V1 } from '../../../../hub/api/protobuf/access-v1.js';
import { APPS_V1 } from '../../../../hub/api/protobuf/apps-v1.js';
import { AUTOSCALING_V1 } from '../../../../hub/api/protobuf/autoscaling-v1.js';
import { CORE_V1 } from '../../../../hub/api/protobuf/core-v1.js';
import { CORE_V1_POD } from '../../../../hub/api/protobuf/core-v1-pod.js';
import { KIND_MESSAGES, TABLES } from '../../../../hub/api/protobuf/kinds.js';
import { META_V1 } from '../../../../hub/api/protobuf/meta-v1.js';
import { NETWORKING_V1 } from '../../../../hub/api/protobuf/networking-v1.js';
import { RBAC_V1 } from '../../../../hub/api/protobuf/rbac-v1.js';

const BUILT_IN = new Set(['string', 'int32', 'int64', 'bool', 'bytes', 'time', 'quantity', 'intOrString', 'raw', 'map<string,string>', 'map<string,bytes>', 'map<string,quantity>']);
const GROUPS = [META_V1, CORE_V1, CORE_V1_POD, APPS_V1, AUTOSCALING_V1, RBAC_V1, NETWORKING_V1, ACCESS_V1];

t.test('each message is written once, in one group table', async (t) => {
  const total = GROUPS.reduce((n, group) => n + Object.keys(group).length, 0);
  t.equal(Object.keys(TABLES).length, total, 'no group redefines another group’s message');
});

t.test('every field names a known type, once per JSON name, with sensible flags', async (t) => {
  const problems: string[] = [];
  for (const [message, schema] of Object.entries(TABLES)) {
    const names = new Set<string>();
    for (const [number, [name, type, ...flags]] of Object.entries(schema)) {
      const where = `${message} field ${number} (${name})`;
      if (!(Number.isInteger(Number(number)) && Number(number) > 0)) problems.push(`${where}: not a field number`);
      if (!BUILT_IN.has(type) && !Object.hasOwn(TABLES, type)) problems.push(`${where}: type ${type} has no table`);
      if (names.has(name)) problems.push(`${where}: JSON name used twice`);
      names.add(name);
      if (flags.includes('inline') && (!Object.hasOwn(TABLES, type) || flags.includes('repeated'))) problems.push(`${where}: only a single message inlines`);
      if (type.startsWith('map<') && flags.includes('repeated')) problems.push(`${where}: a map is not also a list`);
    }
  }
  t.same(problems, []);
  t.ok(Object.keys(TABLES).length > 100, 'the tables were all read');
});

t.test('every kind decodes with a table that has metadata or a spec', async (t) => {
  for (const [kind, message] of Object.entries(KIND_MESSAGES)) {
    const schema = TABLES[message];
    t.ok(schema, `${kind} -> ${message}`);
    t.equal(schema?.[1]?.[0], 'metadata', `${kind}: field 1 is metadata, as in every top-level Kubernetes message`);
  }
});
