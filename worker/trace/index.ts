/** Tracing: the OpenTelemetry export of run trees, a run tree as JSON, and the feedback dataset built on runs. */

export { budgetFrame } from "./budget-frame";
export { coalesce } from "./coalesce";
export { composeObservers } from "./compose";
export { traceContentObserver } from "./content";
export { feedbackDataset } from "./feedback-dataset";
export { closeInterruptedTrace } from "./interrupted";
export { otelObserver } from "./observer";
export { loadRunTrace } from "./run-tree";
