import { ExitCode, VmforgeError } from "./errors.js";

/** The part of a zod schema the kernel uses; any zod 4 schema fits. */
export interface SchemaLike<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
}

/** What a contract says about a key besides its schema. */
export interface SessionKeyOptions {
  /**
   * The value holds secrets (passwords, password hashes, private keys, or text that may hold
   * them): it is never written to disk by the kernel or a hook that honours the marking (a
   * checkpoint keeps only a hash of it), so a resumed run must produce it again.
   */
  secret?: boolean;
  /** Raised when the schema changes incompatibly: a value saved under another version is not restored. Default 1. */
  version?: number;
}

export interface SessionKey<T> {
  readonly name: string;
  readonly schema: SchemaLike<T>;
  readonly collection: false;
  readonly secret: boolean;
  readonly version: number;
}
export interface CollectionKey<T> {
  readonly name: string;
  readonly schema: SchemaLike<T>;
  readonly collection: true;
  readonly secret: boolean;
  readonly version: number;
}
export type AnySessionKey = SessionKey<unknown> | CollectionKey<unknown>;

/** Declares `session.<name>`, one value written by one stage. Lives in the producer's contract. */
export function defineSessionKey<T>(name: string, schema: SchemaLike<T>, options: SessionKeyOptions = {}): SessionKey<T> {
  return Object.freeze({ name, schema, collection: false as const, secret: options.secret ?? false, version: options.version ?? 1 });
}

/** Declares `session.<name>` as a collection several stages add items to. */
export function defineCollectionKey<T>(name: string, itemSchema: SchemaLike<T>, options: SessionKeyOptions = {}): CollectionKey<T> {
  return Object.freeze({ name, schema: itemSchema, collection: true as const, secret: options.secret ?? false, version: options.version ?? 1 });
}

