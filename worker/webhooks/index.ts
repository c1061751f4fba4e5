/**
 * Webhooks, inbound and outbound (DESIGN §4.7): Standard Webhooks signatures, the outbound-URL guard against SSRF,
 * the delivery retry schedule, and the mapping of an inbound payload to a task. All pure; routes and the task Durable
 * Object wire them to storage, `fetch` and alarms.
 */
export {
  BACKOFF_FACTOR,
  BASE_DELAY_MS,
  CLIENT_ERROR_MAX_ATTEMPTS,
  classifyDelivery,
  type DeliveryVerdict,
  isRetryableStatus,
  MAX_ATTEMPTS,
  MAX_DELAY_MS,
  MIN_DELAY_MS,
  type NextDelivery,
  type NextDeliveryInput,
  nextDelivery,
  parseRetryAfter,
  RETRY_WINDOW_MS,
} from "./backoff";
export {
  JsonPointer,
  type MappedTask,
  mapPayload,
  PayloadMapping,
  type PayloadMappingResult,
  PayloadTemplate,
  renderTemplate,
  resolvePointer,
} from "./payload-mapping";
export { cachedResolver, checkResolvedUrl, dohResolver, outboundResolver, type Resolver } from "./resolve";
export {
  DEFAULT_TOLERANCE_SECONDS,
  generateSecret,
  type HeaderSource,
  isValidSecret,
  type SignInput,
  sign,
  signatureHeaders,
  type VerifyFailure,
  type VerifyInput,
  type VerifyResult,
  verify,
  WEBHOOK_HEADERS,
} from "./signature";
export {
  type BlockedRange,
  checkOutboundUrl,
  type OutboundUrlCheck,
  type OutboundUrlOptions,
  type OutboundUrlRefusal,
} from "./ssrf";
