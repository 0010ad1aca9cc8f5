import { createHash, createHmac } from "node:crypto";
import { Agent } from "node:http";
import { Readable } from "node:stream";
import { Sha256 } from "@aws-crypto/sha256-js";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientConfig, startNimbus, type TestNimbus } from "../support/nimbus.js";

const MiB = 1024 * 1024;

/** `size` bytes of a repeating pattern, generated as they are read. */
function generated(size: number): Readable {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const n = Math.min(block.length, size - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<{ hex: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hex: hash.digest("hex"), size };
}

describe("streamed objects and addressing", () => {
  let nimbus: TestNimbus;
  let s3: S3Client;

  beforeAll(async () => {
    nimbus = await startNimbus();
    s3 = new S3Client({ ...clientConfig(nimbus.url), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "stream" }));
  });

  afterAll(async () => {
    s3?.destroy();
    await nimbus?.stop();
  });

  it("streams a 200 MB object in (aws-chunked) and out without holding it in memory", async () => {
    const size = 200 * MiB;
    const expected = await sha256Of(generated(size));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: "stream",
          Key: "huge.bin",
          Body: generated(size),
          ContentLength: size,
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: "stream", Key: "huge.bin" }));
      expect(got.ContentLength).toBe(size);
      const read = await sha256Of(got.Body as AsyncIterable<Uint8Array>);
      expect(read).toEqual(expected);
    } finally {
      clearInterval(sampler);
    }
    // Server and client share this process: neither may have buffered the object.
    expect(peak - baseline).toBeLessThan(100 * MiB);
    const range = await s3.send(
      new GetObjectCommand({ Bucket: "stream", Key: "huge.bin", Range: `bytes=${size - 10}-` }),
    );
    expect((await range.Body?.transformToByteArray())?.length).toBe(10);
  });

  it("answers virtual-hosted-style requests (bucket.localhost)", async () => {
    // *.localhost does not resolve everywhere: send every name to the server's address.
    const agent = new Agent({
      keepAlive: true,
      lookup: (_host, options, callback) => {
        if ((options as { all?: boolean }).all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
        else (callback as (e: null, a: string, f: number) => void)(null, "127.0.0.1", 4);
      },
    });
    const vhost = new S3Client({
      ...clientConfig(`http://localhost:${nimbus.server.port}`),
      forcePathStyle: false,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    try {
      await vhost.send(new CreateBucketCommand({ Bucket: "virtual" }));
      await vhost.send(new PutObjectCommand({ Bucket: "virtual", Key: "dir/v.txt", Body: "virtual hosted" }));
      const got = await vhost.send(new GetObjectCommand({ Bucket: "virtual", Key: "dir/v.txt" }));
      expect(await got.Body?.transformToString()).toBe("virtual hosted");
      const listed = await vhost.send(new ListObjectsV2Command({ Bucket: "virtual" }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(["dir/v.txt"]);
      // The same object through path style.
      expect(
        (await s3.send(new HeadObjectCommand({ Bucket: "virtual", Key: "dir/v.txt" }))).ContentLength,
      ).toBe(14);
    } finally {
      vhost.destroy();
      agent.destroy();
    }
  });
});

describe("signatures with auth on", () => {
  let nimbus: TestNimbus;
  let s3: S3Client;
  const credentials = { accessKeyId: "AKIDNIMBUS", secretAccessKey: "nimbus-secret" };

  beforeAll(async () => {
    nimbus = await startNimbus({ config: { auth: { enabled: true, credentials: [credentials] } } });
    s3 = new S3Client({ ...clientConfig(nimbus.url), credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: "signed" }));
  });

  afterAll(async () => {
    s3?.destroy();
    await nimbus?.stop();
  });

  const signer = () =>
    new SignatureV4({
      credentials,
      region: "us-east-1",
      service: "s3",
      sha256: Sha256,
      uriEscapePath: false,
    });
  const url = new URL("http://x");

  function request(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
    const u = new URL(nimbus.url);
    url.href = nimbus.url;
    return {
      method,
      protocol: "http:",
      hostname: u.hostname,
      port: Number(u.port),
      path,
      query: {},
      headers: { host: u.host, ...headers },
      body,
    };
  }

  it("accepts the SDK's signed streaming uploads and refuses a wrong secret", async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: "signed",
        Key: "stream.bin",
        Body: generated(3 * MiB),
        ContentLength: 3 * MiB,
      }),
    );
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: "signed", Key: "stream.bin" }))).ContentLength,
    ).toBe(3 * MiB);
    const wrong = new S3Client({
      ...clientConfig(nimbus.url),
      credentials: { ...credentials, secretAccessKey: "wrong" },
      forcePathStyle: true,
    });
    try {
      const error = (await wrong
        .send(new PutObjectCommand({ Bucket: "signed", Key: "x", Body: "x" }))
        .catch((e) => e)) as S3ServiceException;
      expect(error.name).toBe("SignatureDoesNotMatch");
      expect(error.$metadata.httpStatusCode).toBe(403);
    } finally {
      wrong.destroy();
    }
    const anonymous = await fetch(`${nimbus.url}/signed/stream.bin`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain("<Code>AccessDenied</Code>");
  });

  it("refuses a body whose SHA-256 differs from x-amz-content-sha256 and keeps nothing", async () => {
    const declared = createHash("sha256").update("the declared body").digest("hex");
    const signed = await signer().sign(
      request("PUT", "/signed/tampered", { "x-amz-content-sha256": declared }, "another body"),
    );
    const res = await fetch(`${nimbus.url}/signed/tampered`, {
      method: "PUT",
      headers: signed.headers,
      body: "another body",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: "signed", Key: "tampered" }))
      .catch((e: S3ServiceException) => e);
    expect((head as S3ServiceException).$metadata.httpStatusCode).toBe(404);
  });

  /** A STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, chunk signatures computed as the spec says. */
  async function chunkedUpload(key: string, chunks: Buffer[], tamper = false): Promise<Response> {
    const framed = (sigs: string[]) =>
      Buffer.concat([
        ...chunks.flatMap((c, i) => [
          Buffer.from(`${c.length.toString(16)};chunk-signature=${sigs[i]}\r\n`),
          c,
          Buffer.from("\r\n"),
        ]),
        Buffer.from(`0;chunk-signature=${sigs[chunks.length]}\r\n\r\n`),
      ]);
    const signed = await signer().sign(
      request("PUT", `/signed/${key}`, {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": String(chunks.reduce((n, c) => n + c.length, 0)),
      }),
    );
    const headers = signed.headers as Record<string, string>;
    const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization ?? "")?.[1] ?? "";
    const amzDate = headers["x-amz-date"] ?? "";
    const date = amzDate.slice(0, 8);
    let key_ = Buffer.from(`AWS4${credentials.secretAccessKey}`);
    for (const part of [date, "us-east-1", "s3", "aws4_request"])
      key_ = createHmac("sha256", key_).update(part).digest();
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const sigs: string[] = [];
    let previous = seed;
    for (const chunk of [...chunks, Buffer.alloc(0)]) {
      const stringToSign = [
        "AWS4-HMAC-SHA256-PAYLOAD",
        amzDate,
        `${date}/us-east-1/s3/aws4_request`,
        previous,
        sha(Buffer.alloc(0)),
        sha(chunk),
      ].join("\n");
      previous = createHmac("sha256", key_).update(stringToSign).digest("hex");
      sigs.push(previous);
    }
    const body = framed(sigs);
    const first = body.indexOf("\r\n") + 2;
    if (tamper) body.writeUInt8((body.readUInt8(first) ^ 1) & 0xff, first);
    return fetch(`${nimbus.url}/signed/${key}`, { method: "PUT", headers, body });
  }

  it("verifies the chunk signatures of signed streaming uploads", async () => {
    const chunks = [Buffer.alloc(64 * 1024, 1), Buffer.alloc(64 * 1024, 2), Buffer.from("tail")];
    const ok = await chunkedUpload("chunked.bin", chunks);
    expect(ok.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: "signed", Key: "chunked.bin" }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(Buffer.concat(chunks))).toBe(
      true,
    );
    const bad = await chunkedUpload("tampered.bin", chunks, true);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: "signed", Key: "tampered.bin" }))
      .catch((e: S3ServiceException) => e);
    expect((head as S3ServiceException).$metadata.httpStatusCode).toBe(404);
  });

  it("serves presigned PUT and GET URLs and enforces their expiry", async () => {
    const put = await signer().presign(request("PUT", "/signed/presigned.txt"), { expiresIn: 300 });
    const putUrl = `${nimbus.url}${put.path}?${new URLSearchParams(put.query as Record<string, string>)}`;
    const uploaded = await fetch(putUrl, {
      method: "PUT",
      body: "via presigned PUT",
      headers: { "content-type": "text/plain" },
    });
    expect(uploaded.status).toBe(200);
    const get = await signer().presign(request("GET", "/signed/presigned.txt"), { expiresIn: 300 });
    const got = await fetch(
      `${nimbus.url}${get.path}?${new URLSearchParams(get.query as Record<string, string>)}`,
    );
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("via presigned PUT");
    expect(got.headers.get("x-amz-request-id")).toBeTruthy();
    expect(got.headers.get("x-amz-id-2")).toBeTruthy();

    const old = await signer().presign(request("GET", "/signed/presigned.txt"), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const expired = await fetch(
      `${nimbus.url}${old.path}?${new URLSearchParams(old.query as Record<string, string>)}`,
    );
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain("<Code>AccessDenied</Code>");
    expect(text).toContain("Request has expired");
  });
});
