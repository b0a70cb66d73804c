import { Document, Scalar, visit } from "yaml";

/*
 * YAML for cloud-init, which reads it with PyYAML as YAML 1.1. Written from data with the
 * `yaml` package, never by pasting strings. Two things the package does not do on its own:
 * quote every string PyYAML could misread, and keep the string "<<" from becoming a merge key.
 */

/** Strings left plain: nothing here can start a YAML token; the package still quotes 1.1 words (yes, on, 0644). */
const PLAIN_SAFE = /^[A-Za-z0-9_/][A-Za-z0-9_/.@+=,-]*(?: [A-Za-z0-9_/.@+=,-]+)*$/;
const MERGE_KEY = "<<";
const STRING_TAG = "tag:yaml.org,2002:str";

/** One YAML 1.1 document, no `---`, no anchors, never folded, ending in a newline. */
export function toCloudYaml(data: unknown): string {
  // A value the user's file reused through an alias is written out twice, not as &a1/*a1.
  const document = new Document(data, { version: "1.1", aliasDuplicateObjects: false });
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      if (node.value === MERGE_KEY) node.tag = STRING_TAG;
      node.type = PLAIN_SAFE.test(node.value) ? Scalar.PLAIN : Scalar.QUOTE_DOUBLE;
    },
  });
  return document.toString({ lineWidth: 0, minContentWidth: 0 });
}
