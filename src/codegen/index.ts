/** src/codegen: typed AST → eBPF programs and the resources record. */
export { type CompiledScript, type CompileOptions, type CompileResult, compile, statementAt } from './compile.js';
export { type CodegenOptions, ProbeCodegen, type UserReadHook } from './probe.js';
export { EVENT, EVENT_HEADER, type FormatEvent, type PrintValueEvent, type RecordArg, type Resources, type ScriptMap } from './resources.js';
