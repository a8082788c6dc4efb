import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import {
  Accelerator, LiteLLMProxy, LlmSignal, MonitorDiscovery, NetworkPeer, ServingAlerts, VllmPool,
} from '../../lib';
import { LoadedManifest, loadManifestsFromDir } from '../../lib/whatif/manifests';
import { replay, ReplayResult } from '../../lib/whatif/replay';
import { builtinTrace, Trace } from '../../lib/whatif/trace';

const DIST = path.join(__dirname, '..', '..', 'dist');
const SEVENTY_B = 'litellm/llama-3-3-70b';
const MONDAY = '2026-11-30T00:00:00+01:00';
const DISCOVERY: MonitorDiscovery = {
  labels: { release: 'kube-prometheus-stack' },
  scraper: NetworkPeer.pods('monitoring', { 'app.kubernetes.io/name': 'prometheus' }),
};
const PROMETHEUS = { serverAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090' };

let reference: LoadedManifest[];
beforeAll(() => {
  reference = loadManifestsFromDir(DIST);
});

/** A trace of `rates` (requests/s), one per step, from Monday 00:00 Berlin. */
function trace(stepSeconds: number, rates: number[], outages: Array<{ from: number; to: number }> = []): Trace {
  return { name: 'test', startTime: MONDAY, stepSeconds, points: rates.map((r, i) => ({ t: i * stepSeconds, requestsPerSecond: r })), outages };
}

/** `count` copies of `rate`. */
function hold(rate: number, seconds: number, stepSeconds: number): number[] {
  return new Array(Math.round(seconds / stepSeconds)).fill(rate);
}

function firstIndex(result: ReplayResult, pred: (i: number) => boolean, from = 0): number {
  for (let i = from; i < result.series.t.length; i++) if (pred(i)) return i;
  return -1;
}

/** The series of a result all have one value per trace point. */
function expectAligned(result: ReplayResult, n: number): void {
  for (const [name, values] of Object.entries(result.series)) {
    expect([name, (values as unknown[]).length]).toEqual([name, n]);
  }
}

/** A cluster with one scale-to-zero pool woken by the proxy's requests for it. */
function scaleToZeroApp(): App {
  const app = new App();
  const chart = new Chart(app, 'llm', { namespace: 'llm' });
  const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
  const pool = new VllmPool(chart, 'small', {
    model: 'Qwen/Qwen2.5-1.5B-Instruct',
    accelerator: Accelerator.nvidiaGpu(1),
    maxModelLoadTime: Duration.minutes(5),
  });
  const group = proxy.addBackend(pool);
  proxy.monitor(DISCOVERY);
  pool.monitor(DISCOVERY);
  pool.autoscale({
    prometheus: PROMETHEUS, minReplicas: 0, maxReplicas: 3,
    wakeOn: LlmSignal.proxyRequestRate(proxy, group, 5),
    scaleToZeroCooldown: Duration.minutes(10),
  });
  new ServingAlerts(chart, 'alerts', { pools: [pool], discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm' });
  return app;
}

/** A plain Deployment under an HPA on CPU, as hand-written manifests. */
function cpuHpa(hpaSpec: Record<string, unknown>): LoadedManifest[] {
  return [
    {
      file: 'web.yaml',
      object: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'example/web:1.0.0', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
          },
        },
      },
    },
    {
      file: 'web.yaml',
      object: {
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'demo' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
          ...hpaSpec,
        },
      },
    },
  ];
}

