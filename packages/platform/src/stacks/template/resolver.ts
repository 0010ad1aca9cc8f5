import type { Template, TemplateValue } from "../model.js";
import { cidr } from "./cidr.js";
import { templateError } from "./errors.js";
import type { ParameterValue } from "./parameters.js";
import { NO_VALUE, type PseudoParameters, pseudoValue } from "./pseudo.js";
import { isObject } from "./structure.js";
import { parseSub } from "./sub.js";
import { attributeValue, canonical, intrinsicName, own, splitOnce, text, UNRESOLVED } from "./values.js";

export interface ResolverContext {
  template: Template;
  parameters: Record<string, ParameterValue>;
  conditions: Record<string, boolean>;
  pseudo: PseudoParameters;
  /** A resource's Ref value and attributes; undefined when it does not exist yet (-> UNRESOLVED). */
  resource(logicalId: string): { ref: string; attributes: Record<string, unknown> } | undefined;
  /** An export's value (Fn::ImportValue), undefined when no stack exports that name. */
  importValue(name: string): string | undefined;
  /** The template block being resolved, for error messages (default `Resources`). */
  block?: "Resources" | "Outputs" | "Conditions";
}

type Resolved = unknown;

/**
 * Evaluates intrinsic functions against a stack's parameters, conditions and resources.
 * A reference to a resource that does not exist yet yields the UNRESOLVED marker (in a string,
 * or as the whole value where no string can be built from it).
 */
export class Resolver {
  constructor(private readonly ctx: ResolverContext) {}

  /** The same resolver, naming `block` in its errors ("... in the Outputs block of the template"). */
  forBlock(block: "Resources" | "Outputs"): Resolver {
    const ctx = this.ctx;
    return new Resolver({
      template: ctx.template,
      parameters: ctx.parameters,
      conditions: ctx.conditions,
      pseudo: ctx.pseudo,
      resource: (logicalId) => ctx.resource(logicalId),
      importValue: (name) => ctx.importValue(name),
      block,
    });
  }

  /** Evaluates every intrinsic in `value`; AWS::NoValue removes the member / element. */
  resolve(value: TemplateValue | undefined): unknown {
    const result = this.eval(value);
    return result === NO_VALUE ? undefined : result;
  }

  /** A condition expression (Fn::Equals/And/Or/Not, `{ Condition: name }`) as a boolean. */
  condition(value: TemplateValue | undefined, lookup: (name: string) => boolean): boolean {
    if (isObject(value) && Object.keys(value).length === 1) {
      if (typeof value.Condition === "string") return lookup(value.Condition);
      const args = (name: string, min: number, max: number): TemplateValue[] => {
        const list = value[name];
        if (!Array.isArray(list) || list.length < min || list.length > max) {
          throw templateError.evaluation(
            min === max
              ? `every ${name} object requires ${min === 1 ? "one parameter" : `${min} parameters`}`
              : `every ${name} object requires between ${min} and ${max} parameters`,
          );
        }
        return list;
      };
      if ("Fn::Equals" in value) {
        const [a, b] = args("Fn::Equals", 2, 2).map((v) => canonical(this.eval(v)));
        return a === b;
      }
      if ("Fn::And" in value) return args("Fn::And", 2, 10).every((v) => this.condition(v, lookup));
      if ("Fn::Or" in value) return args("Fn::Or", 2, 10).some((v) => this.condition(v, lookup));
      if ("Fn::Not" in value) return !this.condition(args("Fn::Not", 1, 1)[0], lookup);
    }
    throw templateError.format(
      "Conditions can only be boolean operations on parameters and other conditions (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition)",
    );
  }

