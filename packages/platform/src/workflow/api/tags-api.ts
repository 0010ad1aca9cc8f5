import { awsError } from "../../aws/aws-errors.js";
import type { JsonOperation } from "../../aws/json-rpc.js";
import { WireReader } from "../../aws/wire-validation.js";
import type { TagMap, TagService } from "../service/tag-service.js";

/**
 * What the API reference says tags may hold: "Unicode letters, digits, white space, or these
 * symbols: _ . : / = + - @". The model itself only gives lengths (key 1-128, value 0-256); we
 * refuse other characters as documented (whether AWS checks them is not documented).
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}\s_.:/=+\-@]*$/u;

function need(reader: WireReader, member: string, value: unknown): void {
  if (value === undefined || value === null) reader.fail("null", member, "Member must not be null");
}

function text(reader: WireReader, member: string, value: unknown, max: number, min: number): string {
  if (typeof value !== "string") throw awsError.serialization(`Member ${member} must be a string.`);
  if (value.length < min)
    reader.fail(value, member, `Member must have length greater than or equal to ${min}`);
  else if (value.length > max)
    reader.fail(value, member, `Member must have length less than or equal to ${max}`);
  else if (!TAG_TEXT.test(value))
    reader.fail(value, member, `Member must satisfy regular expression pattern: ${TAG_TEXT.source}`);
  return value;
}

/**
 * The wire `tags: [{key, value}]` as a map (a key given twice keeps its last value), or
 * undefined when absent. Constraint failures are recorded on `reader` (thrown by its `done()`);
 * a member of the wrong JSON type is a SerializationException at once.
 */
export function readTags(reader: WireReader, input: Record<string, unknown>): TagMap | undefined {
  const raw = input.tags;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw awsError.serialization("Member tags must be a list.");
  const tags: TagMap = {};
  raw.forEach((item: unknown, i) => {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      throw awsError.serialization(`Member tags.${i + 1} must be a structure.`);
    const { key, value } = item as { key?: unknown; value?: unknown };
    const at = `tags.${i + 1}.member`;
    need(reader, `${at}.key`, key);
    if (key === undefined || key === null) return;
    // The model does not require a value; a tag without one is stored with an empty value.
    const k = text(reader, `${at}.key`, key, 128, 1);
    tags[k] = value === undefined || value === null ? "" : text(reader, `${at}.value`, value, 256, 0);
  });
  return tags;
}

/**
 * `{key, value}` list as ListTagsForResource answers it: in the order the keys were first set,
 * except that digit-only keys come first (a JS object's key order; AWS documents no order).
 */
export function wireTags(tags: TagMap): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function resourceArn(reader: WireReader): string {
  const arn = reader.string("resourceArn", { min: 1, max: 256 });
  need(reader, "resourceArn", arn);
  return arn ?? "";
}

/** TagResource, UntagResource and ListTagsForResource. */
export function tagOperations(tags: TagService): Record<string, JsonOperation> {
  return {
    async TagResource(input) {
      const r = new WireReader(input);
      const arn = resourceArn(r);
      const added = readTags(r, input);
      need(r, "tags", added);
      r.done();
      await tags.tag(arn, added ?? {});
      return {};
    },
    async UntagResource(input) {
      const r = new WireReader(input);
      const arn = resourceArn(r);
      const keys = r.stringList("tagKeys");
      need(r, "tagKeys", keys);
      (keys ?? []).forEach((key, i) => {
        if (key.length < 1 || key.length > 128)
          r.fail(
            key,
            `tagKeys.${i + 1}.member`,
            key.length < 1
              ? "Member must have length greater than or equal to 1"
              : "Member must have length less than or equal to 128",
          );
      });
      r.done();
      await tags.untag(arn, keys ?? []);
      return {};
    },
    async ListTagsForResource(input) {
      const r = new WireReader(input);
      const arn = resourceArn(r);
      r.done();
      return { tags: wireTags(await tags.list(arn)) };
    },
  };
}
