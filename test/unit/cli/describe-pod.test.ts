/**
 * `describe pod` against text blocks that real kubectl 1.32.4 printed for the same objects (served
 * by a stub API server, TZ=UTC), byte for byte. The only lines where Skiff differs on purpose: a
 * container with limits but no requests shows no Requests here, as Skiff's hub stores no defaulted
 * requests (kubectl on Kubernetes would show requests equal to the limits).
 */
import t from 'tap';
import { describeProbe } from '../../../hub/cli/describe/containers.js';
import { describePod } from '../../../hub/cli/describe/pod.js';
import { computePodQos, podQos } from '../../../shared/api/qos.js';
import type { DescribeClock } from '../../../hub/cli/describe/time-format.js';
import type { Pod } from '../../../shared/api/schema/pod.js';
import { DESCRIBE_NOW, describeFixtures } from './fixtures/describe-objects.js';

const clock: DescribeClock = { now: DESCRIBE_NOW, utcOffsetMinutes: 0 };
const text = (lines: string[]): string => `${lines.join('\n')}\n`;
const fixtures = describeFixtures();

const WEB_LINES = [
      'Name:             web-5d8c7b9f4d-2xkqp',
      'Namespace:        default',
      'Priority:         0',
      'Service Account:  default',
      'Node:             pi-1/192.168.1.20',
      'Start Time:       Fri, 14 Mar 2025 09:21:23 +0000',
      'Labels:           app=web',
      '                  pod-template-hash=5d8c7b9f4d',
      'Annotations:      skiff.dev/note: serves the v1 page',
      'Status:           Running',
      'IP:               10.42.0.7',
      'IPs:',
      '  IP:           10.42.0.7',
      'Controlled By:  ReplicaSet/web-5d8c7b9f4d',
      'Containers:',
      '  web:',
      '    Container ID:   docker://8d1f0a7c',
      '    Image:          skiff-test/web:1',
      '    Image ID:       docker-pullable://skiff-test/web@sha256:4f3c',
      '    Ports:          80/TCP, 9090/UDP',
      '    Host Ports:     8080/TCP, 0/UDP',
      '    State:          Running',
      '      Started:      Fri, 14 Mar 2025 09:21:33 +0000',
      '    Ready:          True',
      '    Restart Count:  0',
      '    Limits:',
      '      cpu:     500m',
      '      memory:  128Mi',
      '    Requests:',
      '      cpu:      250m',
      '      memory:   64Mi',
      '    Liveness:   http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
      '    Readiness:  exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3',
      '    Startup:    tcp-socket :8080 delay=0s timeout=1s period=10s #success=1 #failure=30',
      '    Environment:',
      '      GREETING:  hello',
      '      MOTD:      line one',
      '                 line two',
      '    Mounts:      <none>',
      '  sidecar:',
      '    Container ID:  docker://77aa01',
      '    Image:         busybox:1.36',
      '    Image ID:      docker-pullable://busybox@sha256:9ae9',
      '    Port:          <none>',
      '    Host Port:     <none>',
      '    Command:',
      '      sh',
      '      -c',
      '    Args:',
      '      sleep 3600',
      '    State:          Running',
      '      Started:      Fri, 14 Mar 2025 09:23:33 +0000',
      '    Last State:     Terminated',
      '      Reason:       OOMKilled',
      '      Exit Code:    137',
      '      Signal:       9',
      '      Started:      Fri, 14 Mar 2025 09:21:33 +0000',
      '      Finished:     Fri, 14 Mar 2025 09:23:32 +0000',
      '    Ready:          True',
      '    Restart Count:  1',
      '    Limits:',
      '      cpu:        1',
      '      memory:     1Gi',
      '    Environment:  <none>',
      '    Mounts:       <none>',
      'Conditions:',
      '  Type              Status',
      '  Initialized       True ',
      '  Ready             True ',
      '  ContainersReady   True ',
      '  PodScheduled      True ',
      'Volumes:            <none>',
      'QoS Class:          Burstable',
      'Node-Selectors:     kubernetes.io/arch=arm64',
      'Tolerations:        <none>',
      'Events:',
      '  Type     Reason     Age                    From               Message',
      '  ----     ------     ----                   ----               -------',
      '  Normal   Scheduled  5m30s                  default-scheduler  Successfully assigned default/web-5d8c7b9f4d-2xkqp to pi-1',
      '  Normal   Pulled     5m25s                  kubelet            Container image "skiff-test/web:1" already present on machine',
      '  Warning  Unhealthy  2m10s (x4 over 5m10s)  kubelet            Readiness probe failed: HTTP probe failed with statuscode: 503',
    ];

