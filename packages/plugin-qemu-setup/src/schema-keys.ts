/**
 * The keys an object schema accepts at a key path, read from a zod 4 schema's definition.
 * Used for did-you-mean on any plugin's table; undefined when the schema is not a zod object
 * there (a plugin may hand the kernel any schema with safeParse).
 */
export function knownKeysAt(schema: unknown, path: ReadonlyArray<PropertyKey>): string[] | undefined {
  let node = unwrap(schema);
  for (const part of path) {
    const def = definition(node);
    if (!def) return undefined;
    if (typeof part === "number") {
      if (def.type !== "array") return undefined;
      node = unwrap(def.element);
    } else {
      if (def.type !== "object" || !def.shape || !Object.hasOwn(def.shape, String(part))) return undefined;
      node = unwrap(def.shape[String(part)]);
    }
  }
  const def = definition(node);
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : undefined;
}

interface SchemaDefinition {
  type?: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
}

function definition(node: unknown): SchemaDefinition | undefined {
  const def = (node as { _zod?: { def?: SchemaDefinition } } | undefined)?._zod?.def;
  return typeof def === "object" && def !== null ? def : undefined;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional", "lazy"]);

function unwrap(node: unknown): unknown {
  for (let depth = 0; depth < 32; depth++) {
    const def = definition(node);
    if (!def) return node;
    if (def.type && WRAPPERS.has(def.type) && def.innerType !== undefined) node = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) node = def.in;
    else return node;
  }
  return node;
}
