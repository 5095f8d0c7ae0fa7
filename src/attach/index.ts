/** src/attach: one file per attach kind; each returns a Link that detaches itself. */
export { attachToPerfEvent, Link } from './link.js';
export { attachSoftwareEvent, type SoftwareEvent } from './perf-event.js';
export { attachRawTracepoint } from './raw-tracepoint.js';
export { attachTracing } from './tp-btf.js';
export { attachTracepoint, NoSuchTracepointError } from './tracepoint.js';
export { attachUprobe, uprobePmu, type UprobeTarget } from './uprobe.js';