  private eval(value: TemplateValue | undefined): Resolved {
    if (value === undefined) return NO_VALUE;
    if (Array.isArray(value)) {
      return value.map((item) => this.eval(item)).filter((item) => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const fn = intrinsicName(value);
    if (fn !== undefined) return this.call(fn, value[fn] as TemplateValue);
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const resolved = this.eval(member);
      if (resolved !== NO_VALUE)
        Object.defineProperty(out, key, {
          value: resolved,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }

  private call(fn: string, arg: TemplateValue): Resolved {
    switch (fn) {
      case "Ref":
        return this.ref(arg);
      case "Fn::GetAtt":
        return this.getAtt(arg);
      case "Fn::Sub":
        return this.sub(arg);
      case "Fn::Join":
        return this.join(arg);
      case "Fn::Select":
        return this.select(arg);
      case "Fn::Split":
        return this.split(arg);
      case "Fn::If":
        return this.if(arg);
      case "Fn::FindInMap":
        return this.findInMap(arg);
      case "Fn::ImportValue":
        return this.importValue(arg);
      case "Fn::Base64":
        return this.base64(arg);
      case "Fn::GetAZs":
        return this.getAZs(arg);
      case "Fn::Cidr":
        return this.cidr(arg);
      case "Fn::Equals":
      case "Fn::And":
      case "Fn::Or":
      case "Fn::Not":
        return this.condition({ [fn]: arg }, (name) => this.conditionValue(name, "Fn::If"));
      default:
        throw templateError.format(`Encountered unsupported function: ${fn}`);
    }
  }

  private conditionValue(name: string, where: string): boolean {
    const value = own(this.ctx.conditions, name);
    if (value === undefined)
      throw templateError.evaluation(`unresolved condition dependency ${name} in ${where}`);
    return value;
  }

  /** The resource named, checked to be in the template with its Condition holding. */
  private visibleResource(id: string): boolean {
    const resource = own(this.ctx.template.Resources, id);
    if (resource === undefined) return false;
    const block = this.ctx.block ?? "Resources";
    if (block === "Conditions") {
      throw templateError.format(
        `Unresolved dependencies [${id}]. Cannot reference resources in the Conditions block of the template`,
      );
    }
    if (resource.Condition !== undefined && own(this.ctx.conditions, resource.Condition) !== true) {
      throw templateError.unresolved([id], block);
    }
    return true;
  }

  private ref(arg: TemplateValue): Resolved {
    const name = text(this.eval(arg));
    if (name === undefined) throw templateError.format("Every Ref object must have a single String value.");
    if (name.startsWith("AWS::")) {
      const pseudo = pseudoValue(name, this.ctx.pseudo);
      if (pseudo !== undefined) return pseudo;
    }
    const parameter = own(this.ctx.parameters, name);
    if (parameter !== undefined) return parameter;
    if (this.visibleResource(name)) return this.ctx.resource(name)?.ref ?? UNRESOLVED;
    throw templateError.unresolved([name], this.ctx.block ?? "Resources");
  }

  private getAtt(arg: TemplateValue): Resolved {
    const parts = typeof arg === "string" ? splitOnce(arg) : Array.isArray(arg) ? arg : undefined;
    const id = parts?.[0];
    const attribute = parts?.[1] === undefined ? undefined : text(this.eval(parts[1]));
    if (parts?.length !== 2 || typeof id !== "string" || attribute === undefined || attribute === "") {
      throw templateError.evaluation("every Fn::GetAtt object requires two non-empty parameters");
    }
    if (!this.visibleResource(id)) {
      throw templateError.evaluation(`instance of Fn::GetAtt references undefined resource ${id}`);
    }
    const resource = this.ctx.resource(id);
    if (resource === undefined) return UNRESOLVED;
    const value = attributeValue(resource.attributes, attribute);
    if (value === undefined) {
      throw templateError.evaluation(
        `resource ${id} does not support attribute type ${attribute} in Fn::GetAtt`,
      );
    }
    return value;
  }

  private sub(arg: TemplateValue): Resolved {
    let source: TemplateValue | undefined = arg;
    let variables: Record<string, Resolved> = {};
    if (Array.isArray(arg)) {
      const map = arg[1];
      if (arg.length !== 2 || !isObject(map)) {
        throw templateError.evaluation(
          "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string",
        );
      }
      source = arg[0];
      variables = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, this.eval(v)]));
    }
    const template = text(this.eval(source));
    if (template === undefined) {
      throw templateError.evaluation(
        "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string",
      );
    }
    let out = "";
    for (const part of parseSub(template)) {
      if ("text" in part) {
        out += part.text;
        continue;
      }
      const name = part.variable;
      let value: Resolved;
      if (Object.hasOwn(variables, name)) value = variables[name];
      else if (
        !name.startsWith("AWS::") &&
        name.includes(".") &&
        own(this.ctx.parameters, name) === undefined
      ) {
        const [id, attribute] = splitOnce(name);
        if (own(this.ctx.template.Resources, id) === undefined) {
          throw templateError.unresolved([id], this.ctx.block ?? "Resources");
        }
        value = this.getAtt([id, attribute]);
      } else value = this.ref(name);
      const piece = text(value);
      if (piece === undefined) {
        throw templateError.evaluation(`variable ${name} in Fn::Sub expression does not resolve to a string`);
      }
      out += piece;
    }
    return out;
  }

  private join(arg: TemplateValue): Resolved {
    const message =
      "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.";
    if (!Array.isArray(arg) || arg.length !== 2) throw templateError.evaluation(message);
    const delimiter = text(this.eval(arg[0]));
    const list = this.eval(arg[1]);
    if (list === UNRESOLVED) return UNRESOLVED;
    if (delimiter === undefined || !Array.isArray(list)) throw templateError.evaluation(message);
    return list
      .map((item) => {
        const piece = text(item);
        if (piece === undefined) throw templateError.evaluation(message);
        return piece;
      })
      .join(delimiter);
  }

  private select(arg: TemplateValue): Resolved {
    if (!Array.isArray(arg) || arg.length !== 2) {
      throw templateError.evaluation(
        "Fn::Select requires a list argument with two elements: an integer index and a list",
      );
    }
    const indexText = text(this.eval(arg[0]));
    const list = this.eval(arg[1]);
    if (list === UNRESOLVED) return UNRESOLVED;
    const index = indexText === undefined || !/^\d+$/.test(indexText.trim()) ? Number.NaN : Number(indexText);
    if (Number.isNaN(index) || !Array.isArray(list)) {
      throw templateError.evaluation(
        "Fn::Select requires a list argument with two elements: an integer index and a list",
      );
    }
    if (index >= list.length)
      throw templateError.evaluation(`Fn::Select cannot select nonexistent value at index ${index}`);
    return list[index];
  }

  private split(arg: TemplateValue): Resolved {
    const message =
      "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.";
    if (!Array.isArray(arg) || arg.length !== 2) throw templateError.evaluation(message);
    const delimiter = text(this.eval(arg[0]));
    const source = text(this.eval(arg[1]));
    if (delimiter === undefined || delimiter === "" || source === undefined)
      throw templateError.evaluation(message);
    if (source.includes(UNRESOLVED)) return UNRESOLVED;
    return source.split(delimiter);
  }

  private if(arg: TemplateValue): Resolved {
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== "string") {
      throw templateError.evaluation("Fn::If requires a list argument with three elements");
    }
    return this.eval(this.conditionValue(arg[0], "Fn::If") ? arg[1] : arg[2]);
  }

