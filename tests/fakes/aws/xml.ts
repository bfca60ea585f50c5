/** Builds XML the way AWS services write it: elements only, text escaped, empty and undefined values left out. */
export type XmlValue = string | number | boolean | undefined | null | XmlNode | XmlNode[];
export interface XmlNode {
  [element: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Serializes `{ Name: value }` pairs in order; an array of nodes becomes consecutive elements. */
export function xml(node: XmlNode): string {
  let out = "";
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      out += `<${name}>${value.map((item) => xml(item)).join("")}</${name}>`;
    } else if (typeof value === "object") {
      out += `<${name}>${xml(value)}</${name}>`;
    } else {
      out += `<${name}>${escapeXml(String(value))}</${name}>`;
    }
  }
  return out;
}

/** A document whose root element carries the service namespace. */
export function xmlDocument(root: string, namespace: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${namespace}">${body}</${root}>`;
}

/** Wraps each item as `<member>…</member>` content: for `{ List: members("member", items) }`. */
export function members(element: string, items: XmlValue[]): XmlNode[] {
  return items.map((item) => ({ [element]: item }));
}
