import { Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import type { Problem } from "@vmforge/kernel";
import { pyYamlPlainType, type PyYamlPlainType } from "./pyyaml-resolver.js";

/** Tags PyYAML's safe loader builds and the `yaml` package writes back the same way. */
const ALLOWED_TAGS = new Set(["str", "int", "float", "bool", "null", "binary", "map", "seq"].map((name) => `tag:yaml.org,2002:${name}`));

/** A mapping or list with a tag such as !!set or !!omap, which would not be written back as it was. */
export function collectionTagProblem(node: YAMLMap | YAMLSeq): Pick<Problem, "message" | "fix"> | undefined {
  if (node.tag === undefined || ALLOWED_TAGS.has(node.tag)) return undefined;
  return { message: `the tag ${node.tag} is not carried through by vmforge`, fix: "Remove the tag and write a plain mapping or list." };
}

/**
 * A scalar whose meaning cloud-init (PyYAML) and the `yaml` package would disagree on, or that
 * PyYAML cannot load at all: refused with a hint to quote it, so what is merged is what
 * cloud-init would have read.
 */
export function typingProblem(node: Scalar): Pick<Problem, "message" | "fix"> | undefined {
  if (node.tag !== undefined) {
    return ALLOWED_TAGS.has(node.tag) ? undefined : { message: `the tag ${node.tag} is not one cloud-init's safe YAML loader knows`, fix: "Remove the tag; write the value as a plain string, number or list." };
  }
  if (node.type !== Scalar.PLAIN || typeof node.source !== "string") return undefined;
  const text = node.source;
  const quote = `Quote it ("${text}") to mean the string.`;
  const pyType = pyYamlPlainType(text);
  const value = node.value;
  if (pyType === "timestamp") return { message: `${text} is a date to cloud-init's YAML reader, which vmforge does not carry through`, fix: quote };
  if (pyType === "value") return { message: `${text} alone is a YAML 1.1 "value" token cloud-init's YAML reader cannot load`, fix: quote };
  if (pyType === "merge") return typeof value === "symbol" ? undefined : { message: `${text} outside a merge key cannot be loaded by cloud-init's YAML reader`, fix: quote };
  const agrees =
    (pyType === "bool" && typeof value === "boolean") ||
    (pyType === "null" && value === null) ||
    (pyType === "str" && typeof value === "string") ||
    (pyType === "int" && typeof value === "number" && Number.isSafeInteger(value)) ||
    (pyType === "float" && typeof value === "number" && !Number.isInteger(value));
  if (agrees) return undefined;
  if (pyType === "float" && typeof value === "number") return { message: `${text} is a float to cloud-init but would be written back as the integer ${value}`, fix: `Write ${value} or quote it.` };
  return { message: `${text} is ${describePyType(pyType)} to cloud-init's YAML reader (PyYAML) but ${describeValue(value)} to other YAML 1.1 readers`, fix: quote };
}

function describePyType(type: PyYamlPlainType): string {
  return { bool: "a boolean", float: "a float", int: "an integer", null: "null", str: "a string", merge: "a merge key", timestamp: "a date", value: "a value token" }[type];
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isSafeInteger(value) || !Number.isInteger(value) ? `the number ${value}` : "a number too large to keep exactly";
  return `a ${typeof value}`;
}
