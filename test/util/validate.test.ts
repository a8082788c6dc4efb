import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { Deployment, Service } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { expectValidManifests, ManifestError, validateManifest, validateManifests } from './validate';

const LABELS = { 'app.kubernetes.io/name': 'proxy' };

function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'proxy-deployment-c8f1a2', namespace: 'litellm', labels: LABELS, annotations: { 'example.com/owner': 'Team A!' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          containers: [{
            name: 'proxy',
            image: 'ghcr.io/berriai/litellm:v1.74.0',
            ports: [{ name: 'http', containerPort: 4000 }, { name: 'metrics', containerPort: 9090 }],
            resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: 1073741824 } },
            volumeMounts: [{ name: 'config', mountPath: '/etc/litellm' }],
            readinessProbe: { httpGet: { path: '/health', port: 'http' } },
          }],
          volumes: [{ name: 'config', configMap: { name: 'proxy-config' } }],
        },
      },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    },
  };
}

function scaledObject(): any {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'vllm', namespace: 'llm' },
    spec: {
      scaleTargetRef: { name: 'vllm' },
      minReplicaCount: 1,
      maxReplicaCount: 4,
      triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus:9090', query: 'sum(vllm:num_requests_waiting)', threshold: '5' } }],
    },
  };
}

function serviceMonitor(): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'proxy', labels: { release: 'prometheus' } },
    spec: { selector: { matchLabels: LABELS }, endpoints: [{ port: 'metrics', interval: '15s', path: '/metrics' }] },
  };
}

function prometheusRule(group: object = {}): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'llm-alerts' },
    spec: {
      groups: [{
        name: 'llm',
        rules: [{ alert: 'QueueTooLong', expr: 'sum(vllm:num_requests_waiting) > 10', for: '5m', labels: { severity: 'warning' }, annotations: { summary: 'queue is long' } }],
        ...group,
      }],
    },
  };
}

/** Asserts exactly one error, at `path`, whose message contains `fragment`. */
function expectOneError(errors: ManifestError[], errorPath: string, fragment: string): void {
  expect(errors).toEqual([expect.objectContaining({ path: errorPath, message: expect.stringContaining(fragment) })]);
}

describe('valid manifests pass', () => {
  test('core kinds: Deployment, Service, ConfigMap, Job, PodDisruptionBudget, HorizontalPodAutoscaler', () => {
    const objs = [
      deployment(),
      {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy', namespace: 'litellm' },
        spec: { selector: LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proxy-config' }, data: { 'config.yaml': 'model_list: []\n' } },
      {
        apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'warmup' },
        spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'curl', image: 'curlimages/curl:8.8.0', args: ['-f', 'http://proxy/health'] }] } } },
      },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'proxy' }, spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } } },
      {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'proxy' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'proxy' }, minReplicas: 2, maxReplicas: 10,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
        },
      },
    ];
    expect(validateManifests(objs)).toEqual([]);
  });

  test('custom resources: ScaledObject, ServiceMonitor, PodMonitor, PrometheusRule, VerticalPodAutoscaler', () => {
    const objs = [
      scaledObject(),
      serviceMonitor(),
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'vllm' }, spec: { selector: { matchLabels: LABELS }, podMetricsEndpoints: [{ port: 'metrics' }] } },
      prometheusRule(),
      {
        apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'proxy' },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'proxy' }, updatePolicy: { updateMode: 'Off' } },
      },
    ];
    expect(validateManifests(objs)).toEqual([]);
  });

  test('every served version of every vendored CRD compiles and accepts a minimal object', () => {
    const dir = path.join(process.env.LLM_SERVING_SHARED_DIR ?? path.resolve(__dirname, '../../../shared'), 'crds');
    const crds = fs.readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()));
    const served = crds.flatMap((crd) => crd.spec.versions.filter((v: any) => v.served)
      .map((v: any) => ({ apiVersion: `${crd.spec.group}/${v.name}`, kind: crd.spec.names.kind, metadata: { name: 'x' } })));
    expect(served.length).toBeGreaterThanOrEqual(11);
    for (const obj of served) {
      // Only missing required fields may be reported: the schema compiled and was found.
      const errors = validateManifest(obj);
      expect(errors.filter((e) => !e.message.startsWith('required field'))).toEqual([]);
    }
  });

  test('cdk8s-plus-28 output passes', () => {
    const chart = Testing.chart();
    const deploy = new Deployment(chart, 'd', { containers: [{ image: 'nginx:1.27', portNumber: 8080 }] });
    new Service(chart, 's', { selector: deploy, ports: [{ port: 80, targetPort: 8080 }] });
    const manifests = Testing.synth(chart);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(validateManifests(manifests)).toEqual([]);
  });
});

