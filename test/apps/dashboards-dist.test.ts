/**
 * Issue 13's "done when", checked on the committed dist/ (what the Grafana sidecar loads): the
 * reference stack ships the four dashboards; every panel query parses with the PromQL grammar
 * and reads only catalog metrics or series that a recording rule in dist/ records; every
 * template variable is used.
 */
import * as path from 'path';
import { isCatalogSeries } from '../../lib/metrics/catalog';
import { promqlMetricNames, promqlSyntaxError } from '../../lib/metrics/promql';
import { loadManifestsFromDir } from '../../lib/whatif/manifests';
import { Manifest } from '../util/synth';

const DIST = path.join(__dirname, '..', '..', 'dist');

/** Every object of dist/, read by the library's own loader (recursive, multi-document). */
const all: Manifest[] = loadManifestsFromDir(DIST).map(m => m.object);

const recorded = new Set<string>(all.filter(m => m.kind === 'PrometheusRule')
  .flatMap(m => m.spec.groups.flatMap((g: Manifest) => g.rules))
  .filter((r: Manifest) => typeof r.record === 'string')
  .map((r: Manifest) => r.record));

interface Dashboard { file: string; title: string; model: Manifest }
const dashboards: Dashboard[] = all
  .filter(m => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1')
  .flatMap(m => Object.entries(m.data as Record<string, string>).map(([file, json]) => {
    const model = JSON.parse(json);
    return { file, title: model.title, model };
  }));

/** Every panel, rows' collapsed children included. */
function panels(model: Manifest): Manifest[] {
  return (model.panels ?? []).flatMap((p: Manifest) => [p, ...(p.panels ?? [])]);
}
const queries = (model: Manifest): string[] => panels(model).flatMap(p => (p.targets ?? []).map((t: Manifest) => t.expr)).filter(Boolean);
/** What the parser reads: Grafana's interval macros as a window (variables sit inside quoted label values). */
const parseable = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');

describe('the dashboards in dist/', () => {
  test('the reference monitoring stack ships the four dashboards as sidecar ConfigMaps', () => {
    const monitoring = all.filter(m => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1' && m.metadata.namespace === 'monitoring');
    expect(monitoring.map(m => m.metadata.name).sort()).toEqual([
      'llm-dashboards-accelerators', 'llm-dashboards-autoscaling', 'llm-dashboards-gateway', 'llm-dashboards-model-pool',
    ]);
    for (const m of monitoring) expect(m.metadata.annotations.grafana_folder).toBe('LLM serving');
  });

  test('recording rules are in dist/ for the dashboards to read', () => {
    expect(recorded.size).toBeGreaterThan(10);
    expect(recorded).toContain('namespace_pool:vllm_time_to_first_token_seconds:p95_5m');
  });

  test.each(dashboards.map(d => [d.title, d] as const))('%s: every query parses and reads only catalog or recorded series', (_title, d) => {
    const exprs = queries(d.model);
    expect(exprs.length).toBeGreaterThan(3);
    for (const expr of exprs) {
      expect({ expr, syntaxErrorAt: promqlSyntaxError(parseable(expr)) }).toEqual({ expr, syntaxErrorAt: undefined });
      for (const name of promqlMetricNames(parseable(expr))) {
        expect({ expr, name, known: isCatalogSeries(name) || recorded.has(name) }).toEqual({ expr, name, known: true });
      }
    }
  });

  test.each(dashboards.map(d => [d.title, d] as const))('%s: every template variable is used by a query or a panel datasource', (_title, d) => {
    const variables: string[] = (d.model.templating?.list ?? []).map((v: Manifest) => v.name);
    expect(variables).toEqual(expect.arrayContaining(['datasource', 'namespace']));
    const text = JSON.stringify(panels(d.model));
    for (const v of variables) {
      expect({ v, used: text.includes(`$${v}`) || text.includes(`\${${v}}`) }).toEqual({ v, used: true });
    }
  });
});
