import { crc32, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { inlineArchive, zipOne } from "./function-code.js";

/** Reads the single entry of a zip the way an unzipper does: from the central directory. */
function readSingleEntry(zip: Buffer): { name: string; content: Buffer; crc: number; mode: number } {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  expect(zip.readUInt16LE(end + 10)).toBe(1);
  const central = zip.readUInt32LE(end + 16);
  expect(zip.readUInt32LE(central)).toBe(0x02014b50);
  const nameLength = zip.readUInt16LE(central + 28);
  const name = zip.subarray(central + 46, central + 46 + nameLength).toString("utf8");
  const local = zip.readUInt32LE(central + 42);
  expect(zip.readUInt32LE(local)).toBe(0x04034b50);
  const compressed = zip.readUInt32LE(local + 18);
  const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const content = inflateRawSync(zip.subarray(dataStart, dataStart + compressed));
  expect(content.length).toBe(zip.readUInt32LE(central + 24));
  return { name, content, crc: zip.readUInt32LE(central + 16), mode: zip.readUInt32LE(central + 38) >>> 16 };
}

describe("inline function source (Code.ZipFile)", () => {
  it("stores Node.js source as index.js in a valid zip", () => {
    const source = "exports.handler = async () => 'é';";
    const entry = readSingleEntry(inlineArchive("T", source, "nodejs20.x"));
    expect(entry.name).toBe("index.js");
    expect(entry.content.toString("utf8")).toBe(source);
    expect(entry.crc).toBe(crc32(Buffer.from(source, "utf8")));
    expect(entry.mode).toBe(0o100644);
  });

  it("stores Python source as index.py", () => {
    expect(readSingleEntry(inlineArchive("T", "def handler(e, c):\n  return 1\n", "python3.12")).name).toBe(
      "index.py",
    );
  });

  it("builds the same bytes for the same source, so an unchanged template keeps its CodeSha256", () => {
    expect(zipOne("index.js", Buffer.from("x")).equals(zipOne("index.js", Buffer.from("x")))).toBe(true);
  });

  it("refuses runtimes AWS does not pack inline source for", () => {
    expect(() => inlineArchive("AWS::Lambda::Function", "x", "provided.al2023")).toThrow(/Code\.ZipFile/);
    expect(() => inlineArchive("AWS::Lambda::Function", "x", undefined)).toThrow(/Code\.ZipFile/);
  });
});
