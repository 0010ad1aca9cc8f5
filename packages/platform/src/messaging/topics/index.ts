export { createTopics, type Topics, type TopicsDeps } from "./create-topics.js";
export { TOPIC_ERRORS } from "./errors.js";
