import * as os from 'os';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { CDK8S_YAML_MODULE, PLAIN_JSON_YAML_OPTIONS, stringifyPlainJson } from './_yaml';

/**
 * The worker's script, plain JavaScript evaluated as the worker's main module: it needs no
 * compiled file of this package, so it runs the same from the packed package, from the
 * TypeScript sources and under jest. It turns each batch of JSON texts into YAML documents
 * exactly as {@link stringifyPlainJson} does (the `yaml` module cdk8s writes with, the same
 * options), answers the batch on its port, then counts it in the shared progress counter the
 * main thread waits on. Any error, loading included, is an answer too.
 */
const WORKER_SOURCE = `'use strict';
const { workerData } = require('worker_threads');
const { port, progress, yamlModule, options } = workerData;
const answered = new Int32Array(progress);
let YAML, loadError;
try { YAML = require(yamlModule); } catch (e) { loadError = e; }
port.on('message', (texts) => {
  let answer;
  try {
    if (loadError) throw loadError;
    answer = { documents: texts.map((t) => YAML.stringify(JSON.parse(t), options)) };
  } catch (e) {
    answer = { error: String((e && e.stack) || e) };
  }
  port.postMessage(answer);
  Atomics.add(answered, 0, 1);
  Atomics.notify(answered, 0);
});
`;

/**
 * Documents go to the worker in batches of about this many characters of JSON (batches of 64 K
 * kept the main thread's waiting texts and documents long enough to grow its heap by 20 MB or
 * more at 1000 pools).
 */
const BATCH_CHARS = 1 << 14;
/** While this many batches wait for the worker, the main thread stringifies documents itself. */
const MAX_BACKLOG = 2;
/**
 * Below this many objects in an App the worker is not started: its start (once per process)
 * and its first, cold batches cost more than it saves. Measured for the first synth of a fresh
 * process (the bench's fleet, 2 cores): 210 objects took 15 % longer with it, 420 objects 8 %
 * less.
 */
const MIN_OBJECTS = 400;

/** A YAML document: its pieces once known (the worker may still be stringifying it). */
export interface PendingDocument {
  pieces?: readonly string[];
}

/**
 * A second thread for the YAML of a synth. `Yaml.stringify` is most of what `app.synth()`
 * costs, and a pure function of an object's JSON: while the main thread renders and checks the
 * next objects, a worker thread stringifies the ones already checked. Only plain JSON documents
 * go there (their JSON text determines them exactly, so the worker's
 * `stringifyPlainJson(JSON.parse(text))` is their document byte for byte), and the main thread
 * stringifies a document itself while the worker is behind ({@link MAX_BACKLOG}): neither
 * thread idles while the other has work.
 *
 * The worker is started once per process, on the first App of {@link MIN_OBJECTS} objects
 * or more, and kept (unreferenced: it never keeps the process alive) for the next synth, its
 * compiled code warm. Not used with one CPU, nor with `CDK8S_LLM_SERVING_YAML_THREAD=off`.
 *
 * The worker can only make a synth faster, never change it: answers are read in order, and
 * after an error, or no answer for {@link YamlThread.stallMs}, the main thread stringifies what
 * is left itself and the worker is stopped (the next synth starts another).
 * @internal
 */
export class YamlThread {
  /** How long to wait for the worker's next answer before doing its work here (tests lower it). */
  public static stallMs = 30_000;

  /** A thread for an App of `objects` objects, or undefined when one would not pay off. */
  public static start(objects: number): YamlThread | undefined {
    if (objects < MIN_OBJECTS || /^(off|false|0)$/i.test(process.env.CDK8S_LLM_SERVING_YAML_THREAD ?? '')) return undefined;
    if (os.availableParallelism() < 2) return undefined;
    try {
      shared ??= startWorker();
    } catch {
      return undefined;
    }
    return new YamlThread(shared);
  }

  /** Stops the process's worker, if any (tests). */
  public static async stopWorker(): Promise<void> {
    const worker = shared;
    shared = undefined;
    if (worker) await stop(worker);
  }

  /** Batches sent, oldest first, awaiting their answer. */
  private readonly sent: Batch[] = [];
  private batch: Batch = { docs: [], texts: [] };
  private batchChars = 0;
  private failed = false;

