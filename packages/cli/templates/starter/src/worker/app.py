"""Drains WorkQueue: each message body is a JSON job. Messages that are not JSON are reported
as failed (ReportBatchItemFailures), so only they return to the queue."""

import json


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        try:
            job = json.loads(record["body"])
        except (ValueError, KeyError):
            print(f"not a JSON job, leaving it on the queue: {record.get('messageId')}")
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        print(f"processed job {json.dumps(job, sort_keys=True)}")
    return {"batchItemFailures": failures}