const CRASH_LINES = [
      'Name:             sensor-7d9f',
      'Namespace:        edge',
      'Priority:         0',
      'Service Account:  default',
      'Node:             pi-1/192.168.1.20',
      'Start Time:       Fri, 14 Mar 2025 08:25:13 +0000',
      'Labels:           <none>',
      'Annotations:      <none>',
      'Status:           Running',
      'IP:               10.42.0.9',
      'IPs:',
      '  IP:  10.42.0.9',
      'Containers:',
      '  reader:',
      '    Container ID:  docker://0badc0de',
      '    Image:         registry.local/sensor:2',
      '    Image ID:      ',
      '    Port:          <none>',
      '    Host Port:     <none>',
      '    Command:',
      '      /bin/reader',
      '    Args:',
      '      --port',
      '      /dev/ttyUSB0',
      '    State:          Waiting',
      '      Reason:       CrashLoopBackOff',
      '    Last State:     Terminated',
      '      Reason:       Error',
      '      Message:      no such device',
      '      Exit Code:    1',
      '      Started:      Fri, 14 Mar 2025 09:25:43 +0000',
      '      Finished:     Fri, 14 Mar 2025 09:25:48 +0000',
      '    Ready:          False',
      '    Restart Count:  12',
      '    Environment:    <none>',
      '    Mounts:         <none>',
      'Conditions:',
      '  Type           Status',
      '  Ready          False ',
      'Volumes:         <none>',
      'QoS Class:       BestEffort',
      'Node-Selectors:  <none>',
      'Tolerations:     <none>',
      'Events:          <none>',
    ];

const GONE_LINES = [
      'Name:                      gone',
      'Namespace:                 default',
      'Priority:                  0',
      'Service Account:           default',
      'Node:                      <none>',
      'Labels:                    <none>',
      'Annotations:               <none>',
      'Status:                    Terminating (lasts <invalid>)',
      'Termination Grace Period:  30s',
      'IP:                        ',
      'IPs:                       <none>',
      'Containers:',
      '  c:',
      '    Image:      nginx',
      '    Port:       <none>',
      '    Host Port:  <none>',
      '    Limits:',
      '      cpu:        1',
      '      memory:     256Mi',
      '    Environment:  <none>',
      '    Mounts:       <none>',
      'Volumes:          <none>',
      'QoS Class:        Guaranteed',
      'Node-Selectors:   <none>',
      'Tolerations:      <none>',
    ];

t.test('a running pod of a ReplicaSet, with probes, ports, env, a restarted sidecar and events', async (t) => {
  t.equal(
    describePod(fixtures.webPod, fixtures.webEvents, clock),
    text(WEB_LINES),
  );
});

t.test('a crash-looping pod: Waiting with its reason, the last termination, no events', async (t) => {
  t.equal(describePod(fixtures.crashPod, [], clock), text(CRASH_LINES));
});

t.test('a terminating pod that never got a node, described without its events', async (t) => {
  t.equal(describePod(fixtures.pendingPod, undefined, clock), text(GONE_LINES));
});

