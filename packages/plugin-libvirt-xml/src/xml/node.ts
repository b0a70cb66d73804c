/*
 * The object shape fast-xml-parser's XMLBuilder turns into XML: "@_name" keys are attributes,
 * "#text" is element text, any other key is a child element (an array repeats it).
 */
export interface XmlElement {
  [name: string]: string | XmlElement | XmlElement[];
}

type AttributeValue = string | number | undefined;

/** An element with attributes (undefined ones left out) and child elements. */
export function element(attributes: Record<string, AttributeValue> = {}, children: XmlElement = {}): XmlElement {
  const node: XmlElement = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) node[`@_${name}`] = String(value);
  }
  return Object.assign(node, children);
}

/** An element holding text, with optional attributes. */
export function textElement(text: string | number, attributes: Record<string, AttributeValue> = {}): XmlElement {
  return { ...element(attributes), "#text": String(text) };
}

/** libvirt's yes/no attributes. */
export function yesNo(value: boolean): "yes" | "no" {
  return value ? "yes" : "no";
}
