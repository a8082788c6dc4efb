import { buildEnvironments } from '/work/wt-delivery2/apps/environments';
import { validateApp } from '/work/wt-delivery2/lib';
for (const app of buildEnvironments('dist')) {
  console.log(app.outdir, validateApp(app));
  for (const c of app.charts) for (const o of c.toJson()) console.log('  ', c.node.id, o.kind, o.metadata.name, o.metadata.annotations?.['argocd.argoproj.io/sync-wave'], o.kind === 'Application' ? JSON.stringify(o.spec) : '');
}
