import { describe, expect, it } from "vitest";
import { children, childText, parseXml, s3Document, toXml } from "./xml.js";

describe("S3 XML", () => {
  it("serializes ordered elements, lists by repetition, escaping text and skipping undefined", () => {
    expect(
      toXml([
        ["Key", "a<b>&\"c'"],
        ["Size", 3],
        ["IsTruncated", false],
        ["Skipped", undefined],
        ["CommonPrefixes", [["Prefix", "x/"]]],
        ["CommonPrefixes", [["Prefix", "y/"]]],
      ]),
    ).toBe(
      "<Key>a&lt;b&gt;&amp;&quot;c&apos;</Key><Size>3</Size><IsTruncated>false</IsTruncated>" +
        "<CommonPrefixes><Prefix>x/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>y/</Prefix></CommonPrefixes>",
    );
    expect(s3Document("ListBucketResult", [["Name", "b"]])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name></ListBucketResult>',
    );
  });

  it("parses request documents with declarations, namespaces, entities, CDATA and self-closing tags", () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<s3:Delete xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<!-- a comment --><Quiet>true</Quiet><Object><Key>a &amp; b&#x2F;&#47;</Key></Object>" +
        "<Object><Key><![CDATA[<raw>]]></Key><VersionId/></Object></s3:Delete>",
    );
    expect(doc.name).toBe("Delete");
    expect(childText(doc, "Quiet")).toBe("true");
    expect(children(doc, "Object").map((o) => childText(o, "Key"))).toEqual(["a & b//", "<raw>"]);
    expect(childText(children(doc, "Object")[1] ?? doc, "VersionId")).toBe("");
  });

  it("refuses documents that are not well-formed as MalformedXML", () => {
    for (const bad of ["", "<a>", "<a></b>", "<a/><b/>", "text<a/>", "<a><!-- open</a>", "<a x=1/>"]) {
      expect(() => parseXml(bad), bad).toThrow(expect.objectContaining({ awsName: "MalformedXML" }));
    }
  });
});
