/** The pure BTF layer: decoder, type model, emitter and tracefs `format` parser (imports only node:* and util). */

export * from './uapi.js';
export * from './types.js';
export { BtfError } from './errors.js';
export type { BtfErrorReason } from './errors.js';
export { Btf, BTF_POINTER_SIZE } from './btf.js';
export type { BtfEnumValue, BtfSignature, KnownIndex } from './btf.js';
export { parseHeader } from './parse.js';
export { formatDeclaration, formatTypeName } from './format-name.js';
export { BtfBuilder, SPECIAL_STRUCTS } from './builder.js';
export type {
  BuilderEnumValue,
  BuilderIntEncoding,
  BuilderMember,
  BuilderParam,
  BuilderSecinfo,
  KptrTag,
  SpecialStructName,
} from './builder.js';
export { loadModuleBtf, loadVmlinuxBtf, VMLINUX_BTF_PATH } from './load.js';
export { parseTracefsFormat, splitPrintFmt, TracefsFormatError } from './tracefs-format.js';
export type { TracefsField, TracefsFormat } from './tracefs-format.js';
