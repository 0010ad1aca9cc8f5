import { describe, expect, it } from "vitest";
import { escapeJavaScript, jsonPath, renderTemplate, type TemplateInput } from "./mapping-template.js";

const input = (body: string, extra: Partial<TemplateInput> = {}): TemplateInput => ({
  body,
  params: { path: { id: "42" }, querystring: { q: "x y" }, header: { "X-Trace": "t1" } },
  context: { requestId: "r-1", stage: "prod", authorizer: { principalId: "user-1" } },
  stageVariables: { env: "test" },
  ...extra,
});

describe("renderTemplate", () => {
  it("reads $input.json, $input.path and $input.body", () => {
    const out = renderTemplate(
      '{"item": $input.json(\'$.item\'), "name": "$input.path(\'$.item.name\')", "raw": "$util.escapeJavaScript($input.body)"}',
      input('{"item":{"name":"pen","n":2}}'),
    );
    expect(JSON.parse(out)).toEqual({
      item: { name: "pen", n: 2 },
      name: "pen",
      raw: '{"item":{"name":"pen","n":2}}',
    });
  });

  it("reads params by name (path, then query, then header) and all of them", () => {
    const out = renderTemplate(
      "$input.params('id') $input.params('q') $input.params('x-trace') [$input.params('none')] #foreach($k in $input.params().querystring.keySet())$k=$input.params().querystring.get($k)#end",
      input(""),
    );
    expect(out).toBe("42 x y t1 [] q=x y");
  });

  it("exposes $context, $stageVariables and treats missing references as empty", () => {
    expect(
      renderTemplate(
        "$context.requestId/$context.stage/$context.authorizer.principalId/$stageVariables.env/[$stageVariables.nope]",
        input(""),
      ),
    ).toBe("r-1/prod/user-1/test/[]");
  });

  it("runs #set, #if/#else and #foreach with $foreach.hasNext", () => {
    const template = `#set($items = $input.path('$.items'))[#foreach($i in $items){"n":$i.n}#if($foreach.hasNext),#end#end]#if($items.size() > 1) many#{else} few#end`;
    expect(renderTemplate(template, input('{"items":[{"n":1},{"n":2}]}'))).toBe('[{"n":1},{"n":2}] many');
  });

  it("offers the $util helpers", () => {
    const out = renderTemplate(
      "$util.urlEncode('a b&c') $util.urlDecode('a+b%26c') $util.base64Encode('hi') $util.base64Decode('aGk=') $util.parseJson('{\"k\":5}').k",
      input(""),
    );
    expect(out).toBe("a+b%26c a b&c aGk= hi 5");
  });

  it("refuses a template that does not parse", () => {
    expect(() => renderTemplate("#if(", input(""))).toThrow(/Invalid mapping template/);
  });
});

describe("jsonPath", () => {
  const doc = { a: { b: [10, { c: "x" }] }, "sp ace": 1, list: [{ n: 1 }, { n: 2 }] };
  it("follows dots, indexes, quoted names and wildcards", () => {
    expect(jsonPath(doc, "$")).toBe(doc);
    expect(jsonPath(doc, "$.a.b[0]")).toBe(10);
    expect(jsonPath(doc, "$.a.b[1].c")).toBe("x");
    expect(jsonPath(doc, "$['sp ace']")).toBe(1);
    expect(jsonPath(doc, "$.list[*].n")).toEqual([1, 2]);
    expect(jsonPath(doc, "$.missing.deeper")).toBeUndefined();
  });
  it("rejects expressions outside the subset", () => {
    expect(() => jsonPath(doc, "a.b")).toThrow();
    expect(() => jsonPath(doc, "$..n")).toThrow();
  });
});

describe("escapeJavaScript", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect(escapeJavaScript("a\"b'c\\d\ne")).toBe("a\\\"b\\'c\\\\d\\ne");
  });
});