  private constructor(private readonly worker: SharedWorker) {}

  /** The document of a plain JSON document without long arrays, whose JSON text is `text`. */
  public add(value: unknown, text: string): PendingDocument {
    this.receive();
    if (this.failed || this.sent.length >= MAX_BACKLOG) return { pieces: [stringifyPlainJson(value)] };
    const doc: PendingDocument = {};
    this.batch.docs.push(doc);
    this.batch.texts.push(text);
    this.batchChars += text.length;
    if (this.batchChars >= BATCH_CHARS) this.send();
    return doc;
  }

  /** Waits until every document added so far has its pieces. */
  public finish(): void {
    this.send();
    while (this.sent.length > 0) {
      if (this.failed) {
        stringifyHere(this.sent.shift()!);
      } else if (!this.receive()) {
        const seen = this.worker.answered;
        if (Atomics.load(this.worker.progress, 0) === seen && Atomics.wait(this.worker.progress, 0, seen, YamlThread.stallMs) === 'timed-out') {
          this.failed = true;
        }
      }
    }
  }

  /**
   * Ends this App's use of the worker. It stays for the next synth unless it failed or still
   * owes this one answers (the synth stopped on an error): then it is stopped.
   */
  public close(): void {
    if (this.failed || this.sent.length > 0) {
      if (shared === this.worker) shared = undefined;
      void stop(this.worker);
    }
  }

  private send(): void {
    if (this.batch.docs.length === 0) return;
    if (this.failed) {
      stringifyHere(this.batch);
    } else {
      this.worker.port.postMessage(this.batch.texts);
      this.sent.push(this.batch);
    }
    this.batch = { docs: [], texts: [] };
    this.batchChars = 0;
  }

  /** Reads the answers that arrived; false when none did. */
  private receive(): boolean {
    if (this.failed) return false;
    let any = false;
    for (let m = receiveMessageOnPort(this.worker.port); m; m = receiveMessageOnPort(this.worker.port)) {
      any = true;
      this.worker.answered++;
      const batch = this.sent.shift()!;
      const answer = m.message as { documents?: string[] };
      if (!Array.isArray(answer.documents) || answer.documents.length !== batch.docs.length) {
        this.failed = true;
        stringifyHere(batch);
        return true;
      }
      batch.docs.forEach((d, i) => (d.pieces = [answer.documents![i]]));
    }
    return any;
  }
}

/**
 * Documents sent to the worker at once, and their JSON texts, kept for doing them here if need
 * be (a text takes a fraction of its object's memory, and whatever waits for the answer lives
 * long enough to be promoted to V8's old generation).
 */
interface Batch {
  readonly docs: PendingDocument[];
  readonly texts: string[];
}

function stringifyHere(batch: Batch): void {
  batch.docs.forEach((d, i) => (d.pieces = [stringifyPlainJson(JSON.parse(batch.texts[i]))]));
}

/** The process's worker thread, its port and how many of its answers were read. */
interface SharedWorker {
  readonly thread: Worker;
  readonly port: MessagePort;
  readonly progress: Int32Array;
  answered: number;
}

let shared: SharedWorker | undefined;

function startWorker(): SharedWorker {
  const { port1, port2 } = new MessageChannel();
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { port: port2, progress: progress.buffer, yamlModule: CDK8S_YAML_MODULE, options: PLAIN_JSON_YAML_OPTIONS },
    transferList: [port2],
    // None of the process's node options: a preloaded module (`-r ts-node/register`, a test
    // runner's hook) would only slow the worker's start; it needs Node's builtins and yaml.
    execArgv: [],
    // A young generation of 8 MB (V8's default is larger): the worker's garbage all dies young,
    // and its heap peaked at 40 MB with the default, 15 MB with this, at 1000 pools.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const worker: SharedWorker = { thread, port: port1, progress, answered: 0 };
  // A worker that died (it cannot throw otherwise: its errors are answers) is not reused; a synth
  // waiting on it stops waiting after stallMs. Unreferenced: it never keeps the process alive.
  thread.on('error', () => {
    if (shared === worker) shared = undefined;
  });
  thread.unref();
  return worker;
}

async function stop(worker: SharedWorker): Promise<void> {
  worker.port.close();
  await worker.thread.terminate();
}