describe('the reference stack: the 70B pool (KEDA, three prometheus triggers)', () => {
  const surgeAt = 9 * 3600;
  // Quiet until 09:00 Berlin, then 250 requests/s for four hours: a replica serves 102.4/s
  // (--max-num-seqs 1024, vLLM's default on an 80 GB H100, over 10 s per request).
  const surge = trace(15, [...hold(2, surgeAt, 15), ...hold(250, 4 * 3600, 15), ...hold(2, 3 * 3600, 15)]);
  let result: ReplayResult;
  beforeAll(() => {
    result = replay({ manifests: reference, target: SEVENTY_B, trace: surge, prices: { perAcceleratorHour: 2.5, currency: 'USD' } });
  });

  test('one value per trace step, the target and the trace echoed', () => {
    expectAligned(result, surge.points.length);
    expect(result.target).toBe(SEVENTY_B);
    expect(result.startTime).toBe(MONDAY);
    expect(result.stepSeconds).toBe(15);
    expect(result.series.traffic).toEqual(surge.points.map(p => p.requestsPerSecond));
  });

  test('quiet night: one replica (minReplicaCount), nothing waits', () => {
    const night = firstIndex(result, i => result.series.t[i] >= surgeAt) ;
    expect(new Set(result.series.desired.slice(0, night))).toEqual(new Set([1]));
    expect(new Set(result.series.ready.slice(0, night))).toEqual(new Set([1]));
    expect(Math.max(...result.series.waiting.slice(0, night))).toBe(0);
  });

  test('the surge scales up after 09:00, one pod per 3 minutes at most (GPU behavior), up to maxReplicaCount 3', () => {
    const up = firstIndex(result, i => result.series.desired[i] > 1);
    expect(up).toBeGreaterThan(0);
    expect(result.series.t[up]).toBeGreaterThanOrEqual(surgeAt);
    const toThree = firstIndex(result, i => result.series.desired[i] === 3);
    expect(result.series.t[toThree] - result.series.t[up]).toBeGreaterThanOrEqual(180);
    expect(result.summary.peakReplicas).toBe(3);
    expect(Math.max(...result.series.desired)).toBe(3);
    expect(result.summary.scaleUps).toBe(2);
  });

  test('new replicas are Ready only after the model load (the pool\'s 40-minute budget)', () => {
    const up = firstIndex(result, i => result.series.desired[i] > 1);
    const ready = firstIndex(result, i => result.series.ready[i] > 1);
    // readySeconds: VLLM_ENGINE_READY_TIMEOUT_S, the pool's maxModelLoadTime (40 min).
    expect(result.series.t[ready] - result.series.t[up]).toBe(40 * 60);
  });

  test('the queue builds while the new pods load and breaches the pool\'s SLO from its alerts', () => {
    expect(result.summary.maxWaiting).toBeGreaterThan(1000);
    expect(result.summary.sloBreachMinutes).toBeGreaterThan(10);
    const breaches = result.series.sloBreach.filter(b => b).length;
    expect(result.summary.sloBreachMinutes).toBeCloseTo(breaches * 15 / 60, 6);
    // Nothing breaches at night.
    expect(result.series.sloBreach.slice(0, surgeAt / 15).some(b => b)).toBe(false);
  });

  test('the SLO is the pool\'s own, read from its alerts in the manifests: TTFT p95 3 s, 16 waiting per replica', () => {
    const s = result.series;
    // Requests arrive all day (2/s at least), so every tick counts.
    const expected = s.t.map((_, i) => s.ttftP95[i] > 3 || (s.ready[i] === 0 ? s.waiting[i] > 0 : s.waiting[i] / s.ready[i] > 16));
    expect(s.sloBreach).toEqual(expected);
    // An SLO given explicitly wins: below the model's 0.5 s TTFT with an empty queue, all 16 hours breach.
    const strict = replay({ manifests: reference, target: SEVENTY_B, trace: surge, slo: { ttftSeconds: 0.4 } });
    expect(strict.summary.sloBreachMinutes).toBeCloseTo(16 * 60, 9);
  });

  test('GPU-hours count every pod that exists × 4 GPUs; cost = GPU-hours × price', () => {
    // At least one 4-GPU replica for 16 hours, at most three.
    expect(result.summary.gpuHours).toBeGreaterThan(4 * 16);
    expect(result.summary.gpuHours).toBeLessThan(3 * 4 * 16);
    expect(result.summary.cost).toBeCloseTo(result.summary.gpuHours * 2.5, 9);
    expect(result.summary.currency).toBe('USD');
  });

  test('scale events are listed in time order with their replicas', () => {
    const scaleEvents = result.events.filter(e => e.message.startsWith('scale '));
    expect(scaleEvents.length).toBe(result.summary.scaleUps + result.summary.scaleDowns);
    expect(scaleEvents[0].message).toMatch(/^scale up: 1 -> 2\b/);
    const times = result.events.map(e => e.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test('time at max replicas is a warning', () => {
    expect(result.summary.minutesAtMax).toBeGreaterThan(0);
    expect(result.warnings).toContain(`at max replicas for ${Math.round(result.summary.minutesAtMax)} min`);
    const atMax = result.series.desired.filter(d => d === 3).length;
    expect(result.summary.minutesAtMax).toBeCloseTo(atMax * 15 / 60, 6);
  });

  test('every trigger of the 70B pool is modelled: no "not modelled" warning, no ignoreNullValues warning (it is false)', () => {
    expect(result.warnings.filter(w => w.startsWith('signal not modelled'))).toEqual([]);
    expect(result.warnings.filter(w => w.startsWith('fallback never triggers'))).toEqual([]);
  });

  test('a Prometheus outage makes every reading fail: KEDA falls back after 3 failed polls', () => {
    // GIVEN Prometheus down from 02:00 to 02:30
    const withOutage = { ...surge, outages: [{ from: 2 * 3600, to: 2.5 * 3600 }] };

    // WHEN
    const r = replay({ manifests: reference, target: SEVENTY_B, trace: withOutage });

    // THEN fallback is active within the outage, after failureThreshold (3) polls of 15 s, and not outside it
    const start = firstIndex(r, i => r.series.fallbackActive[i]);
    expect(r.series.t[start]).toBeGreaterThanOrEqual(2 * 3600 + 30);
    expect(r.series.t[start]).toBeLessThanOrEqual(2 * 3600 + 60);
    expect(r.series.fallbackActive.slice(0, 2 * 3600 / 15).some(b => b)).toBe(false);
    expect(r.series.fallbackActive.slice((2.5 * 3600 + 60) / 15).some(b => b)).toBe(false);
    // fallback.replicas 1, currentReplicasIfHigher: the one replica stays.
    expect(r.series.desired[start]).toBe(1);
    expect(r.events).toContainEqual({ t: 2 * 3600, message: 'Prometheus down: every query fails' });
    expect(r.events).toContainEqual({ t: 2.5 * 3600, message: 'Prometheus back' });
  });

  test('the built-in surge replays by name; progress is reported up to 1', () => {
    const seen: number[] = [];
    const r = replay({ manifests: reference, target: SEVENTY_B, trace: 'surge', onProgress: f => seen.push(f) });
    expect(r.series.t.length).toBe(builtinTrace('surge').points.length);
    expect(seen[seen.length - 1]).toBe(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  test('a directory path loads the same manifests', () => {
    const r = replay({ manifests: DIST, target: SEVENTY_B, trace: surge });
    expect(r.series.desired).toEqual(result.series.desired);
  });
});

describe('scale to zero and wake (an App)', () => {
  // Ten minutes of traffic, two hours idle, then one request per second again.
  const step = 15;
  const rates = [...hold(3, 600, step), ...hold(0, 2 * 3600, step), ...hold(1, 3600, step)];
  let result: ReplayResult;
  beforeAll(() => {
    result = replay({ app: scaleToZeroApp(), target: 'llm/small', trace: trace(step, rates), initialReplicas: 1 });
  });

  test('idle: scales to zero after the cooldown', () => {
    const zero = firstIndex(result, i => result.series.desired[i] === 0);
    expect(zero).toBeGreaterThan(0);
    // The traffic stopped at 600 s; the 10-minute cooldown runs from the last active poll.
    expect(result.series.t[zero]).toBeGreaterThanOrEqual(600 + 600);
    expect(result.events.some(e => e.message === 'scale down: 1 -> 0' || e.message.startsWith('scale down: 1 -> 0 '))).toBe(true);
  });

  test('the wake request brings one replica, Ready after the model load', () => {
    const wakeTraffic = 600 + 2 * 3600;
    const wake = firstIndex(result, i => result.series.t[i] >= wakeTraffic && result.series.desired[i] > 0);
    expect(wake).toBeGreaterThan(0);
    // Woken within two polls of the first request.
    expect(result.series.t[wake] - wakeTraffic).toBeLessThanOrEqual(30);
    // readySeconds: VLLM_ENGINE_READY_TIMEOUT_S, the pool's maxModelLoadTime (5 min).
    expect(result.summary.firstReadyAfterWakeSeconds).toBe(300);
    expect(result.events).toContainEqual({
      t: result.series.t[wake] + result.summary.firstReadyAfterWakeSeconds!,
      message: `first replica ready ${result.summary.firstReadyAfterWakeSeconds} s after the wake`,
    });
  });

  test('while it wakes, requests wait at the proxy and breach the SLO', () => {
    const wakeTraffic = (600 + 2 * 3600) / step;
    expect(result.series.waiting[wakeTraffic + 2]).toBeGreaterThan(0);
    expect(result.series.sloBreach[wakeTraffic + 2]).toBe(true);
  });

  test('idle at zero breaches nothing, although a request arriving then would wait for a load', () => {
    const idle = result.series.t.map((_, i) => result.series.traffic[i] === 0 && result.series.waiting[i] === 0);
    expect(idle.some(b => b)).toBe(true);
    expect(result.series.sloBreach.filter((b, i) => b && idle[i])).toEqual([]);
    const atZero = result.series.desired.findIndex(d => d === 0);
    expect(result.series.ttftP95[atZero + 4]).toBeGreaterThan(60);
  });

  test('GPU-hours: nothing while at zero (an hour more of idle costs nothing)', () => {
    const longer = [...hold(3, 600, step), ...hold(0, 3 * 3600, step), ...hold(1, 3600, step)];
    const r = replay({ app: scaleToZeroApp(), target: 'llm/small', trace: trace(step, longer), initialReplicas: 1 });
    expect(r.summary.gpuHours).toBeCloseTo(result.summary.gpuHours, 9);
    expect(result.summary.gpuHours).toBeGreaterThan(0);
  });

  test('the SLO of the App\'s VllmPool applies', () => {
    // GIVEN the same App with a pool whose SLO no wait can breach
    const app = scaleToZeroApp();
    const pool = app.node.findAll().find(c => c instanceof VllmPool) as VllmPool;
    (pool.slo as { ttftP95: Duration; queuePerReplica: number }).ttftP95 = Duration.hours(10);
    (pool.slo as { ttftP95: Duration; queuePerReplica: number }).queuePerReplica = 1e9;

    // WHEN
    const r = replay({ app, target: 'llm/small', trace: trace(step, rates), initialReplicas: 1 });

    // THEN only the ticks with requests waiting and no Ready replica breach
    const s = r.series;
    expect(s.sloBreach).toEqual(s.t.map((_, i) => s.ready[i] === 0 && s.waiting[i] > 0));
    expect(r.summary.sloBreachMinutes).toBeLessThan(result.summary.sloBreachMinutes);
  });

  test('min 0 turns ignoreNullValues on: the fallback cannot trigger on an empty result, a warning says so', () => {
    expect(result.warnings).toContain('fallback never triggers: ignoreNullValues is true on triggers \'queue_depth\', \'kv_cache\', '
      + '\'proxy_request_rate\' (KEDA\'s default where unset): a query that returns no series reads 0 instead of failing, so only an '
      + 'unreachable Prometheus counts towards fallback.failureThreshold');
  });
});

describe('an HPA on CPU (hand-written manifests)', () => {
  test('cost arithmetic: 2 replicas × 4 GPUs × 2 h = 16 GPU-hours; at 2.5 per GPU-hour, 40', () => {
    const r = replay({
      manifests: cpuHpa({ minReplicas: 2, maxReplicas: 2 }), target: 'demo/web', trace: trace(60, hold(1, 2 * 3600, 60)),
      pool: { gpusPerReplica: 4 }, prices: { perAcceleratorHour: 2.5 },
    });
    expect(r.summary.gpuHours).toBeCloseTo(16, 9);
    expect(r.summary.cost).toBeCloseTo(40, 9);
    expect(r.summary.currency).toBeUndefined();
    expect(r.warnings).toContain('at max replicas for 120 min');
    expect(r.summary.minutesAtMax).toBe(120);
  });

  test('an HPA without metrics scales on CPU at 80 % (the API server\'s default)', () => {
    const manifests = cpuHpa({ minReplicas: 1, maxReplicas: 4 });
    delete manifests[1].object.spec.metrics;
    const r = replay({
      manifests, target: 'demo/web', trace: trace(15, [...hold(0, 300, 15), ...hold(200, 1200, 15)]),
      pool: { readySeconds: 15, pendingSeconds: 0, requestSeconds: 1, maxConcurrentRequests: 64 } as any,
    });
    expect(r.summary.peakReplicas).toBeGreaterThan(1);
  });

  test('a Prometheus outage does not blind an HPA on CPU: the resource metrics API is metrics-server', () => {
    // GIVEN load that needs more replicas, all of it during a Prometheus outage
    const spec = { minReplicas: 1, maxReplicas: 4 };
    const loaded = trace(15, [...hold(0, 300, 15), ...hold(200, 1200, 15)], [{ from: 0, to: 3600 }]);
    const r = replay({
      manifests: cpuHpa(spec), target: 'demo/web', trace: loaded,
      pool: { readySeconds: 15, pendingSeconds: 0, requestSeconds: 1, maxConcurrentRequests: 64 } as any,
    });
    // THEN the HPA still scales up on CPU
    expect(r.summary.peakReplicas).toBeGreaterThan(1);
    expect(r.events[0]).toEqual({ t: 0, message: 'Prometheus down: every query fails' });
  });

  test('no price, no cost; a workload that is not vLLM is described by the model\'s defaults, and a warning says so', () => {
    const r = replay({ manifests: cpuHpa({ minReplicas: 1, maxReplicas: 3 }), target: 'demo/web', trace: trace(60, hold(0, 600, 60)) });
    expect(r.summary.cost).toBeUndefined();
    expect(r.summary.scaleUps).toBe(0);
    expect(r.warnings).toEqual([
      'not a vLLM pool: the pool model\'s defaults (256 concurrent requests per replica, 10 s each) describe a model server; pass \'pool\' to describe this workload',
    ]);
    const described = replay({ manifests: cpuHpa({ minReplicas: 1, maxReplicas: 3 }), target: 'demo/web', trace: trace(60, hold(0, 600, 60)), pool: { requestSeconds: 0.2 } });
    expect(described.warnings).toEqual([]);
  });

  test('an HPA without stabilization on an on/off load flaps, and a warning counts the direction changes', () => {
    // GIVEN scale up and down at once, pods Ready after 15 s, load on and off every 2 minutes
    const spec = {
      minReplicas: 1, maxReplicas: 6,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 10, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 10, periodSeconds: 15 }] },
      },
    };
    const rates: number[] = [];
    for (let i = 0; i < 30; i++) rates.push(...hold(i % 2 === 0 ? 200 : 0, 120, 15));

    // WHEN
    const r = replay({
      manifests: cpuHpa(spec), target: 'demo/web', trace: trace(15, rates),
      pool: { readySeconds: 15, pendingSeconds: 0, requestSeconds: 1, maxConcurrentRequests: 64, cpuCoresPerReplicaAtFull: 1 } as any,
    });

    // THEN
    const flapping = r.warnings.find(w => w.startsWith('flapping: '));
    expect(flapping).toMatch(/^flapping: \d+ direction changes in 10 min$/);
    expect(Number(/(\d+)/.exec(flapping!)![1])).toBeGreaterThanOrEqual(4);
  });
});

describe('warnings about signals', () => {
  test('a trigger the model cannot read is named and reads as an error', () => {
    const manifests = structuredClone(reference);
    const so = manifests.find(m => m.object.kind === 'ScaledObject' && m.object.metadata.name === 'llama-3-3-70b')!;
    so.object.spec.triggers.push({ type: 'kafka', name: 'lag', metadata: { topic: 'requests', lagThreshold: '10' } });
    const r = replay({ manifests, target: SEVENTY_B, trace: trace(15, hold(1, 600, 15)) });
    expect(r.warnings.find(w => w.startsWith('signal not modelled: trigger 3 '))).toBeDefined();
  });
});

describe('bad input: an error naming the prop, file or line', () => {
  const ok = trace(15, hold(1, 60, 15));

  test('no target', () => {
    expect(() => replay({ manifests: reference, trace: ok } as any)).toThrow(
      new Error('\'target\' (undefined) must be a string \'namespace/name\' of a HorizontalPodAutoscaler or ScaledObject'));
  });

  test('both app and manifests, or neither', () => {
    expect(() => replay({ app: new App(), manifests: reference, target: SEVENTY_B, trace: ok })).toThrow(
      new Error('\'manifests\' ("...") give exactly one of \'app\' and \'manifests\''));
    expect(() => replay({ target: SEVENTY_B, trace: ok })).toThrow(
      new Error('\'manifests\' (undefined) give exactly one of \'app\' and \'manifests\''));
  });

  test('an app that is not a cdk8s App', () => {
    expect(() => replay({ app: {} as any, target: SEVENTY_B, trace: ok })).toThrow(new Error('\'app\' ({}) must be a cdk8s App'));
  });

  test('a manifests entry without object or file', () => {
    expect(() => replay({ manifests: [{ object: {} } as any], target: SEVENTY_B, trace: ok })).toThrow(
      new Error('\'manifests[0]\' ({"object":{}}) must be { object, file } with the Kubernetes object and the file it came from'));
  });

  test('a manifests directory that does not exist', () => {
    expect(() => replay({ manifests: '/nonexistent/dist', target: SEVENTY_B, trace: ok })).toThrow(/\/nonexistent\/dist/);
  });

  test('an unknown target is named', () => {
    expect(() => replay({ manifests: reference, target: 'litellm/nope', trace: ok })).toThrow(/litellm\/nope/);
  });

  test('a manifest that is not an autoscaler is refused', () => {
    expect(() => replay({ manifests: reference, target: 'litellm/litellm-config', trace: ok })).toThrow(/litellm\/litellm-config/);
  });

  test('a trace name that is not built in and not a file', () => {
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: 'weekly' })).toThrow(new Error(
      '\'trace\' ("weekly") must be \'surge\', \'diurnal\', \'spike\', \'ramp\' or the path of a .csv or .json trace'));
  });

  test('a trace file that cannot be read', () => {
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: '/nonexistent/t.csv' })).toThrow(new Error(
      '\'trace\' ("/nonexistent/t.csv") cannot be read: ENOENT'));
  });

  describe('trace files: the file and the line', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whatif-replay-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test.each([
      ['negative rate', 'time,requests_per_second\n0,1\n15,-2\n', 3],
      ['non-numeric rate', 'time,requests_per_second\n0,1\n15,lots\n', 3],
      ['unsorted times', 'time,requests_per_second\n0,1\n30,1\n15,1\n', 4],
    ])('%s', (_name, csv, line) => {
      const file = path.join(dir, `${_name.replace(/ /g, '-')}.csv`);
      fs.writeFileSync(file, csv);
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: file })).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\b${line}\\b`));
    });

    test('a CSV without the rate column', () => {
      const file = path.join(dir, 'columns.csv');
      fs.writeFileSync(file, 'time,rps\n0,1\n');
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: file })).toThrow(/columns\.csv.*requests_per_second/);
    });
  });

  describe('a Trace object', () => {
    test('unsorted points', () => {
      const t = { ...ok, points: [{ t: 0, requestsPerSecond: 1 }, { t: 30, requestsPerSecond: 1 }, { t: 15, requestsPerSecond: 1 }] };
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: t })).toThrow(new Error(
        '\'trace.points[2].t\' (15) must be greater than the previous point\'s (30): points must be sorted by t without duplicates'));
    });

    test('a negative or non-numeric rate', () => {
      const neg = { ...ok, points: [{ t: 0, requestsPerSecond: -1 }] };
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: neg })).toThrow(new Error(
        '\'trace.points[0].requestsPerSecond\' (-1) must be a finite number greater than or equal to 0'));
      const nan = { ...ok, points: [{ t: 0, requestsPerSecond: '5' }] };
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: nan as any })).toThrow(new Error(
        '\'trace.points[0].requestsPerSecond\' ("5") must be a finite number greater than or equal to 0'));
    });

    test('no points', () => {
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: { ...ok, points: [] } })).toThrow(new Error(
        '\'trace.points\' ([]) must have at least one point'));
    });

    test('a bad start time', () => {
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: { ...ok, startTime: 'monday' } })).toThrow(new Error(
        '\'trace.startTime\' ("monday") must be an ISO 8601 timestamp with an offset (e.g. 2026-11-30T06:00:00+01:00)'));
    });

    test('an outage that ends before it starts', () => {
      expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: { ...ok, outages: [{ from: 60, to: 30 }] } })).toThrow(new Error(
        '\'trace.outages[0].to\' (30) must be greater than \'trace.outages[0].from\' (60)'));
    });
  });

  test('an invalid autoscaler spec names the file, the object and the field', () => {
    expect(() => replay({ manifests: cpuHpa({ maxReplicas: 'many' }), target: 'demo/web', trace: ok })).toThrow(new Error(
      '\'web.yaml HorizontalPodAutoscaler demo/web.spec.maxReplicas\' ("many") must be a whole number from 1 to 2147483647'));
    const manifests = structuredClone(reference);
    const so = manifests.find(m => m.object.kind === 'ScaledObject' && m.object.metadata.name === 'llama-3-3-70b')!;
    so.object.spec.maxReplicaCount = -1;
    expect(() => replay({ manifests, target: SEVENTY_B, trace: ok })).toThrow(new Error(
      `'${so.file} ScaledObject litellm/llama-3-3-70b.spec.maxReplicaCount' (-1) must be a whole number from 1 to 2147483647`));
  });

  test('prices, SLO, initial replicas and pool overrides', () => {
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: ok, prices: { perAcceleratorHour: -1 } })).toThrow(new Error(
      '\'prices.perAcceleratorHour\' (-1) must be a finite number greater than or equal to 0'));
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: ok, slo: { ttftSeconds: 0 } })).toThrow(new Error(
      '\'slo.ttftSeconds\' (0) must be a finite number greater than 0'));
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: ok, initialReplicas: 1.5 })).toThrow(new Error(
      '\'initialReplicas\' (1.5) must be a whole number from 0 to 2147483647'));
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: ok, pool: { readySeconds: -5 } })).toThrow(new Error(
      '\'pool.readySeconds\' (-5) must be a finite number greater than or equal to 0'));
    expect(() => replay({ manifests: reference, target: SEVENTY_B, trace: ok, onProgress: 'yes' as any })).toThrow(new Error(
      '\'onProgress\' ("yes") must be a function (fraction: number) => void'));
  });
});
