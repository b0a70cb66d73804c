import { z } from "@vmforge/kernel/zod";
import { CHECKPOINT_KIND, CHECKPOINT_SCHEMA_VERSION, type Checkpoint } from "./checkpoint.js";
import { RUN_NAME_PATTERN } from "./run-names.js";

/*
 * What a checkpoint file must be to be used. Strict: an unknown key, a missing one or a value of
 * another shape is "not a checkpoint vmforge writes". Loaded only when a checkpoint is read.
 */

const MAX_TEXT = 4096;
const text = z.string().max(MAX_TEXT);
const noControl = /^[^\0-\x1f\x7f]*$/;
const absolutePath = z.string().max(MAX_TEXT).regex(/^\//, "an absolute path").regex(noControl, "a path without control characters");
const stageId = z.string().regex(/^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$/, "a stage id (prefix:verb_noun)");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 in hex");
const isoTime = z.iso.datetime();

const effectRecord = z.strictObject({
  kind: z.enum(["write-file", "mkdir", "run", "sysfs-write", "download"]),
  status: z.enum(["done", "planned", "failed"]),
  stage: stageId.optional(),
  path: text.optional(),
  command: z.array(z.string().max(65536)).max(4096).optional(),
  url: text.optional(),
  value: text.optional(),
  bytes: z.number().int().nonnegative().optional(),
  description: text.optional(),
  error: z.string().max(65536).optional(),
  resumed: z.literal(true).optional(),
});

const artifact = z.strictObject({
  name: text,
  path: absolutePath,
  bytes: z.number().int().nonnegative(),
  stage: stageId,
  status: z.enum(["done", "planned", "failed"]),
  sha256,
  resumed: z.literal(true).optional(),
});

const fingerprint = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("whole"), size: z.number().int().nonnegative(), sha256 }),
  z.strictObject({ kind: z.literal("sampled"), size: z.number().int().nonnegative(), mtimeMs: z.number(), ino: z.number().int().nonnegative(), dev: z.number().int().nonnegative(), head: sha256, tail: sha256 }),
  z.strictObject({ kind: z.literal("device"), rdev: z.number().int().nonnegative() }),
  z.strictObject({ kind: z.literal("other"), type: text }),
  z.strictObject({ kind: z.literal("missing") }),
]);

const input = z.strictObject({ path: absolutePath, what: text, stage: stageId.optional(), fingerprint });

const entryBase = { name: z.string().regex(/^[a-z][a-z0-9_]*$/, "a session key name"), collection: z.boolean(), version: z.number().int().positive(), writers: z.array(stageId) };
const sessionEntry = z.union([
  z.strictObject({ ...entryBase, secret: z.literal(false), value: z.unknown() }),
  z.strictObject({ ...entryBase, secret: z.literal(true), salt: z.string().regex(/^[0-9a-f]{32}$/), sha256 }),
]);

export const checkpointSchema = z.strictObject({
  schemaVersion: z.literal(CHECKPOINT_SCHEMA_VERSION),
  kind: z.literal(CHECKPOINT_KIND),
  vm: z.string().regex(RUN_NAME_PATTERN, "a run name").refine((name) => !name.includes(".."), "a run name"),
  dryRun: z.boolean(),
  hostRoot: absolutePath,
  host: z.string().max(255).regex(noControl),
  run: z.strictObject({
    configPath: absolutePath,
    outputDir: absolutePath.nullable(),
    include: z.array(stageId).max(1000),
    flags: z.record(z.string().max(100), z.union([z.boolean(), z.string().max(MAX_TEXT), z.number(), z.null()])),
  }),
  createdAt: isoTime,
  updatedAt: isoTime,
  runId: z.string().regex(/^[0-9a-f]{32}$/),
  plugins: z.array(z.strictObject({ name: text, version: text })).max(1000),
  stages: z.strictObject({ done: z.array(stageId).max(10000), skipped: z.array(stageId).max(10000), pending: z.array(stageId).max(10000) }),
  session: z.array(sessionEntry).max(10000),
  inputs: z.array(input).max(10000),
  artifacts: z.array(artifact).max(10000),
  effects: z.array(effectRecord).max(100000),
  inFlight: z.array(effectRecord).max(1000),
  status: z.enum(["running", "failed", "interrupted"]),
  error: z.strictObject({ code: text, message: z.string().max(65536) }).nullable(),
}) satisfies z.ZodType<Checkpoint>;
