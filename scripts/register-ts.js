/*
 * register-ts.js: lets `node -r ./scripts/register-ts.js apps/main.ts` run the TypeScript apps,
 * as `ts-node --transpile-only` does, but caching each file's JavaScript on disk by content,
 * and V8's compiled code of it beside.
 *
 * ts-node transpiles every .ts file (lib/, apps/ and ~10k lines of generated imports/) at every
 * run, which cost `npm run synth` ~2.5 s of its ~4.5 s. Here a file is transpiled (with
 * TypeScript's own `transpileModule`, the function ts-node's transpile-only mode uses) only
 * when its content, path or the compiler changed; otherwise its cached JavaScript is loaded and
 * TypeScript itself is never required. No type checking, as with ts-node --transpile-only:
 * `npm run typecheck` does that.
 *
 * Compiled code: Node compiles every module it loads at every run, and each function again the
 * first time it is called (~0.3 s of a synth). V8 can serialize what it compiled (a "code
 * cache", `vm.Script#createCachedData`, the mechanism of Node's own compile cache in later
 * versions and of the v8-compile-cache package); a run that finds one skips the compiling.
 * So each cached JavaScript file gets its code cache (`<sha1>.<v8 key>.code`), written at the
 * end of the first run that loads it (then it holds the functions that run used too), keyed by
 * the JavaScript file's name (thus its content) and by Node's version, architecture and V8
 * flags; V8 itself refuses a code cache that does not match the source (then it is rewritten).
 * The same is done, with the same key, for the JavaScript files of node_modules/ (cdk8s,
 * cdk8s-plus, constructs...): `<sha1 of path, size and mtime>.js.code`.
 *
 * Cache: node_modules/.cache/cdk8s-llm-serving-ts/ (delete it at will; CDK8S_LLM_SERVING_CODE_CACHE=off
 * turns the code cache off). Source maps are written but not turned on: Node then computes
 * line tables for every module it loads, which costs more than half a second on the 10k lines of
 * imports/. For stack traces into the TypeScript sources, run with NODE_OPTIONS=--enable-source-maps
 * (then no code cache is used: Node's own loader maps the stacks).
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload (node -r) */
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const { pathToFileURL } = require('url');
const vm = require('vm');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'cdk8s-llm-serving-ts');
const modulesDir = path.join(root, 'node_modules') + path.sep;
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

/** Writes a cache file atomically (two runs at once never read half a file); false when it cannot. */
function writeCache(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    return true;
  } catch {
    // A read-only checkout still runs, only slower.
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// V8 code cache

const codeCacheOn = !/^(off|false|0)$/i.test(process.env.CDK8S_LLM_SERVING_CODE_CACHE ?? '')
  // Node's own loader then maps stack traces through the source maps; vm.Script would not.
  && !process.execArgv.includes('--enable-source-maps') && !/--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');
/** What a code cache depends on besides the source: V8 refuses one made by another V8 or with other flags. */
const v8Key = crypto.createHash('sha1')
  .update(`${process.version}\0${process.arch}\0${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`)
  .digest('hex').slice(0, 12);
/** Scripts compiled without a usable code cache this run: their cache is written at exit. */
const toWrite = [];

/**
 * Compiles and runs a CommonJS module's JavaScript as `module._compile` does, with V8's code
 * cache from `codeFile` when there is a valid one.
 */
function compileWithCodeCache(module, js, filename, codeFile) {
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeFile);
  } catch {
    // First run of this file.
  }
  // A shebang line is valid only at the very start of a script: inside the module wrapper it
  // becomes a comment (Node's own loader strips it too), keeping the line numbers.
  const body = js.startsWith('#!') ? `//${js.slice(2)}` : js;
  const script = new vm.Script(Module.wrap(body), { filename, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    if (toWrite.length === 0) process.once('exit', writeCodeCaches);
    toWrite.push({ script, codeFile });
  }
  const fn = script.runInThisContext({ displayErrors: true });
  const dirname = path.dirname(filename);
  // What Node's loader passes a module (lib/internal/modules/helpers.js, makeRequireFunction).
  const req = (id) => module.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  req.main = process.mainModule;
  req.extensions = Module._extensions;
  req.cache = Module._cache;
  return fn.call(module.exports, module.exports, req, module, filename, dirname);
}

function writeCodeCaches() {
  for (const { script, codeFile } of toWrite.splice(0)) {
    if (!writeCache(codeFile, script.createCachedData())) return;
  }
}

// ---------------------------------------------------------------------------------------------
// Loaders

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
    if (out.map) writeCache(`${cached}.map`, out.map);
    writeCache(cached, js);
  }
  if (codeCacheOn) compileWithCodeCache(module, js, filename, path.join(cacheDir, `${hash}.${v8Key}.code`));
  else module._compile(js, filename);
}

require.extensions['.ts'] = load;

if (codeCacheOn) {
  const loadJs = Module._extensions['.js'];
  /** A JavaScript file of the project's node_modules (CommonJS): compiled with its code cache. */
  Module._extensions['.js'] = function loadJsWithCodeCache(module, filename) {
    if (!filename.startsWith(modulesDir) || filename.includes(`${path.sep}.cache${path.sep}`)) return loadJs(module, filename);
    let stat;
    try {
      stat = fs.statSync(filename);
    } catch {
      return loadJs(module, filename);
    }
    // An ES module (a "type": "module" package) or anything unusual: Node's loader decides.
    const pkgType = packageType(filename);
    if (pkgType === 'module') return loadJs(module, filename);
    const key = crypto.createHash('sha1').update(`${filename}\0${stat.size}\0${stat.mtimeMs}\0${v8Key}`).digest('hex');
    const source = fs.readFileSync(filename, 'utf8');
    return compileWithCodeCache(module, source, filename, path.join(cacheDir, 'modules', `${key}.js.code`));
  };
}

const packageTypes = new Map();
/** The `type` of the nearest package.json (Node's rule for .js files). */
function packageType(filename) {
  let dir = path.dirname(filename);
  const seen = [];
  let type;
  for (;;) {
    if (packageTypes.has(dir)) {
      type = packageTypes.get(dir);
      break;
    }
    seen.push(dir);
    try {
      type = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).type ?? 'commonjs';
      break;
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) {
        type = 'commonjs';
        break;
      }
      dir = parent;
    }
  }
  for (const d of seen) packageTypes.set(d, type);
  return type;
}
