import { VmforgeError } from "./errors.js";

/** The part of a zod schema the kernel uses; any zod 4 schema fits. */
export interface SchemaLike<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<SchemaIssue> } };
}
export interface SchemaIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
}

export interface SessionKey<T> {
  readonly name: string;
  readonly schema: SchemaLike<T>;
  readonly collection: false;
}
export interface CollectionKey<T> {
  readonly name: string;
  readonly schema: SchemaLike<T>;
  readonly collection: true;
}
export type AnySessionKey = SessionKey<unknown> | CollectionKey<unknown>;

/** Declares `session.<name>`, one value written by one stage. Lives in the producer's contract. */
export function defineSessionKey<T>(name: string, schema: SchemaLike<T>): SessionKey<T> {
  return Object.freeze({ name, schema, collection: false as const });
}

/** Declares `session.<name>` as a collection several stages add items to. */
export function defineCollectionKey<T>(name: string, itemSchema: SchemaLike<T>): CollectionKey<T> {
  return Object.freeze({ name, schema: itemSchema, collection: true as const });
}

export function formatIssues(issues: ReadonlyArray<SchemaIssue>): string {
  return issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** The session store: values keyed by name, validated on write. */
export class SessionStore {
  readonly #values = new Map<string, unknown>();

  has(name: string): boolean {
    return this.#values.has(name);
  }

  get<T>(key: SessionKey<T>): T | undefined;
  get<T>(key: CollectionKey<T>): T[];
  get<T>(key: SessionKey<T> | CollectionKey<T>): T | T[] | undefined {
    const value = this.#values.get(key.name);
    if (key.collection) return [...((value as T[] | undefined) ?? [])];
    return value as T | undefined;
  }

  set<T>(key: SessionKey<T>, value: T, writer: string): T {
    const parsed = validate(key, value, writer);
    this.#values.set(key.name, parsed);
    return parsed;
  }

  add<T>(key: CollectionKey<T>, item: T, writer: string): T {
    const parsed = validate(key, item, writer);
    const list = (this.#values.get(key.name) as T[] | undefined) ?? [];
    list.push(parsed);
    this.#values.set(key.name, list);
    return parsed;
  }

  /** Plain data for checkpoints and `plan.json`. */
  snapshot(): Record<string, unknown> {
    // Collections grow by push; copy them so a checkpoint taken now does not grow later.
    return Object.fromEntries([...this.#values].map(([name, value]) => [name, Array.isArray(value) ? [...value] : value]));
  }

  restore(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) this.#values.set(name, Array.isArray(value) ? [...value] : value);
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }
}

function validate<T>(key: SessionKey<T> | CollectionKey<T>, value: unknown, writer: string): T {
  const result = key.schema.safeParse(value);
  if (result.success) return result.data;
  throw new VmforgeError("E_SESSION_INVALID", `Stage ${writer} wrote an invalid session.${key.name}: ${formatIssues(result.error.issues)}`, {
    why: `Every value in the session is checked against the schema its producer declares; this one does not match.`,
    fix: `This is a bug in the plugin that owns ${writer}; report it with the output of \`vmforge plan --json\`.`,
  });
}
