import { App, AppProps } from 'cdk8s';
import { ReferencePlatform } from './reference-platform';

/** Every reference stack, in one App: what `npm run synth` writes to dist/. */
export function buildApp(props: AppProps = {}): App {
  const app = new App(props);
  new ReferencePlatform(app, 'reference-platform');
  return app;
}
