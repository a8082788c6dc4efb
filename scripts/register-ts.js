/*
 * register-ts.js: lets `node -r ./scripts/register-ts.js apps/main.ts` run the TypeScript apps,
 * as `ts-node --transpile-only` does, but caching each file's JavaScript on disk by content.
 *
 * ts-node transpiles every .ts file (lib/, apps/ and ~10k lines of generated imports/) at every
 * run, which cost `npm run synth` ~2.5 s of its ~4.5 s. Here a file is transpiled (with
 * TypeScript's own `transpileModule`, the function ts-node's transpile-only mode uses) only
 * when its content, path or the compiler changed; otherwise its cached JavaScript is loaded and
 * TypeScript itself is never required. No type checking, as with ts-node --transpile-only:
 * `npm run typecheck` does that.
 *
 * Cache: node_modules/.cache/cdk8s-llm-serving-ts/<sha1>.js and .js.map (delete it at will).
 * Source maps are written but not turned on: Node then computes line tables for every module it
 * loads, which costs more than half a second on the 10k lines of imports/. For stack traces into
 * the TypeScript sources, run with NODE_OPTIONS=--enable-source-maps.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node -r) */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'cdk8s-llm-serving-ts');
// The options of tsconfig.json that change emitted JavaScript.
const compilerOptions = {
  target: 'ES2022',
  module: 'commonjs',
  esModuleInterop: true,
  resolveJsonModule: true,
  sourceMap: true,
};
let typescript;
let salt;

/** Changes with this file, the compiler's version and the options: a new one misses the cache. */
function cacheSalt() {
  if (salt === undefined) {
    const tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', { paths: [root] }), 'utf8')).version;
    salt = `${fs.readFileSync(__filename, 'utf8')}\0${tsVersion}\0`;
  }
  return salt;
}

function transpile(source, filename) {
  typescript ??= require(require.resolve('typescript', { paths: [root] }));
  const options = typescript.convertCompilerOptionsFromJson(compilerOptions, root).options;
  const out = typescript.transpileModule(source, { compilerOptions: options, fileName: filename, reportDiagnostics: false });
  return { js: out.outputText, map: out.sourceMapText };
}

function load(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const hash = crypto.createHash('sha1').update(cacheSalt()).update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${hash}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    const out = transpile(source, filename);
    // Point at the map in the cache (an absolute URL: Node resolves it against the .ts file).
    js = out.js.replace(/\/\/# sourceMappingURL=\S+\s*$/, '') + `//# sourceMappingURL=${pathToFileURL(`${cached}.map`).href}\n`;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      // Write then rename: two synths running at once never read half a file.
      const tmp = `${cached}.${process.pid}.tmp`;
      if (out.map) fs.writeFileSync(`${cached}.map`, out.map);
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, cached);
    } catch {
      // A read-only checkout still runs, only slower.
    }
  }
  module._compile(js, filename);
}

require.extensions['.ts'] = load;
