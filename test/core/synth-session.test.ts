import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { inSynthSession, noteRendered, renderedJsonLength, sessionMemo } from '../../lib/core/_synth-session';
import { Accelerator, LiteLLMProxy, ServingAlerts, synthValidated, VllmPool } from '../../lib';
import { SCRAPER } from '../util/synth';

const DISCOVERY = { labels: { release: 'kube-prometheus-stack' }, scraper: SCRAPER };

describe('sessionMemo', () => {
  test('computes at every call outside a session, once per session inside, anew in the next session', () => {
    const owner = {};
    let calls = 0;
    const value = () => sessionMemo(owner, 'k', () => ++calls);
    expect([value(), value()]).toEqual([1, 2]);
    expect(inSynthSession(() => [value(), value(), inSynthSession(value)])).toEqual([3, 3, 3]);
    expect(inSynthSession(() => [value(), sessionMemo(owner, 'other', () => 'x'), sessionMemo({}, 'k', () => 'y')])).toEqual([4, 'x', 'y']);
    expect(value()).toBe(5);
  });

  test('a session ends even when its function throws', () => {
    const owner = {};
    let calls = 0;
    expect(() => inSynthSession(() => { throw new Error('boom'); })).toThrow('boom');
    sessionMemo(owner, 'k', () => ++calls);
    sessionMemo(owner, 'k', () => ++calls);
    expect(calls).toBe(2);
  });
});

describe('renderedJsonLength', () => {
  test('reads what the session noted (a length, or the JSON rendered), renders otherwise and outside a session', () => {
    let renders = 0;
    const obj = (json: unknown) => ({ toJson: () => { renders++; return json; } });
    const a = obj({ a: 1 });
    const b = obj({ bb: 'x' });
    const c = obj({ c: [1, 2] });
    expect(renderedJsonLength(a)).toBe(7);
    expect(renders).toBe(1);
    noteRendered(a, { length: 1000 }); // outside a session: nothing is noted
    expect(renderedJsonLength(a)).toBe(7);
    expect(renders).toBe(2);
    renders = 0;
    inSynthSession(() => {
      noteRendered(a, { length: 1000 });
      noteRendered(b, { json: { bb: 'xyz' } });
      expect([renderedJsonLength(a), renderedJsonLength(b), renderedJsonLength(b), renderedJsonLength(c)]).toEqual([1000, 12, 12, 11]);
    });
    expect(renders).toBe(1);
    expect(renderedJsonLength(a)).toBe(7);
  });
});

describe('synthValidated collects what constructs render once', () => {
  function fleet(outdir: string): { app: App; alerts: ServingAlerts } {
    const app = new App({ outdir });
    const chart = new Chart(app, 'fleet', { namespace: 'llm' });
    const proxy = new LiteLLMProxy(chart, 'proxy', { masterKey: { secretName: 'litellm', key: 'master-key' } });
    const pools = ['a', 'b'].map((id) => {
      const pool = new VllmPool(chart, id, { model: `org/${id}`, accelerator: Accelerator.nvidiaGpu(1) });
      proxy.addBackend(pool);
      pool.monitor(DISCOVERY);
      return pool;
    });
    const alerts = new ServingAlerts(chart, 'alerts', { pools, proxy, discovery: DISCOVERY, runbookBaseUrl: 'https://runbooks.example.com/llm' });
    return { app, alerts };
  }

  test('ServingAlerts rules and the proxy config: once in synthValidated, at each read in app.synth() (the App may change in between)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-session-'));
    // collectRules collects the rules of one object: the shared one or one pool's (3 objects here).
    const collect = jest.spyOn(ServingAlerts.prototype as unknown as { collectRules: () => unknown }, 'collectRules');
    const config = jest.spyOn(LiteLLMProxy.prototype as unknown as { buildConfig: () => string }, 'buildConfig');
    try {
      synthValidated(fleet(path.join(dir, 'validated')).app);
      expect(collect).toHaveBeenCalledTimes(3);
      expect(config).toHaveBeenCalledTimes(1);
      collect.mockClear();
      config.mockClear();
      const { app, alerts } = fleet(path.join(dir, 'plain'));
      app.synth();
      // cdk8s validates twice (the App, then the chart it writes) and renders once, for each object.
      expect(collect).toHaveBeenCalledTimes(9);
      expect(config).toHaveBeenCalledTimes(2);
      // Outside a session, what changed after a read shows at the next one.
      const before = [...alerts.rules().values()].flat().length;
      (alerts as unknown as { props: { pools: VllmPool[] } }).props.pools.pop();
      expect([...alerts.rules().values()].flat().length).toBeLessThan(before);
      expect(fs.readFileSync(path.join(dir, 'validated', 'fleet.k8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'plain', 'fleet.k8s.yaml'), 'utf8'));
    } finally {
      collect.mockRestore();
      config.mockRestore();
    }
  });
});