export function formatIssues(issues: ReadonlyArray<SchemaIssue>): string {
  return issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/**
 * One key of the session as plain data, with where it came from: what a checkpoint keeps.
 * For a collection, `value` is the list of items and `writers[i]` the stage that added item i.
 */
export interface SessionEntry {
  name: string;
  collection: boolean;
  /** The version of the key's contract the value was written under. */
  version: number;
  /** The key is marked secret in its contract (never write `value` to disk). */
  secret: boolean;
  /** The stage that wrote the value, or the stage that added each item. */
  writers: string[];
  value: unknown;
}

interface KeyFacts {
  collection: boolean;
  version: number;
  secret: boolean;
  writers: string[];
}

/** A value put back from a checkpoint: checked against its key's schema when first read. */
interface Unchecked {
  version: number | undefined;
  /** For a collection: how many leading items came from the checkpoint. */
  items: number;
}

/** The session store: values keyed by name, validated on write (and on the first read after a restore). */
export class SessionStore {
  readonly #values = new Map<string, unknown>();
  readonly #facts = new Map<string, KeyFacts>();
  readonly #unchecked = new Map<string, Unchecked>();

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get<T>(key: SessionKey<T>): T | undefined;
  get<T>(key: CollectionKey<T>): T[];
  get<T>(key: SessionKey<T> | CollectionKey<T>): T | T[] | undefined {
    this.#check(key);
    const value = this.#values.get(key.name);
    if (key.collection) return [...((value as T[] | undefined) ?? [])];
    return value as T | undefined;
  }

  set<T>(key: SessionKey<T>, value: T, writer: string): T {
    const parsed = validate(key, value, writer);
    this.#values.set(key.name, parsed);
    this.#facts.set(key.name, { collection: false, version: key.version, secret: key.secret, writers: [writer] });
    this.#unchecked.delete(key.name);
    return parsed;
  }

  add<T>(key: CollectionKey<T>, item: T, writer: string): T {
    this.#check(key);
    const parsed = validate(key, item, writer);
    const list = (this.#values.get(key.name) as T[] | undefined) ?? [];
    list.push(parsed);
    this.#values.set(key.name, list);
    const facts = this.#facts.get(key.name);
    this.#facts.set(key.name, { collection: true, version: key.version, secret: key.secret || (facts?.secret ?? false), writers: [...(facts?.writers ?? []), writer] });
    return parsed;
  }

  /** Plain data for `plan.json` and simple checkpoints. */
  snapshot(): Record<string, unknown> {
    // Collections grow by push; copy them so a checkpoint taken now does not grow later.
    return Object.fromEntries([...this.#values].map(([name, value]) => [name, Array.isArray(value) ? [...value] : value]));
  }

  /** Every key with its writers, contract version and secret marking: what a checkpoint needs. */
  entries(): SessionEntry[] {
    return [...this.#values].map(([name, value]) => {
      const facts = this.#facts.get(name) ?? { collection: Array.isArray(value), version: 1, secret: false, writers: [] };
      return { name, collection: facts.collection, version: facts.version, secret: facts.secret, writers: [...facts.writers], value: Array.isArray(value) ? [...value] : value };
    });
  }

  /**
   * Puts back plain values (a checkpoint's). Each is checked against its key's schema (and, for
   * entries, the contract version) the first time a stage reads it: the kernel knows no schema
   * until a stage hands it its key.
   */
  restore(values: Record<string, unknown> | readonly SessionEntry[]): void {
    // Plain values (no entries) carry no contract version: only their schema is checked.
    const entries: Array<Omit<SessionEntry, "version"> & { version?: number }> = Array.isArray(values)
      ? [...(values as readonly SessionEntry[])]
      : Object.entries(values).map(([name, value]) => ({ name, collection: Array.isArray(value), secret: false, writers: [], value }));
    for (const entry of entries) {
      const value = Array.isArray(entry.value) ? [...entry.value] : entry.value;
      this.#values.set(entry.name, value);
      this.#facts.set(entry.name, { collection: entry.collection, version: entry.version ?? 1, secret: false, writers: [...entry.writers] });
      this.#unchecked.set(entry.name, { version: entry.version, items: Array.isArray(value) ? value.length : 0 });
    }
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }

  /** A restored value meets its key for the first time: same contract version, and its schema accepts it. */
  #check(key: AnySessionKey): void {
    const unchecked = this.#unchecked.get(key.name);
    if (!unchecked) return;
    if (unchecked.version !== undefined && unchecked.version !== key.version) {
      throw restoreInvalid(key.name, `it was saved under version ${unchecked.version} of its contract; the installed plugins use version ${key.version}`);
    }
    const value = this.#values.get(key.name);
    if (key.collection) {
      const items = Array.isArray(value) ? value : [value];
      const parsed = items.map((item, index) => (index < unchecked.items ? parseRestored(key, item, `item ${index}: `) : item));
      this.#values.set(key.name, parsed);
    } else {
      this.#values.set(key.name, parseRestored(key, value, ""));
    }
    this.#unchecked.delete(key.name);
  }
}

function parseRestored(key: AnySessionKey, value: unknown, where: string): unknown {
  const result = key.schema.safeParse(value);
  if (!result.success) throw restoreInvalid(key.name, `${where}${formatIssues(result.error.issues)}`);
  return result.data;
}

function restoreInvalid(name: string, why: string): VmforgeError {
  return new VmforgeError("E_RESUME_SESSION_INVALID", `The saved session.${name} cannot be used: ${why}.`, {
    exitCode: ExitCode.usage,
    why: "A resumed run checks every saved value against the contract of the installed plugins before a stage reads it.",
    fix: "Start the run over instead of resuming it.",
  });
}

function validate<T>(key: SessionKey<T> | CollectionKey<T>, value: unknown, writer: string): T {
  const result = key.schema.safeParse(value);
  if (result.success) return result.data;
  throw new VmforgeError("E_SESSION_INVALID", `Stage ${writer} wrote an invalid session.${key.name}: ${formatIssues(result.error.issues)}`, {
    why: `Every value in the session is checked against the schema its producer declares; this one does not match.`,
    fix: `This is a bug in the plugin that owns ${writer}; report it with the output of \`vmforge plan --json\`.`,
  });
}
