import { describe, expect, it } from "vitest";
import { RestRouter } from "./rest-router.js";

const ok = async () => ({ status: 200 });

describe("RestRouter", () => {
  const router = new RestRouter()
    .add("GET", "/2015-03-31/functions", ok)
    .add("GET", "/2015-03-31/functions/{FunctionName}", ok)
    .add("POST", "/2015-03-31/functions/{FunctionName}/invocations", ok);

  it("matches method and literal segments", () => {
    expect(router.match("GET", "/2015-03-31/functions")).toBeDefined();
    expect(router.match("POST", "/2015-03-31/functions")).toBeUndefined();
    expect(router.match("GET", "/2015-03-31/other")).toBeUndefined();
  });

  it("decodes each label on its own, so ARNs and $LATEST arrive intact", () => {
    const m = router.match(
      "POST",
      "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A%24LATEST/invocations",
    );
    expect(m?.params.FunctionName).toBe("arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST");
  });

  it("does not let an encoded slash split a label into segments", () => {
    const m = router.match("GET", "/2015-03-31/functions/a%2Fb");
    expect(m?.params.FunctionName).toBe("a/b");
  });

  it("refuses malformed percent-encoding instead of throwing", () => {
    expect(router.match("GET", "/2015-03-31/functions/%E0%A4%A")).toBeUndefined();
  });
});
