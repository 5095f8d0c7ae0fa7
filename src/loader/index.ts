/** src/loader: specs → kernel objects. */
export { Collection, type CollectionSpec, loadCollection } from './collection.js';
export { BpfMap, createMap, isPerCpu, type MapKind, type MapSpec } from './map.js';
export { type KernelTypes, LoadError, loadProgram, Program, type ProgramKind, type ProgramSpec, relocate } from './program.js';
export { VerifierError } from './verifier-error.js';
