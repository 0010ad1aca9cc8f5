// One function behind five routes of a REST API (payload format 1.0). Items are JSON objects
// in a bucket: items/<id>.json.
import { randomUUID } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

const s3 = new S3Client({ forcePathStyle: true });
const Bucket = process.env.ITEMS_BUCKET;

const reply = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: body === undefined ? "" : JSON.stringify(body),
});

async function readItem(id) {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket, Key: `items/${id}.json` }));
    return JSON.parse(await object.Body.transformToString());
  } catch (error) {
    if (error.name === "NoSuchKey") return undefined;
    throw error;
  }
}

async function writeItem(item) {
  await s3.send(
    new PutObjectCommand({
      Bucket,
      Key: `items/${item.id}.json`,
      Body: JSON.stringify(item),
      ContentType: "application/json",
    }),
  );
  return item;
}

function parseBody(event) {
  if (!event.body) return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  return JSON.parse(text);
}

export const handler = async (event) => {
  const id = event.pathParameters?.id;
  try {
    switch (`${event.httpMethod} ${event.resource}`) {
      case "GET /items": {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "items/" }));
        const items = await Promise.all(
          (listed.Contents ?? []).map((o) => readItem(o.Key.slice("items/".length, -".json".length))),
        );
        return reply(200, { items: items.filter(Boolean) });
      }
      case "POST /items": {
        const item = { ...parseBody(event), id: randomUUID(), createdAt: new Date().toISOString() };
        return reply(201, await writeItem(item));
      }
      case "GET /items/{id}": {
        const item = await readItem(id);
        return item ? reply(200, item) : reply(404, { message: `item ${id} not found` });
      }
      case "PUT /items/{id}": {
        const existing = await readItem(id);
        if (!existing) return reply(404, { message: `item ${id} not found` });
        return reply(200, await writeItem({ ...existing, ...parseBody(event), id }));
      }
      case "DELETE /items/{id}": {
        await s3.send(new DeleteObjectCommand({ Bucket, Key: `items/${id}.json` }));
        return reply(204);
      }
      default:
        return reply(405, { message: `${event.httpMethod} ${event.resource} is not supported` });
    }
  } catch (error) {
    if (error instanceof SyntaxError) return reply(400, { message: "the body must be JSON" });
    throw error;
  }
};
