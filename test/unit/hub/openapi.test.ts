/**
 * The minimal OpenAPI v3 (hub/api/openapi.ts): for every kind of the registry, the document of
 * its group version holds what kubectl's field-validation check looks for (cli-runtime's
 * queryParamVerifierV3: a PATCH operation of that group-version-kind with a `fieldValidation`
 * query parameter), and the index points at each document.
 */
import t from 'tap';
import { buildOpenApiV3, isOpenApiV3Path, openApiV3Body, type OpenApiV3Document } from '../../../hub/api/openapi.js';
import { RESOURCES, resourcePath } from '../../../shared/api/resources.js';

const openapi = buildOpenApiV3('v1.32.0-test');

t.test('the index names one document per group version of the registry, each reachable at its URL', async (t) => {
  const groupVersions = [...new Set(RESOURCES.map((rt) => (rt.group === '' ? `api/${rt.version}` : `apis/${rt.group}/${rt.version}`)))];
  t.same(Object.keys(openapi.index.paths).sort(), groupVersions.sort());
  for (const [key, { serverRelativeURL }] of Object.entries(openapi.index.paths)) {
    t.match(serverRelativeURL, new RegExp(`^/openapi/v3/${key}\\?hash=[0-9A-F]{64}$`));
    const url = new URL(serverRelativeURL, 'https://hub.invalid');
    t.equal(openApiV3Body(openapi, 'GET', url.pathname), openapi.documents.get(key), key);
  }
  t.same(buildOpenApiV3('v1.32.0-test').index, openapi.index, 'the same content has the same hash');
});

t.test("every kind has the PATCH operation with fieldValidation kubectl's check looks for", async (t) => {
  for (const rt of RESOURCES) {
    const key = rt.group === '' ? `api/${rt.version}` : `apis/${rt.group}/${rt.version}`;
    const document = openapi.documents.get(key) as OpenApiV3Document;
    const objectPath = decodeURIComponent(resourcePath(rt, rt.namespaced ? '{namespace}' : undefined, '{name}'));
    const patch = document.paths[objectPath]?.patch;
    t.match(
      patch,
      {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: rt.group, version: rt.version, kind: rt.kind },
        parameters: [{ name: 'fieldValidation', in: 'query' }],
      },
      `${rt.kind} at ${objectPath}`,
    );
  }
});

t.test('a group version not served is a 404, a write a 405', async (t) => {
  t.throws(() => openApiV3Body(openapi, 'GET', '/openapi/v3/apis/batch/v1'), { code: 'SKIFF_ERR_NOT_FOUND' });
  t.throws(() => openApiV3Body(openapi, 'POST', '/openapi/v3'), { code: 'SKIFF_ERR_METHOD_NOT_ALLOWED' });
  t.equal(openApiV3Body(openapi, 'GET', '/openapi/v3/'), openapi.index);
  t.same(['/openapi/v3', '/openapi/v3/api/v1', '/openapi/v2', '/openapi'].map(isOpenApiV3Path), [true, true, false, false]);
});
