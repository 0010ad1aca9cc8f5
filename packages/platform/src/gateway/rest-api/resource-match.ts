import type { MethodDoc, ResourceDoc } from "./model.js";

export interface ResourceMatch {
  resource: ResourceDoc;
  /** Decoded path parameters (`{proxy+}` holds the rest of the path, slashes included). */
  pathParameters: Record<string, string>;
}

interface Node {
  resource: ResourceDoc;
  literals: Map<string, Node>;
  variable?: { name: string; node: Node };
  greedy?: { name: string; node: Node };
}

/**
 * Finds resources for request paths with API Gateway's precedence: at each level a literal path
 * part wins over a `{param}`, which wins over a greedy `{proxy+}`; a branch that leads nowhere
 * falls back to the next kind. Built once per deployment snapshot.
 */
export class ResourceMatcher {
  private readonly root: Node;

  constructor(resources: Record<string, ResourceDoc>) {
    const nodes = new Map<string, Node>();
    for (const resource of Object.values(resources))
      nodes.set(resource.id, { resource, literals: new Map() });
    let root: Node | undefined;
    for (const node of nodes.values()) {
      const { parentId, pathPart } = node.resource;
      const parent = parentId === undefined ? undefined : nodes.get(parentId);
      if (!parent || pathPart === undefined) {
        root = node;
        continue;
      }
      if (pathPart.endsWith("+}")) parent.greedy = { name: pathPart.slice(1, -2), node };
      else if (pathPart.startsWith("{")) parent.variable = { name: pathPart.slice(1, -1), node };
      else parent.literals.set(pathPart, node);
    }
    if (!root) throw new Error("a REST API snapshot without a root resource");
    this.root = root;
  }

  /** The resource for a path below the stage (`/items/42`), or undefined. */
  match(path: string): ResourceMatch | undefined {
    const segments = path.split("/").filter((s) => s !== "");
    let decoded: string[];
    try {
      decoded = segments.map((s) => decodeURIComponent(s));
    } catch {
      return undefined;
    }
    return this.walk(this.root, decoded, 0, {});
  }

  private walk(
    node: Node,
    parts: string[],
    at: number,
    params: Record<string, string>,
  ): ResourceMatch | undefined {
    if (at === parts.length) return { resource: node.resource, pathParameters: params };
    const part = parts[at] ?? "";
    const literal = node.literals.get(part);
    if (literal) {
      const found = this.walk(literal, parts, at + 1, params);
      if (found) return found;
    }
    if (node.variable) {
      const found = this.walk(node.variable.node, parts, at + 1, { ...params, [node.variable.name]: part });
      if (found) return found;
    }
    if (node.greedy) {
      return {
        resource: node.greedy.node.resource,
        pathParameters: { ...params, [node.greedy.name]: parts.slice(at).join("/") },
      };
    }
    return undefined;
  }
}

/** The method for a request method on a resource: the exact method, else ANY. */
export function methodFor(resource: ResourceDoc, httpMethod: string): MethodDoc | undefined {
  return resource.methods[httpMethod] ?? resource.methods.ANY;
}
