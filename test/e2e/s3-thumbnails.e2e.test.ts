import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { CreateFunctionCommand, PublishLayerVersionCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { clientConfig, ROLE, startNimbus, type TestNimbus } from "../support/nimbus.js";
import { zipDirectory } from "../support/zip.js";

const NODE_MODULES = resolve(import.meta.dirname, "../../node_modules");
/** sharp and what it loads at run time (its prebuilt binary and libvips for linux-x64). */
const SHARP_PACKAGES = [
  "sharp",
  "@img/colour",
  "@img/sharp-linux-x64",
  "@img/sharp-libvips-linux-x64",
  "detect-libc",
  "semver",
];

/** A Lambda layer zip with the packages under nodejs/node_modules, as Lambda users build one. */
function sharpLayer(): Promise<Buffer> {
  const zip = new ZipFile();
  for (const name of SHARP_PACKAGES) {
    const root = join(NODE_MODULES, name);
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir).sort()) {
        const full = join(dir, entry);
        const stat = statSync(full);
        if (stat.isDirectory()) walk(full);
        else
          zip.addBuffer(readFileSync(full), `nodejs/node_modules/${name}/${relative(root, full)}`, {
            mode: stat.mode,
          });
      }
    };
    walk(root);
  }
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolvePromise(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
    zip.end();
  });
}

describe("walkthrough: image thumbnails", () => {
  let nimbus: TestNimbus;
  let s3: S3Client;

  beforeAll(async () => {
    nimbus = await startNimbus();
    s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
  });

  afterAll(async () => {
    s3?.destroy();
    await nimbus?.stop();
  });

  it("an uploaded image becomes a 100 px thumbnail in the second bucket, with the original's metadata", async () => {
    const layer = await nimbus.lambda.send(
      new PublishLayerVersionCommand({
        LayerName: "sharp",
        Content: { ZipFile: await sharpLayer() },
        CompatibleRuntimes: ["nodejs20.x"],
      }),
    );
    await nimbus.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "thumbnailer",
        Runtime: "nodejs20.x",
        Handler: "index.handler",
        Role: ROLE,
        // The walkthrough's function, as examples/thumbnails deploys it.
        Code: { ZipFile: await zipDirectory(resolve(import.meta.dirname, "../../examples/thumbnails/src")) },
        Layers: [layer.LayerVersionArn ?? ""],
        Timeout: 30,
        MemorySize: 512,
        Environment: { Variables: { THUMBNAIL_BUCKET: "photos-thumbnails" } },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: "photos" }));
    await s3.send(new CreateBucketCommand({ Bucket: "photos-thumbnails" }));
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "photos",
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "make-thumbnail",
              LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:thumbnailer",
              Events: ["s3:ObjectCreated:*"],
              Filter: { Key: { FilterRules: [{ Name: "suffix", Value: ".png" }] } },
            },
          ],
        },
      }),
    );

    const original = await sharp({
      create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 40, b: 90 } },
    })
      .png()
      .toBuffer();
    await s3.send(
      new PutObjectCommand({
        Bucket: "photos",
        Key: "holiday/beach day.png",
        Body: original,
        ContentType: "image/png",
      }),
    );

    let thumbnail: Buffer | undefined;
    let metadata: Record<string, string> | undefined;
    let contentType: string | undefined;
    for (let i = 0; i < 300 && !thumbnail; i++) {
      try {
        const got = await s3.send(
          new GetObjectCommand({ Bucket: "photos-thumbnails", Key: "thumbnails/holiday/beach day.png" }),
        );
        thumbnail = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        metadata = got.Metadata;
        contentType = got.ContentType;
      } catch (error) {
        if ((error as { name?: string }).name !== "NoSuchKey") throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    if (!thumbnail) throw new Error("no thumbnail appeared");
    const info = await sharp(thumbnail).metadata();
    expect([info.width, info.height, info.format]).toEqual([100, 75, "png"]);
    expect(contentType).toBe("image/png");
    expect(metadata).toEqual({
      "source-bucket": "photos",
      "source-key": "holiday/beach day.png",
      "original-width": "640",
      "original-height": "480",
      "original-format": "png",
      "original-size": String(original.length),
    });
  });
});
