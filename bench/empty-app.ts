/**
 * The framework floor of `npm run bench:command`: an empty cdk8s app (one empty chart), run by
 * `cdk8s synth` with the same app command as apps/main.ts.
 */
import { App, Chart } from 'cdk8s';

const app = new App();
new Chart(app, 'empty');
app.synth();