t.test('Terminating counts the time left as kubectl does, and a finished pod stays finished', async (t) => {
  const deleting = (phase: 'Running' | 'Succeeded', deletionSecondsAgo: number): Pod =>
    ({
      ...fixtures.crashPod,
      metadata: { ...fixtures.crashPod.metadata, deletionTimestamp: new Date(DESCRIBE_NOW.getTime() - deletionSecondsAgo * 1000).toISOString() },
      status: { ...fixtures.crashPod.status, phase },
    }) as Pod;
  t.match(describePod(deleting('Running', 90), [], clock), /\nStatus:\s+Terminating \(lasts 90s\)\n/);
  t.notMatch(describePod(deleting('Running', 90), [], clock), /Termination Grace Period/, 'no grace period recorded, no line');
  t.match(describePod(deleting('Succeeded', 90), [], clock), /\nStatus:\s+Succeeded\n/);
});

t.test('timestamps follow the zone they are printed in', async (t) => {
  const east = describePod(fixtures.crashPod, [], { now: DESCRIBE_NOW, utcOffsetMinutes: 330 });
  t.match(east, /\nStart Time:\s+Fri, 14 Mar 2025 13:55:13 \+0530\n/);
});

t.test('init containers, when a pod has them, come first under their own heading', async (t) => {
  const withInit = { ...fixtures.crashPod, spec: { ...fixtures.crashPod.spec, initContainers: [{ name: 'migrate', image: 'registry.local/migrate:1' }] } } as Pod;
  t.match(describePod(withInit, [], clock), /\nIPs:\n  IP:  10\.42\.0\.9\nInit Containers:\n  migrate:\n    Image:\s+registry\.local\/migrate:1\n    Port:\s+<none>\n    Host Port:\s+<none>\n    Environment:\s+<none>\n    Mounts:\s+<none>\nContainers:\n  reader:\n/);
});

t.test('probe lines read as kubectl DescribeProbe writes them', async (t) => {
  const attrs = { initialDelaySeconds: 3, timeoutSeconds: 2, periodSeconds: 7, successThreshold: 1, failureThreshold: 5 };
  const tail = 'delay=3s timeout=2s period=7s #success=1 #failure=5';
  const cases: Array<[string, Parameters<typeof describeProbe>[0], string]> = [
    ['http-get with the defaulted scheme and path', { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, ...attrs }, `http-get http://:80/ ${tail}`],
    ['http-get on a named port and a host', { httpGet: { port: 'web', host: '10.0.0.1', path: '/ready', scheme: 'HTTPS' }, ...attrs }, `http-get https://10.0.0.1:web/ready ${tail}`],
    ['http-get on an IPv6 host', { httpGet: { port: 8080, host: 'fd00::1', path: '/x', scheme: 'HTTP' }, ...attrs }, `http-get http://[fd00::1]:8080/x ${tail}`],
    ['http-get with a path that needs escaping', { httpGet: { port: 80, path: '/a b?c', scheme: 'HTTP' }, ...attrs }, `http-get http://:80/a%20b%3Fc ${tail}`],
    ['tcp-socket', { tcpSocket: { port: 5432 }, ...attrs }, `tcp-socket :5432 ${tail}`],
    ['exec', { exec: { command: ['sh', '-c', 'test -f /tmp/ok'] }, ...attrs }, `exec [sh -c test -f /tmp/ok] ${tail}`],
    ['no handler', { ...attrs }, `unknown ${tail}`],
    ['numbers the hub did not default print as zero', { tcpSocket: { port: 1 } }, 'tcp-socket :1 delay=0s timeout=0s period=0s #success=0 #failure=0'],
  ];
  for (const [name, probe, expected] of cases) t.equal(describeProbe(probe), expected, name);
});

