// The classic serverless walkthrough: an image uploaded to one bucket becomes a 100 px wide
// thumbnail in another, with the original's dimensions, format and size as its metadata.
// sharp comes from a layer (/opt/nodejs/node_modules); the S3 client from the runtime.
const { GetObjectCommand, PutObjectCommand, S3Client } = require("@aws-sdk/client-s3");
const sharp = require("sharp");

// AWS_ENDPOINT_URL (set by Nimbus) points the client at the platform.
const s3 = new S3Client({ forcePathStyle: true });
const WIDTH = 100;

exports.handler = async (event) => {
  const done = [];
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    // Keys arrive URL-encoded with spaces as "+".
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const original = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const input = Buffer.from(await original.Body.transformToByteArray());
    const metadata = await sharp(input).metadata();
    const thumbnail = await sharp(input).resize({ width: WIDTH }).toBuffer();
    await s3.send(
      new PutObjectCommand({
        Bucket: process.env.THUMBNAIL_BUCKET,
        Key: `thumbnails/${key}`,
        Body: thumbnail,
        ContentType: original.ContentType,
        Metadata: {
          "source-bucket": bucket,
          "source-key": key,
          "original-width": String(metadata.width),
          "original-height": String(metadata.height),
          "original-format": metadata.format,
          "original-size": String(input.length),
        },
      }),
    );
    console.log(`THUMBNAIL ${key} ${metadata.width}x${metadata.height} ${metadata.format}`);
    done.push(key);
  }
  return { thumbnails: done };
};