  private findInMap(arg: TemplateValue): Resolved {
    if (Array.isArray(arg) && arg.length === 4) {
      throw templateError.unsupported("Fn::FindInMap with a DefaultValue (AWS::LanguageExtensions)");
    }
    if (!Array.isArray(arg) || arg.length !== 3) {
      throw templateError.evaluation("Fn::FindInMap requires a list argument with three elements");
    }
    const [map, top, second] = arg.map((part) => text(this.eval(part)));
    if (map === undefined || top === undefined || second === undefined) {
      throw templateError.evaluation("Fn::FindInMap requires a list argument with three elements");
    }
    const mapping = own(this.ctx.template.Mappings, map);
    if (mapping === undefined)
      throw templateError.evaluation(
        `Mapping named '${map}' is not present in the 'Mappings' section of template.`,
      );
    const level = Object.hasOwn(mapping, top) ? mapping[top] : undefined;
    const value = level !== undefined && Object.hasOwn(level, second) ? level[second] : undefined;
    if (value === undefined)
      throw templateError.evaluation(`Unable to get mapping for ${map}::${top}::${second}`);
    return value;
  }

  private importValue(arg: TemplateValue): Resolved {
    const name = text(this.eval(arg));
    if (name === undefined) throw templateError.evaluation("Fn::ImportValue requires a string argument");
    if (name.includes(UNRESOLVED)) return UNRESOLVED;
    const value = this.ctx.importValue(name);
    if (value === undefined) throw templateError.exportNotFound(name);
    return value;
  }

  private base64(arg: TemplateValue): Resolved {
    const value = text(this.eval(arg));
    if (value === undefined) throw templateError.evaluation("Fn::Base64 requires a string argument");
    if (value.includes(UNRESOLVED)) return UNRESOLVED;
    return Buffer.from(value, "utf8").toString("base64");
  }

  /**
   * Nimbus has no availability zones; it answers three for the region (`<region>a`, `b`, `c`),
   * the shape most templates select from.
   */
  private getAZs(arg: TemplateValue): Resolved {
    const region = text(this.eval(arg ?? ""));
    if (region === undefined) throw templateError.evaluation("Fn::GetAZs requires a string argument");
    const name = region === "" ? this.ctx.pseudo.region : region;
    return [`${name}a`, `${name}b`, `${name}c`];
  }

  private cidr(arg: TemplateValue): Resolved {
    if (!Array.isArray(arg) || arg.length !== 3) {
      throw templateError.evaluation(
        "Fn::Cidr requires a list argument with three elements: ipBlock, count, cidrBits",
      );
    }
    const [block, count, bits] = arg.map((part) => text(this.eval(part)));
    if (block === undefined || count === undefined || bits === undefined) {
      throw templateError.evaluation(
        "Fn::Cidr requires a list argument with three elements: ipBlock, count, cidrBits",
      );
    }
    if (block.includes(UNRESOLVED)) return UNRESOLVED;
    return cidr(block, Number(count), Number(bits));
  }
}
