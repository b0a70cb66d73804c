/*
 * How PyYAML (which cloud-init uses, YAML 1.1) types a plain scalar: its implicit resolvers,
 * copied from PyYAML's resolver.py, tried in its order and only for the first characters it
 * registers them for. The `yaml` package's YAML 1.1 schema differs in corners (it reads y, n,
 * 1e3, 08 and ._1 as booleans or numbers; PyYAML as strings), so the user's file is checked
 * against this before its values are trusted.
 */

export type PyYamlPlainType = "bool" | "float" | "int" | "merge" | "null" | "timestamp" | "value" | "str";

const RESOLVERS: ReadonlyArray<{ type: PyYamlPlainType; pattern: RegExp; first: string }> = [
  { type: "bool", pattern: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/, first: "yYnNtTfFoO" },
  {
    type: "float",
    pattern: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    first: "-+0123456789.",
  },
  { type: "int", pattern: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, first: "-+0123456789" },
  { type: "merge", pattern: /^(?:<<)$/, first: "<" },
  { type: "null", pattern: /^(?:~|null|Null|NULL|)$/, first: "~nN" },
  {
    type: "timestamp",
    pattern: /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    first: "0123456789",
  },
  { type: "value", pattern: /^(?:=)$/, first: "=" },
];

/** The type PyYAML gives a plain (unquoted, untagged) scalar with this text. */
export function pyYamlPlainType(text: string): PyYamlPlainType {
  if (text === "") return "null";
  const first = text[0]!;
  for (const resolver of RESOLVERS) {
    if (resolver.first.includes(first) && resolver.pattern.test(text)) return resolver.type;
  }
  return "str";
}
