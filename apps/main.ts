import { App } from 'cdk8s';
import { ReferencePlatform } from './reference-platform';

const app = new App();
new ReferencePlatform(app, 'reference-platform');
app.synth();