describe('schema violations are rejected', () => {
  test('unknown field on a Deployment', () => {
    const obj = deployment();
    obj.spec.replicaz = 3;
    expectOneError(validateManifest(obj), '/spec/replicaz', 'unknown field "replicaz"');
  });

  test('unknown field inside a ServiceMonitor endpoint', () => {
    const obj = serviceMonitor();
    obj.spec.endpoints[0].intervall = '30s';
    expectOneError(validateManifest(obj), '/spec/endpoints/0/intervall', 'unknown field');
  });

  test('unknown field in the metadata of a custom resource', () => {
    const obj = scaledObject();
    obj.metadata.lables = {};
    expectOneError(validateManifest(obj), '/metadata/lables', 'unknown field');
  });

  test('wrong type', () => {
    const obj = deployment();
    obj.spec.replicas = '2';
    expectOneError(validateManifest(obj), '/spec/replicas', 'must be integer');
  });

  test('int-or-string accepts both but nothing else', () => {
    const obj = deployment();
    obj.spec.strategy.rollingUpdate.maxSurge = 1;
    expect(validateManifest(obj)).toEqual([]);
    obj.spec.strategy.rollingUpdate.maxSurge = true;
    expectOneError(validateManifest(obj), '/spec/strategy/rollingUpdate/maxSurge', 'must be string,integer');
  });

  test('error identifies the object', () => {
    const obj = deployment();
    obj.spec.replicas = '2';
    expect(validateManifest(obj)[0].object).toBe('apps/v1 Deployment litellm/proxy-deployment-c8f1a2');
    expect(validateManifest(serviceMonitor())).toEqual([]);
    expect(validateManifest({ ...serviceMonitor(), spec: 1 })[0].object).toBe('monitoring.coreos.com/v1 ServiceMonitor proxy');
  });

  test('unknown kind', () => {
    const errors = validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    expectOneError(errors, '/kind', 'unknown kind "Widget"');
  });

  test('core kind at an apiVersion Kubernetes 1.28 does not serve', () => {
    const errors = validateManifest({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' } });
    expectOneError(errors, '/kind', 'unknown kind "HorizontalPodAutoscaler"');
  });

  test('unserved CRD version', () => {
    const errors = validateManifest({
      apiVersion: 'autoscaling.k8s.io/v1beta2', kind: 'VerticalPodAutoscaler', metadata: { name: 'proxy' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'proxy' } },
    });
    expectOneError(errors, '/apiVersion', 'version "v1beta2" of autoscaling.k8s.io/VerticalPodAutoscaler is not served (served: v1)');
  });

  test('(?i) CRD pattern is case-insensitive (PrometheusRule partial_response_strategy: ^(?i)(abort|warn)?$)', () => {
    expect(validateManifest(prometheusRule({ partial_response_strategy: 'ABORT' }))).toEqual([]);
    expect(validateManifest(prometheusRule({ partial_response_strategy: 'warn' }))).toEqual([]);
    expect(validateManifest(prometheusRule({ partial_response_strategy: 'Warn' }))).toEqual([]);
    expectOneError(validateManifest(prometheusRule({ partial_response_strategy: 'maybe' })), '/spec/groups/0/partial_response_strategy', 'must match pattern');
  });

  test('CRD int-or-string field (PrometheusRule expr) accepts an integer', () => {
    const obj = prometheusRule();
    obj.spec.groups[0].rules[0].expr = 1;
    expect(validateManifest(obj)).toEqual([]);
  });
});

describe('API server checks', () => {
  test('name must be a DNS-1123 subdomain', () => {
    const obj = deployment();
    obj.metadata.name = 'My_Name';
    expectOneError(validateManifest(obj), '/metadata/name', '"My_Name" is not a valid DNS-1123 subdomain');
  });

  test('name is required', () => {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} };
    expectOneError(validateManifest(obj), '/metadata/name', 'name is required');
  });

  test('Service name must be a DNS-1035 label and namespace a DNS-1123 label', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: '1proxy', namespace: 'a.b' }, spec: { ports: [{ port: 80 }] } };
    const errors = validateManifest(svc);
    expect(errors).toEqual([
      expect.objectContaining({ path: '/metadata/name', message: expect.stringContaining('not a valid DNS-1035 label') }),
      expect.objectContaining({ path: '/metadata/namespace', message: expect.stringContaining('not a valid DNS-1123 label') }),
    ]);
  });

  test('label value of 64 characters', () => {
    const obj = deployment();
    obj.metadata.labels = { ...LABELS, version: 'a'.repeat(64) };
    expectOneError(validateManifest(obj), '/metadata/labels/version', '(64 characters)');
  });

  test('label keys are checked in pod templates, matchLabels and Service selectors', () => {
    const obj = deployment();
    obj.spec.template.metadata.labels = { 'bad key': 'x', ...LABELS };
    obj.spec.selector.matchLabels = { ...LABELS, 'example.com/tier': '-x' };
    const errors = validateManifest(obj);
    expect(errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/spec/template/metadata/labels/bad key', message: expect.stringContaining('invalid label key') }),
      expect.objectContaining({ path: '/spec/selector/matchLabels/example.com~1tier', message: expect.stringContaining('invalid label value "-x"') }),
    ]));
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy' }, spec: { selector: { '/app': 'x' }, ports: [{ port: 80 }] } };
    expectOneError(validateManifest(svc), '/spec/selector/~1app', 'invalid label key "/app"');
  });

  test('annotation keys are checked, values are free', () => {
    const obj = deployment();
    obj.metadata.annotations = { 'Example.com/x': 'anything at all', ok: '' };
    expectOneError(validateManifest(obj), '/metadata/annotations/Example.com~1x', 'invalid annotation key');
  });

  test('container port name longer than 15 characters', () => {
    const obj = deployment();
    obj.spec.template.spec.containers[0].ports[0].name = 'http-metrics-port';
    expectOneError(validateManifest(obj), '/spec/template/spec/containers/0/ports/0/name', 'invalid port name "http-metrics-port"');
  });

  test('duplicate container port name', () => {
    const obj = deployment();
    obj.spec.template.spec.containers[0].ports[1].name = 'http';
    expectOneError(validateManifest(obj), '/spec/template/spec/containers/0/ports/1/name', 'duplicate port name "http"');
  });

  test('duplicate container name across containers and initContainers', () => {
    const obj = deployment();
    obj.spec.template.spec.initContainers = [{ name: 'proxy', image: 'busybox:1.36' }];
    expectOneError(validateManifest(obj), '/spec/template/spec/containers/0/name', 'duplicate container name "proxy"');
  });

  test('volumeMount naming an undeclared volume', () => {
    const obj = deployment();
    obj.spec.template.spec.containers[0].volumeMounts.push({ name: 'cache', mountPath: '/cache' });
    expectOneError(validateManifest(obj), '/spec/template/spec/containers/0/volumeMounts/1/name', 'volume "cache" is not declared');
  });

  test('duplicate volume name', () => {
    const obj = deployment();
    obj.spec.template.spec.volumes.push({ name: 'config', emptyDir: {} });
    expectOneError(validateManifest(obj), '/spec/template/spec/volumes/1/name', 'duplicate volume name "config"');
  });

  test('CronJob pod specs are checked too', () => {
    const cron = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'Run', image: 'busybox:1.36' }] } } } } },
    };
    expectOneError(validateManifest(cron), '/spec/jobTemplate/spec/template/spec/containers/0/name', '"Run" is not a valid DNS-1123 label');
  });

  test('Service ports need unique DNS-1123 names when there are several', () => {
    const svc = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'proxy' },
      spec: { ports: [{ name: 'http', port: 80 }, { port: 81 }, { name: 'http', port: 82 }, { name: 'Metrics', port: 83 }] },
    };
    expect(validateManifest(svc)).toEqual([
      expect.objectContaining({ path: '/spec/ports/1/name', message: expect.stringContaining('name is required') }),
      expect.objectContaining({ path: '/spec/ports/2/name', message: expect.stringContaining('duplicate port name "http"') }),
      expect.objectContaining({ path: '/spec/ports/3/name', message: expect.stringContaining('not a valid DNS-1123 label') }),
    ]);
  });
});

describe('expectValidManifests', () => {
  test('passes valid manifests', () => {
    expect(() => expectValidManifests([deployment(), serviceMonitor()])).not.toThrow();
  });

  test('throws listing every error as "<object> <path>: <message>"', () => {
    const bad = deployment();
    bad.spec.replicaz = 3;
    bad.metadata.name = 'My_Name';
    expect(() => expectValidManifests([serviceMonitor(), bad])).toThrow(
      /apps\/v1 Deployment litellm\/My_Name \/spec\/replicaz: unknown field "replicaz"\n.*\/metadata\/name: "My_Name" is not a valid/,
    );
  });
});
