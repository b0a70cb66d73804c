/** A small XML writer: every text and attribute value goes through `escapeXml`, never pasted. */
export interface XmlNode {
  name: string;
  attributes?: Record<string, string>;
  children?: XmlNode[];
  text?: string;
}

const XML_SPECIAL: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/** Escapes the five XML special characters (so `]]>` and quotes are inert in text and attributes). */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => XML_SPECIAL[character]!);
}

/** Characters XML 1.0 cannot carry at all: refused, never dropped. */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function el(name: string, content?: string | XmlNode[], attributes?: Record<string, string>): XmlNode {
  const node: XmlNode = { name };
  if (attributes) node.attributes = attributes;
  if (typeof content === "string") node.text = content;
  else if (content) node.children = content;
  return node;
}

export function serializeXml(root: XmlNode): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${write(root, "")}\n`;
}

function write(node: XmlNode, indent: string): string {
  const attributes = Object.entries(node.attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(checked(value, `${node.name}@${key}`))}"`)
    .join("");
  if (node.text !== undefined) return `${indent}<${node.name}${attributes}>${escapeXml(checked(node.text, node.name))}</${node.name}>`;
  if (!node.children || node.children.length === 0) return `${indent}<${node.name}${attributes}/>`;
  const inner = node.children.map((child) => write(child, `${indent}  `)).join("\n");
  return `${indent}<${node.name}${attributes}>\n${inner}\n${indent}</${node.name}>`;
}

function checked(value: string, where: string): string {
  if (NOT_XML.test(value)) throw new RangeError(`<${where}>: the text holds a character XML 1.0 cannot carry`);
  return value;
}
