import { s3Error } from "./errors.js";

/** Escapes text for an XML element or attribute. */
export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A value in S3's XML: text, a nested element list, or nothing (element skipped). */
export type XmlNode = string | number | boolean | undefined | readonly (readonly [string, XmlNode])[];
export type XmlChildren = (readonly [string, XmlNode])[];

/** Serializes ordered `[name, value]` pairs (repeat a name for lists). */
export function toXml(children: readonly (readonly [string, XmlNode])[]): string {
  let out = "";
  for (const [name, value] of children) {
    if (value === undefined) continue;
    const inner = typeof value === "object" ? toXml(value) : xmlEscape(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** A whole S3 response document with the S3 namespace on its root element. */
export function s3Document(root: string, children: XmlChildren): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${toXml(children)}</${root}>`;
}

/** One parsed element: its local name, children in order, and text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

/**
 * Parses the small request documents S3 takes (CompleteMultipartUpload, Delete,
 * CreateBucketConfiguration, NotificationConfiguration). Namespaces prefixes are dropped;
 * anything that is not well-formed is MalformedXML.
 */
export function parseXml(source: string): XmlElement {
  const root: XmlElement = { name: "#root", children: [], text: "" };
  const stack: XmlElement[] = [root];
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  let i = 0;
  while (i < source.length) {
    const lt = source.indexOf("<", i);
    const text = source.slice(i, lt === -1 ? source.length : lt);
    const top = stack[stack.length - 1] as XmlElement;
    if (text.length > 0) top.text += decodeEntities(text);
    if (lt === -1) break;
    if (source.startsWith("<?", lt)) {
      i = skipPast(source, lt, "?>");
      continue;
    }
    if (source.startsWith("<!--", lt)) {
      i = skipPast(source, lt, "-->");
      continue;
    }
    if (source.startsWith("<![CDATA[", lt)) {
      const end = skipPast(source, lt, "]]>");
      top.text += source.slice(lt + 9, end - 3);
      i = end;
      continue;
    }
    tag.lastIndex = lt;
    const m = tag.exec(source);
    if (!m) throw malformed();
    const [, closing, rawName = "", , selfClosing] = m;
    const name = rawName.includes(":") ? rawName.slice(rawName.indexOf(":") + 1) : rawName;
    if (closing) {
      if (stack.length < 2 || top.name !== name) throw malformed();
      stack.pop();
    } else {
      const element: XmlElement = { name, children: [], text: "" };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    }
    i = tag.lastIndex;
  }
  const [document] = root.children;
  if (stack.length !== 1 || root.children.length !== 1 || !document || root.text.trim() !== "") {
    throw malformed();
  }
  return document;
}

/** The first child named `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** Every child named `name`. */
export function children(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** Trimmed text of the child named `name`. */
export function childText(element: XmlElement, name: string): string | undefined {
  const found = child(element, name);
  return found === undefined ? undefined : found.text.trim();
}

function skipPast(source: string, from: number, end: string): number {
  const at = source.indexOf(end, from);
  if (at === -1) throw malformed();
  return at + end.length;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] ?? "";
  });
}

function malformed() {
  return s3Error(
    "malformedXml",
    "The XML you provided was not well-formed or did not validate against our published schema",
  );
}
