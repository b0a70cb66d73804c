import { stringify } from "yaml";

/**
 * One YAML document. Multi-line strings (the user-data) become literal blocks, read back
 * byte for byte; no line is folded.
 */
export function renderYaml(value: Record<string, unknown>, header: string): string {
  return `# ${header}\n${stringify(value, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false })}`;
}