t.test('QoS class as Kubernetes computes it', async (t) => {
  const pod = (...resources: Array<Record<string, Record<string, string>> | undefined>): Pod =>
    ({ ...fixtures.crashPod, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', ...(r ? { resources: r } : {}) })) } }) as Pod;
  const cases: Array<[string, Pod, string]> = [
    ['nothing requested or limited', pod(undefined, {}), 'BestEffort'],
    ['only requests', pod({ requests: { cpu: '100m' } }), 'Burstable'],
    ['limits on cpu and memory, requests defaulted to them', pod({ limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed'],
    ['requests equal to limits, written differently', pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } }), 'Guaranteed'],
    ['requests below limits', pod({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } }), 'Burstable'],
    ['one container without a memory limit', pod({ limits: { cpu: '1', memory: '1Gi' } }, { limits: { cpu: '1' } }), 'Burstable'],
    ['every container guaranteed', pod({ limits: { cpu: '1', memory: '1Gi' } }, { limits: { cpu: '250m', memory: '64Mi' } }), 'Guaranteed'],
    ['only other resources do not count', pod({ limits: { 'ephemeral-storage': '1Gi' } }), 'BestEffort'],
    ['zero amounts do not count', pod({ requests: { cpu: '0', memory: '0' } }), 'BestEffort'],
  ];
  for (const [name, p, expected] of cases) t.equal(computePodQos(p), expected, name);
  t.equal(podQos({ ...pod(undefined), status: { qosClass: 'Guaranteed' } } as Pod), 'Guaranteed', 'a class in the status wins');
});

/**
 * Where env and volumes come from, against what kubectl 1.32 printed for this Pod served by a
 * Skiff hub: envFrom, configMapKeyRef / secretKeyRef, fieldRef (kubectl resolves only
 * metadata.name and metadata.namespace client-side), resourceFieldRef with and without a divisor
 * and an unset limit ("node allocatable"), and configMap, secret and emptyDir volumes.
 */
const ENV_AND_VOLUMES_POD = {
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "envy",
    "labels": {
      "app": "envy",
      "tier": "web"
    },
    "namespace": "default"
  },
  "spec": {
    "containers": [
      {
        "name": "main",
        "image": "skiff-test/web:1",
        "resources": {
          "limits": {
            "cpu": "500m",
            "memory": "128Mi"
          },
          "requests": {
            "cpu": "250m",
            "memory": "128Mi"
          }
        },
        "envFrom": [
          {
            "configMapRef": {
              "name": "cfg"
            }
          },
          {
            "secretRef": {
              "name": "sec",
              "optional": true
            },
            "prefix": "S_"
          }
        ],
        "env": [
          {
            "name": "PLAIN",
            "value": "x"
          },
          {
            "name": "GREETING",
            "valueFrom": {
              "configMapKeyRef": {
                "name": "cfg",
                "key": "greeting"
              }
            }
          },
          {
            "name": "PASSWORD",
            "valueFrom": {
              "secretKeyRef": {
                "name": "sec",
                "key": "password",
                "optional": true
              }
            }
          },
          {
            "name": "MY_NAME",
            "valueFrom": {
              "fieldRef": {
                "fieldPath": "metadata.name",
                "apiVersion": "v1"
              }
            }
          },
          {
            "name": "MY_NODE",
            "valueFrom": {
              "fieldRef": {
                "fieldPath": "spec.nodeName",
                "apiVersion": "v1"
              }
            }
          },
          {
            "name": "MY_TIER",
            "valueFrom": {
              "fieldRef": {
                "fieldPath": "metadata.labels['tier']",
                "apiVersion": "v1"
              }
            }
          },
          {
            "name": "MEM_LIMIT",
            "valueFrom": {
              "resourceFieldRef": {
                "resource": "limits.memory",
                "divisor": "1Mi"
              }
            }
          },
          {
            "name": "CPU_REQ",
            "valueFrom": {
              "resourceFieldRef": {
                "resource": "requests.cpu",
                "divisor": "1m"
              }
            }
          },
          {
            "name": "MEM_REQ",
            "valueFrom": {
              "resourceFieldRef": {
                "resource": "requests.memory"
              }
            }
          }
        ],
        "volumeMounts": [
          {
            "name": "conf",
            "mountPath": "/etc/conf"
          },
          {
            "name": "creds",
            "mountPath": "/etc/creds"
          },
          {
            "name": "scratch",
            "mountPath": "/scratch"
          },
          {
            "name": "mem",
            "mountPath": "/mem"
          }
        ],
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"
      },
      {
        "name": "nolimit",
        "image": "skiff-test/web:1",
        "env": [
          {
            "name": "CPU_LIMIT",
            "valueFrom": {
              "resourceFieldRef": {
                "resource": "limits.cpu"
              }
            }
          }
        ],
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "resources": {}
      }
    ],
    "volumes": [
      {
        "name": "conf",
        "configMap": {
          "name": "cfg"
        }
      },
      {
        "name": "creds",
        "secret": {
          "secretName": "sec",
          "optional": true
        }
      },
      {
        "name": "scratch",
        "emptyDir": {}
      },
      {
        "name": "mem",
        "emptyDir": {
          "medium": "Memory",
          "sizeLimit": "64Mi"
        }
      }
    ],
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "schedulerName": "default-scheduler",
    "tolerations": [
      {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300
      },
      {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300
      },
      {
        "key": "node.kubernetes.io/memory-pressure",
        "operator": "Exists",
        "effect": "NoSchedule"
      }
    ]
  },
  "status": {
    "phase": "Pending",
    "conditions": [
      {
        "type": "PodScheduled",
        "status": "False"
      }
    ]
  }
} as unknown as Pod;

