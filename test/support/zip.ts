import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ZipFile } from "yazl";

/** Zips a folder the way `zip -r` would (keeping the executable bit), into memory. */
export function zipDirectory(dir: string): Promise<Buffer> {
  const zip = new ZipFile();
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else zip.addBuffer(readFileSync(full), relative(dir, full), { mode: stat.mode });
    }
  };
  walk(dir);
  return finish(zip);
}

/** Zips in-memory files: `{ "index.js": "exports.handler = ..." }`. */
export function zipFiles(files: Record<string, string | { content: string; mode: number }>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, file] of Object.entries(files)) {
    if (typeof file === "string") zip.addBuffer(Buffer.from(file), name, { mode: 0o100644 });
    else zip.addBuffer(Buffer.from(file.content), name, { mode: 0o100000 | file.mode });
  }
  return finish(zip);
}

function finish(zip: ZipFile): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
    zip.end();
  });
}
