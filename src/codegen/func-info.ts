/**
 * BTF for programs with subprograms. The kernel wants a func_info record (the function's first instruction and
 * a BTF FUNC type) for every function of a program that has callbacks ("missing btf func_info" otherwise), so
 * a program whose code has more than its entry function (loops over maps) gets one FUNC per function in the
 * script's own BTF, which the loader loads with the collection and passes with BPF_PROG_LOAD.
 *
 *   entry:     int NAME(void *ctx)
 *   callback:  long NAME(void *map, void *key, void *value, void *ctx)   (bpf_for_each_map_elem's callback_fn)
 *   loop body: long NAME(u64 index, void *ctx)                           (bpf_loop's, for-range.ts)
 *
 * Both are static: the verifier then checks them in the context of their caller instead of as global functions
 * with their own argument types.
 */
import { BtfBuilder } from '../btf/index.js';
import type { ProgramSpec } from '../loader/index.js';
import { LOOP_CALLBACK_PREFIX } from './for-range.js';

/**
 * Gives every program with subprograms its `funcTypeIds` and returns the BTF they refer to, or undefined when
 * no program needs one (plain programs then load exactly as before, without BTF).
 */
export function funcInfoBtf(programs: ProgramSpec[], b = new BtfBuilder()): Uint8Array | undefined {
  // Programs that come with their own BTF (internal helpers) keep it.
  if (!programs.some((p) => p.code.funcs.length > 1 && !p.funcTypeIds)) return undefined;
  const int = b.addInt('int', 4, 'signed');
  const long = b.addInt('long', 8, 'signed');
  const voidPtr = b.addPtr(0);
  const entry = b.addFuncProto(int, [{ name: 'ctx', typeId: voidPtr }]);
  const callback = b.addFuncProto(long, ['map', 'key', 'value', 'ctx'].map((name) => ({ name, typeId: voidPtr })));
  const loopBody = b.addFuncProto(long, [{ name: 'index', typeId: b.addInt('u64', 8, 'unsigned') }, { name: 'ctx', typeId: voidPtr }]);
  const protoOf = (name: string) => (name.startsWith(LOOP_CALLBACK_PREFIX) ? loopBody : callback);
  for (const p of programs) {
    if (p.code.funcs.length < 2 || p.funcTypeIds) continue;
    p.funcTypeIds = p.code.funcs.map((f) => b.addFunc(f.slot === 0 ? p.name : f.name, f.slot === 0 ? entry : protoOf(f.name)));
  }
  return b.encode();
}
