/**
 * siesta's public TypeScript API.
 *
 * High level: `trace(source, options)` compiles a bpftrace script, runs it, and yields its printf output and
 * other events as typed objects; `stop()` returns the final maps in the value model the text and JSON
 * printers render (`formatMapText`, `formatMapJson`). A script that does not compile rejects with ScriptError.
 *
 * Low level: build eBPF with the assembler, load it as a collection of maps and programs, attach programs to
 * kernel events, and read their ring buffers. Every kernel object is owned by a disposable (`using`), and
 * `installCleanup()` releases everything on Ctrl-C, SIGTERM and uncaught errors.
 */
export {
  type CommandStatus, type ReadFloor, ScriptError, type ScriptLocation, trace, type Trace, type TraceEvent, type TraceOptions, type TraceResult,
} from './runtime/api.js';
export type { ReadProvenance } from './runtime/decode.js';
export type { ReadCounts } from './runtime/session.js';
export type { Diagnostic, DiagnosticLocation, Severity } from './lang/index.js';
export { formatMapJson, formatMapText, formatValueText, valueJson } from './output/index.js';
export type { MapData, MapEntry, MapPrintOptions, Value, ValueKind } from './output/index.js';
export * as asm from './asm/index.js';
export { Btf, loadVmlinuxBtf } from './btf/index.js';
export {
  attachRawTracepoint, attachSoftwareEvent, attachTracepoint, attachTracing, attachUprobe, Link, NoSuchTracepointError,
  type SoftwareEvent, type UprobeTarget,
} from './attach/index.js';
export { MECHANISMS, type Mechanism, type Provenance } from './capture/mechanisms.js';
export { kernelBtf, kernelTypes } from './kernel/btf.js';
export { hasKfunc, mapSupport, programSupport, type Support } from './kernel/features.js';
export { listTracepoints, readEventFormat, tracefsRoot } from './kernel/tracefs.js';
export {
  BpfMap, Collection, type CollectionSpec, LoadError, loadCollection, loadProgram, type MapKind, type MapSpec, Program,
  type ProgramKind, type ProgramSpec, VerifierError,
} from './loader/index.js';
export { installCleanup, releaseAll } from './runtime/cleanup.js';
export { type RecordHandler, RingBufferReader, sumPerCpuCounter } from './runtime/ringbuf.js';
export { closeAllFds, liveFds, SysError } from './sys/index.js';
