import { XMLParser } from "fast-xml-parser";

/** Parses domain XML back into objects: attributes as "@_name", every element in an array, text kept exactly. */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  processEntities: true,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  alwaysCreateTextNode: true,
  isArray: (_name, _jpath, _isLeaf, isAttribute) => !isAttribute,
});

export type ParsedElement = { [name: string]: ParsedElement[] | string };

export function parseDomain(xml: string): ParsedElement {
  const document = parser.parse(xml) as { domain: ParsedElement[] };
  return document.domain[0]!;
}

/** The child elements `name` of a parsed element (empty when none). */
export function children(element: ParsedElement, name: string): ParsedElement[] {
  const value = element[name];
  return Array.isArray(value) ? value : [];
}

export function child(element: ParsedElement, name: string): ParsedElement {
  const found = children(element, name)[0];
  if (!found) throw new Error(`no <${name}> in ${JSON.stringify(Object.keys(element))}`);
  return found;
}

export function attribute(element: ParsedElement, name: string): string | undefined {
  const value = element[`@_${name}`];
  return typeof value === "string" ? value : undefined;
}

/** The text of an element (its "#text", untrimmed). */
export function text(element: ParsedElement): string {
  const value = element["#text"];
  if (Array.isArray(value)) return value.join("");
  return typeof value === "string" ? value : "";
}
