/**
 * What a function's answer means for a batch when the mapping has `ReportBatchItemFailures`
 * (invocation-semantics.md section 5): the message ids to keep, or that the whole batch failed.
 */
export type BatchVerdict = { kind: "partial"; failedIds: string[] } | { kind: "all-failed"; reason: string };

/**
 * Reads a partial batch response. All succeeded: an empty or `null` response, an object without
 * `batchItemFailures`, or a null/empty list. The whole batch failed: a response that is not
 * JSON, not an object, a `batchItemFailures` that is not a list, an entry that is not an object,
 * or an `itemIdentifier` that is missing, null, empty, not a string or not a message of the batch
 * (which covers wrongly spelled key names).
 */
export function readBatchResponse(payload: Buffer, batchIds: ReadonlySet<string>): BatchVerdict {
  const text = payload.toString("utf8").trim();
  if (text === "") return { kind: "partial", failedIds: [] };
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch {
    return { kind: "all-failed", reason: "the function's response is not valid JSON" };
  }
  if (response === null) return { kind: "partial", failedIds: [] };
  if (typeof response !== "object" || Array.isArray(response))
    return { kind: "all-failed", reason: "the function's response is not a JSON object" };
  const list = (response as Record<string, unknown>).batchItemFailures;
  if (list === undefined || list === null) return { kind: "partial", failedIds: [] };
  if (!Array.isArray(list)) return { kind: "all-failed", reason: "batchItemFailures is not a list" };
  const failed = new Set<string>();
  for (const item of list) {
    if (typeof item !== "object" || item === null || Array.isArray(item))
      return { kind: "all-failed", reason: "an entry of batchItemFailures is not an object" };
    const id = (item as Record<string, unknown>).itemIdentifier;
    if (typeof id !== "string" || id === "")
      return { kind: "all-failed", reason: "an itemIdentifier is missing, null or empty" };
    if (!batchIds.has(id))
      return { kind: "all-failed", reason: `itemIdentifier ${id} is not a message of the batch` };
    failed.add(id);
  }
  return { kind: "partial", failedIds: [...failed] };
}

/**
 * FIFO: a failed message blocks the rest of its group, so every later message of that group in
 * the batch is kept too, and the group is retried in order (AWS asks functions to report them;
 * Nimbus enforces it so order holds even when a function reports only the first).
 */
export function keepGroupOrder(
  messages: readonly { messageId: string; groupId: string | undefined }[],
  failedIds: readonly string[],
): string[] {
  const failed = new Set(failedIds);
  const blocked = new Set<string>();
  const kept: string[] = [];
  for (const m of messages) {
    if (m.groupId !== undefined && blocked.has(m.groupId)) {
      kept.push(m.messageId);
      continue;
    }
    if (failed.has(m.messageId)) {
      kept.push(m.messageId);
      if (m.groupId !== undefined) blocked.add(m.groupId);
    }
  }
  return kept;
}
