import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

/*
 * KubeVirt's own API schema (test/fixtures/kubevirt/swagger.json, copied with its note) as a JSON
 * Schema validator for one definition. The document is OpenAPI 2.0: its definitions are JSON
 * Schema draft-04 with OpenAPI's additions. Ajv 8 reads them as draft-07 (the keywords they use,
 * type arrays included, mean the same there); `strict: false` lets the OpenAPI and Kubernetes
 * keywords (`x-kubernetes-list-type`...) through as annotations; the OpenAPI formats are
 * checked as OpenAPI defines them (int32/int64 ranges, base64 bytes, RFC 3339 date-time),
 * int-or-string accepts either, and an unknown format would fail the compile.
 *
 * KubeVirt's definitions never say `additionalProperties: false` (Kubernetes drops unknown
 * fields, or refuses them only under server-side field validation). The `strict` flavour adds
 * it to every object schema that lists its properties, as `kubectl apply --validate=strict` would
 * refuse them: a misspelt field (`secureboot`) fails it instead of passing silently.
 */

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "kubevirt", "swagger.json");
const DOCUMENT_ID = "kubevirt-swagger.json";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function closeObjects(node: Json): Json {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const copy: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas: recurse into each schema, never treat the map itself as one.
    copy[key] = key === "properties" && value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, closeObjects(schema)])) : closeObjects(value);
  }
  if (typeof copy["properties"] === "object" && copy["additionalProperties"] === undefined) copy["additionalProperties"] = false;
  return copy;
}

const INT32 = 2 ** 31;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function validator(strict: boolean): ValidateFunction {
  const document = JSON.parse(readFileSync(fixture, "utf8")) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("int32", { type: "number", validate: (value: number) => Number.isInteger(value) && value >= -INT32 && value < INT32 });
  ajv.addFormat("int64", { type: "number", validate: (value: number) => Number.isSafeInteger(value) });
  ajv.addFormat("float", { type: "number", validate: (value: number) => Number.isFinite(value) });
  ajv.addFormat("double", { type: "number", validate: (value: number) => Number.isFinite(value) });
  ajv.addFormat("byte", { type: "string", validate: (value: string) => BASE64.test(value) });
  ajv.addFormat("date-time", { type: "string", validate: (value: string) => DATE_TIME.test(value) });
  ajv.addFormat("int-or-string", true);
  ajv.addSchema((strict ? closeObjects(document) : document) as object, DOCUMENT_ID);
  return ajv.compile({ $ref: `${DOCUMENT_ID}#/definitions/v1.VirtualMachine` });
}

let loose: ValidateFunction | undefined;
let closed: ValidateFunction | undefined;

export interface Validation {
  ok: boolean;
  /** ajv's errors, one a line, for a failed expect's message. */
  errors: string;
}

/** Validates a value against definition v1.VirtualMachine; `strict`: unknown fields are errors too. */
export function validateVirtualMachine(value: unknown, options: { strict?: boolean } = {}): Validation {
  const validate = options.strict === false ? (loose ??= validator(false)) : (closed ??= validator(true));
  const ok = validate(value) as boolean;
  return { ok, errors: (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`).join("\n") };
}
