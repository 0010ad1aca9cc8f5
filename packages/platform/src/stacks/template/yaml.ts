import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Tags,
} from "yaml";
import type { TemplateValue } from "../model.js";
import { templateError } from "./errors.js";

/** Short-form tags and the long form each becomes (`!Ref x` -> `{ Ref: x }`). */
const SHORT_FORMS: Record<string, string> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  "!GetAtt": "Fn::GetAtt",
  "!Sub": "Fn::Sub",
  "!Join": "Fn::Join",
  "!If": "Fn::If",
  "!Select": "Fn::Select",
  "!Split": "Fn::Split",
  "!FindInMap": "Fn::FindInMap",
  "!ImportValue": "Fn::ImportValue",
  "!Base64": "Fn::Base64",
  "!GetAZs": "Fn::GetAZs",
  "!Cidr": "Fn::Cidr",
  "!Equals": "Fn::Equals",
  "!And": "Fn::And",
  "!Or": "Fn::Or",
  "!Not": "Fn::Not",
  "!Transform": "Fn::Transform",
};

/**
 * The tags are registered only so that `yaml` accepts them on scalars, sequences and maps; the
 * conversion to long forms happens in `toValue`, which sees each node's tag.
 */
const CUSTOM_TAGS: Tags = Object.keys(SHORT_FORMS).flatMap((tag) => [
  { tag, resolve: (source: string) => source },
  { tag, collection: "seq" as const, resolve: (node: unknown) => node as Node },
  { tag, collection: "map" as const, resolve: (node: unknown) => node as Node },
]);

/**
 * A YAML template as plain JSON values with the short forms turned into their long forms.
 * YAML 1.2 core schema: `2010-09-09` and `yes`/`no` stay strings (CloudFormation treats them so);
 * numbers stay numbers, except integers written with a leading zero (`012345678901`, an account
 * id), which keep their text: CloudFormation's own YAML reading of those is uncertain, and
 * dropping the zero would silently change an id.
 */
export function parseYaml(body: string, options: YamlOptions = {}): TemplateValue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, {
    schema: "core",
    customTags: CUSTOM_TAGS,
    uniqueKeys: options.onDuplicateKey === undefined,
    lineCounter,
  });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = first.linePos?.[0];
    const where = pos === undefined ? "" : ` (line ${pos.line}, column ${pos.col})`;
    const detail = first.code === "DUPLICATE_KEY" ? "duplicate map key" : first.message.split("\n")[0];
    throw templateError.format(`YAML not well-formed. ${detail}${where}`);
  }
  const report = options.onDuplicateKey;
  const onDuplicate =
    report === undefined
      ? undefined
      : (key: string, node: Node) => report(key, lineCounter.linePos(node.range?.[0] ?? 0).line);
  return toValue(doc, doc.contents as Node | null, new Set(), onDuplicate);
}

export interface YamlOptions {
  /**
   * Accept a key written twice in one map, the last value winning (what PyYAML, and so
   * `sam deploy` and `aws cloudformation package`, do when they re-write a template), and report
   * each such key with its line. Without it a duplicate key is a template format error, as the
   * CloudFormation API answers.
   */
  onDuplicateKey?: (key: string, line: number) => void;
}

function toValue(
  doc: Document,
  node: Node | null,
  aliasing: Set<Node>,
  onDuplicate?: (key: string, node: Node) => void,
): TemplateValue {
  if (node === null) return null;
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (target === undefined || aliasing.has(target)) {
      throw templateError.format(`YAML not well-formed. Unresolvable alias *${node.source}`);
    }
    aliasing.add(target);
    try {
      return toValue(doc, target, aliasing, onDuplicate);
    } finally {
      aliasing.delete(target);
    }
  }
  const tag = node.tag;
  const value = plain(doc, node, aliasing, onDuplicate);
  if (tag === undefined || tag.startsWith("tag:yaml.org,2002:")) return value;
  const long = SHORT_FORMS[tag];
  if (long === undefined) throw templateError.format(`Unsupported YAML tag ${tag}`);
  if (long === "Fn::GetAtt" && typeof value === "string") return { [long]: splitGetAtt(value) };
  return { [long]: value };
}

function plain(
  doc: Document,
  node: Node,
  aliasing: Set<Node>,
  onDuplicate: ((key: string, node: Node) => void) | undefined,
): TemplateValue {
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (typeof v === "number") {
      const source = node.source;
      if (typeof source === "string" && /^[-+]?0[0-9]+$/.test(source)) return source;
      return v;
    }
    return String(v);
  }
  if (isSeq(node)) return node.items.map((item) => toValue(doc, item as Node | null, aliasing, onDuplicate));
  if (isMap(node)) {
    const out: { [key: string]: TemplateValue } = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      if (
        !isScalar(keyNode) ||
        (keyNode.tag !== undefined && !keyNode.tag.startsWith("tag:yaml.org,2002:"))
      ) {
        throw templateError.format("YAML not well-formed. Map keys must be plain scalars");
      }
      // A key is its text as written: `012345678901:` keeps its zero, `1.10:` its last digit.
      const key =
        typeof keyNode.value === "string" ? keyNode.value : (keyNode.source ?? String(keyNode.value ?? ""));
      if (Object.hasOwn(out, key)) {
        if (onDuplicate === undefined)
          throw templateError.format(`YAML not well-formed. duplicate map key ${key}`);
        onDuplicate(key, keyNode);
      }
      Object.defineProperty(out, key, {
        value: toValue(doc, pair.value as Node | null, aliasing, onDuplicate),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  throw templateError.format("YAML not well-formed.");
}

/** `A.B.C` -> `["A", "B.C"]` (the attribute may itself hold dots: `Outputs.Name`). */
export function splitGetAtt(value: string): [string, string] {
  const dot = value.indexOf(".");
  if (dot <= 0 || dot === value.length - 1) {
    throw templateError.evaluation("every Fn::GetAtt object requires two non-empty parameters");
  }
  return [value.slice(0, dot), value.slice(dot + 1)];
}
