/**
 * Traced output: the neutral value model, the text and JSON printers that render it exactly as bpftrace 0.26
 * does, and printf. Imports only node:* and ../util.
 */
export { escapeControl, hexFormatBuffer, isUnsafeControl, jsonString } from './escape.js';
export { buildLinearHistogram, buildLog2Histogram, formatHistogramText, HIST_BAR_WIDTH, histIndexLabel, labelNumber, labelText } from './histogram.js';
export type { HistLabel, Histogram } from './histogram.js';
export { createJsonPrinter, formatMapJson, histogramJson, jsonInteger, mapKeyJson, mapRecordType, valueJson } from './json-printer.js';
export { divideValue, prepareEntries } from './map-order.js';
export type { MapPrintOptions } from './map-order.js';
export { applyPrintfSpec, formatPrintf } from './printf-format.js';
export type { PrintfOptions } from './printf-format.js';
export { checkPrintfArgs, parsePrintfFormat } from './printf-parse.js';
export type { ParsedPrintf, PrintfArgClass, PrintfArgType, PrintfCheckOptions, PrintfSpec } from './printf-parse.js';
export { stackText, valuePieces, valueText } from './render-text.js';
export { strftime, strftimeNs } from './strftime.js';
export { AF_INET, AF_INET6, inetText } from './inet.js';
export type { Piece, TextOptions } from './render-text.js';
export { DEFAULT_FLAGS, pad, putFloat, putInteger } from './stream-format.js';
export type { StreamFlags } from './stream-format.js';
export { createTextPrinter, formatMapText, formatValueText, mapKeyText } from './text-printer.js';
export type { OutputSink, Printer } from './text-printer.js';
export { AGGREGATE_KINDS, averageOf, int64, str, tuple, uint64 } from './value.js';
export type {
  ArrayValue,
  AverageValue,
  BoolValue,
  BufferValue,
  CountValue,
  HistValue,
  IntValue,
  LhistValue,
  MapData,
  MapEntry,
  NoneValue,
  RecordValue,
  ReducedValue,
  StackFrame,
  StackMode,
  StackValue,
  StringValue,
  SymbolicValue,
  TupleValue,
  Value,
  ValueKind,
} from './value.js';
