import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { isPlainJson } from './_plain-json';

/**
 * The synth cache of `synthValidated`: for every object the previous run wrote, the YAML
 * document it was written as, keyed by the object's JSON text. An object is checked
 * (`validateManifest`) and stringified only when its JSON changed since that run; an
 * unchanged one is known valid and its document is reused. Both are pure functions of the
 * object's JSON (given the validator's code and schemas, and the YAML code), which the cache
 * file's name is keyed by: any change to them starts an empty cache.
 *
 * Only plain JSON objects are cached (strings, finite numbers, booleans, null, arrays and
 * plain objects, no value referenced twice): for those, the JSON text determines the value
 * exactly, thus its validity and its YAML (an `undefined` field, which JSON drops but the
 * validator and YAML see, or a shared object, which YAML writes as an alias, is never cached).
 *
 * One file per cache directory: it holds what the last run wrote (entries of objects no longer
 * written are dropped), is replaced only by a run that wrote everything (atomically: parallel
 * runs never read half a file), and is not used past {@link MAX_CACHE_BYTES} (a fleet that
 * large would hold its whole YAML in memory).
 * `CDK8S_LLM_SERVING_SYNTH_CACHE=off` turns it off; it lives with the compiled validators
 * (`CDK8S_LLM_SERVING_CACHE`, default `node_modules/.cache/cdk8s-llm-serving`).
 * @internal
 */
export class SynthCache {
  /**
   * The cache for a run writing to `outdirs`, or undefined when off or without a cache directory.
   * @param dir the cache directory
   * @param fingerprint what the entries depend on besides the objects (code, schemas, versions)
   */
  public static open(dir: string | undefined, fingerprint: string): SynthCache | undefined {
    if (!dir || /^(off|false|0)$/i.test(process.env.CDK8S_LLM_SERVING_SYNTH_CACHE ?? '')) return undefined;
    return new SynthCache(dir, `synth-${fingerprint}.jsonl`);
  }

  /** JSON text's sha1 → YAML document, from the previous run. */
  private readonly previous = new Map<string, string>();
  private readonly file: string;
  private readonly tmp: string;
  private fd: number | undefined;
  private bytes = 0;

  private constructor(private readonly dir: string, private readonly name: string) {
    this.file = path.join(dir, name);
    this.tmp = `${this.file}.${process.pid}.tmp`;
    try {
      if (fs.statSync(this.file).size <= MAX_CACHE_BYTES) {
        for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
          if (!line) continue;
          const [hash, yaml] = JSON.parse(line);
          if (typeof hash === 'string' && typeof yaml === 'string') this.previous.set(hash, yaml);
        }
      }
    } catch {
      // No cache yet, or unreadable: every object is checked.
      this.previous.clear();
    }
  }

  /** The key of an object rendered to `json` (whose JSON text is `text`), or undefined when it cannot be cached. */
  public keyOf(json: unknown, text: string): string | undefined {
    return isPlainJson(json) ? createHash('sha1').update(text).digest('hex') : undefined;
  }

  /** The YAML document of a valid object the previous run wrote with this key. */
  public get(key: string): string | undefined {
    return this.previous.get(key);
  }

  /** Records an object written this run (valid), as its document. */
  public put(key: string, yaml: string): void {
    if (this.bytes > MAX_CACHE_BYTES) return;
    const line = `${JSON.stringify([key, yaml])}\n`;
    this.bytes += line.length;
    try {
      if (this.fd === undefined) {
        fs.mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = fs.openSync(this.tmp, 'w');
      }
      fs.writeSync(this.fd, line);
    } catch {
      this.bytes = Infinity;
    }
  }

  /** After a run that wrote every file: the entries of this run replace the previous ones. */
  public commit(): void {
    this.close();
    try {
      if (this.bytes <= MAX_CACHE_BYTES) {
        fs.renameSync(this.tmp, this.file);
        // Caches of other code or schemas: never read again.
        for (const f of fs.readdirSync(this.dir)) if (/^synth-[0-9a-f]+\.jsonl$/.test(f) && f !== this.name) fs.rmSync(path.join(this.dir, f), { force: true });
      }
    } catch {
      // An unwritable cache only costs the next run the checks.
    }
    this.discard();
  }

  /** Drops what this run recorded (on a problem, or after commit). */
  public discard(): void {
    this.close();
    fs.rmSync(this.tmp, { force: true });
  }

  private close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = undefined;
  }
}

/**
 * Past this size (of the file, or of a run's entries) the synth cache is not used: about
 * 300 pools of the bench's fleet. Reading it costs ~5 ms per MB, and it is held in memory.
 */
export const MAX_CACHE_BYTES = 8 * 1024 * 1024;