t.test('env sources and volumes read as kubectl prints them', async (t) => {
  const printed = describePod(ENV_AND_VOLUMES_POD, undefined, clock);
  const block = printed.slice(printed.indexOf('Containers:\n'), printed.indexOf('QoS Class:'));
  t.equal(block, text([
    "Containers:",
    "  main:",
    "    Image:      skiff-test/web:1",
    "    Port:       <none>",
    "    Host Port:  <none>",
    "    Limits:",
    "      cpu:     500m",
    "      memory:  128Mi",
    "    Requests:",
    "      cpu:     250m",
    "      memory:  128Mi",
    "    Environment Variables from:",
    "      cfg  ConfigMap                Optional: false",
    "      sec  Secret with prefix 'S_'  Optional: true",
    "    Environment:",
    "      PLAIN:      x",
    "      GREETING:   <set to the key 'greeting' of config map 'cfg'>  Optional: false",
    "      PASSWORD:   <set to the key 'password' in secret 'sec'>      Optional: true",
    "      MY_NAME:    envy (v1:metadata.name)",
    "      MY_NODE:     (v1:spec.nodeName)",
    "      MY_TIER:     (v1:metadata.labels['tier'])",
    "      MEM_LIMIT:  128 (limits.memory)",
    "      CPU_REQ:    250 (requests.cpu)",
    "      MEM_REQ:    134217728 (requests.memory)",
    "    Mounts:",
    "      /etc/conf from conf (rw)",
    "      /etc/creds from creds (rw)",
    "      /mem from mem (rw)",
    "      /scratch from scratch (rw)",
    "  nolimit:",
    "    Image:      skiff-test/web:1",
    "    Port:       <none>",
    "    Host Port:  <none>",
    "    Environment:",
    "      CPU_LIMIT:  node allocatable (limits.cpu)",
    "    Mounts:       <none>",
    "Conditions:",
    "  Type           Status",
    "  PodScheduled   False ",
    "Volumes:",
    "  conf:",
    "    Type:      ConfigMap (a volume populated by a ConfigMap)",
    "    Name:      cfg",
    "    Optional:  false",
    "  creds:",
    "    Type:        Secret (a volume populated by a Secret)",
    "    SecretName:  sec",
    "    Optional:    true",
    "  scratch:",
    "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)",
    "    Medium:     ",
    "    SizeLimit:  <unset>",
    "  mem:",
    "    Type:        EmptyDir (a temporary directory that shares a pod's lifetime)",
    "    Medium:      Memory",
    "    SizeLimit:   64Mi",
  ]));
});
