/**
 * k8s.io/apimachinery meta/v1: ObjectMeta and the option messages every group shares (LabelSelector,
 * DeleteOptions). Written once; the group tables refer to them by name. ObjectMeta's managedFields
 * (17) is the server's to write, so it is absent here and an error when a client sends it.
 * Field numbers from the v1.32 generated.proto (see hub/api/protobuf/schema.ts).
 */
import type { SchemaTables } from './schema.js';

export const META_V1: SchemaTables = {
  'meta/v1.ObjectMeta': {
    1: ['name', 'string'],
    2: ['generateName', 'string'],
    3: ['namespace', 'string'],
    4: ['selfLink', 'string'],
    5: ['uid', 'string'],
    6: ['resourceVersion', 'string'],
    7: ['generation', 'int64'],
    8: ['creationTimestamp', 'time'],
    9: ['deletionTimestamp', 'time'],
    10: ['deletionGracePeriodSeconds', 'int64', 'optional'],
    11: ['labels', 'map<string,string>'],
    12: ['annotations', 'map<string,string>'],
    13: ['ownerReferences', 'meta/v1.OwnerReference', 'repeated'],
    14: ['finalizers', 'string', 'repeated'],
  },
  'meta/v1.OwnerReference': {
    5: ['apiVersion', 'string'],
    1: ['kind', 'string'],
    3: ['name', 'string'],
    4: ['uid', 'string'],
    6: ['controller', 'bool', 'optional'],
    7: ['blockOwnerDeletion', 'bool', 'optional'],
  },
  'meta/v1.LabelSelector': {
    1: ['matchLabels', 'map<string,string>'],
    2: ['matchExpressions', 'meta/v1.LabelSelectorRequirement', 'repeated'],
  },
  'meta/v1.LabelSelectorRequirement': {
    1: ['key', 'string'],
    2: ['operator', 'string'],
    3: ['values', 'string', 'repeated'],
  },
  'meta/v1.DeleteOptions': {
    1: ['gracePeriodSeconds', 'int64', 'optional'],
    2: ['preconditions', 'meta/v1.Preconditions'],
    3: ['orphanDependents', 'bool', 'optional'],
    4: ['propagationPolicy', 'string', 'optional'],
    5: ['dryRun', 'string', 'repeated'],
    6: ['ignoreStoreReadErrorWithClusterBreakingPotential', 'bool', 'optional'],
  },
  'meta/v1.Preconditions': {
    1: ['uid', 'string', 'optional'],
    2: ['resourceVersion', 'string', 'optional'],
  },
};
