import { XMLBuilder } from "fast-xml-parser";
import type { XmlElement } from "./node.js";

/*
 * processEntities escapes & < > " ' in every attribute value and text node (checked by
 * test/escaping.test.ts). suppressBooleanAttributes is off: on, an attribute whose value is
 * the string "true" would be written without a value, which is not XML.
 */
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
});

/** The whole document: `<domain ...>...</domain>` and a final newline. */
export function serializeDomain(domain: XmlElement): string {
  const xml = builder.build({ domain }) as string;
  return xml.endsWith("\n") ? xml : `${xml}\n`;
}
