// Counts the objects uploaded under uploads/ in the hour before the scheduled time and writes
// reports/<time>.json. Runs on a schedule (an EventBridge rule), so `event.time` is the slot:
// a late run still reports the hour it stands for.
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const s3 = new S3Client({ forcePathStyle: true });
const HOUR = 3_600_000;

export const handler = async (event, context) => {
  const Bucket = process.env.BUCKET;
  const slot = Date.parse(event.time);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "uploads/" }));
  const uploads = listed.Contents ?? [];
  const recent = uploads.filter((o) => {
    const at = o.LastModified.getTime();
    return at >= slot - HOUR && at < slot + 1000;
  });
  const report = {
    slot: event.time,
    uploadsInLastHour: recent.length,
    totalUploads: uploads.length,
    requestId: context.awsRequestId,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket,
      Key: `reports/${event.time}.json`,
      Body: JSON.stringify(report),
      ContentType: "application/json",
    }),
  );
  console.log(`REPORT ${event.time} ${recent.length} uploads`);
  return report;
};
