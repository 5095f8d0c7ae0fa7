/**
 * The instruction list of one program being generated, with its frame: 8-byte stack slots for scalars that
 * must survive helper calls, and offsets in the per-CPU scratch buffer (R9) for strings, tuples, keys and
 * output records, which do not fit the 512-byte stack.
 *
 * Register conventions of generated code:
 *   R6  the program's context (saved from R1 at entry)
 *   R9  base of this CPU's scratch buffer (a map value, checked non-NULL at entry)
 *   R7, R8  callee-saved temporaries; R0-R5 are clobbered by every helper call
 */
import { BPF_CLASS, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_OP, type Insn, isLabel, type Item, label, type Reg } from '../asm/index.js';
import type { SourceLocation } from '../lang/index.js';

/** Registers with fixed roles in generated code. */
export const CTX: Reg = 6, SCRATCH: Reg = 9;

/** Stack bytes generated code may use (the kernel's limit is 512). */
const STACK_LIMIT = 512;

/** Scratch bytes a program may use: offsets from R9 are 16-bit instruction fields (compile.ts checks the total). */
const SCRATCH_OFFSET_LIMIT = 32 * 1024;

/** A compile error in generated code (a script the checker accepted but codegen cannot fit). */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';

  /** `loc`: the script construct the error is about, when there is one to underline. */
  constructor(message: string, readonly loc: SourceLocation | null = null) {
    super(message);
  }
}

/** Builds one program's instructions and frame. */
export class ProgramBuilder {
  readonly items: Item[] = [];
  /** Where each statement's code starts: item index → source location (for verifier errors). */
  readonly locs: Array<{ item: number; loc: SourceLocation }> = [];
  #stack = 0;
  #scratch = 0;
  /** Subprograms generated (finish() moves them out of #subprogs). */
  #subprogCount = 0;
  #labels = 0;
  /** Where emitted code goes: the entry function's lists, or a subprogram's while one is generated. */
  #out: { items: Item[]; locs: Array<{ item: number; loc: SourceLocation }> } = { items: this.items, locs: this.locs };
  /** Finished subprograms (callbacks), appended after the entry function by finish(). */
  readonly #subprogs: Array<{ items: Item[]; locs: Array<{ item: number; loc: SourceLocation }> }> = [];
  /**
   * False after an unconditional jump or exit until the next label: code there can never run (`if (c) {
   * exit(); }` is followed by the branch's jump to its end), and the verifier rejects unreachable code.
   */
  #reachable = true;

  constructor(readonly name: string) {}

  /** Records that the code emitted next comes from the statement at `loc`. */
  noteLoc(loc: SourceLocation): void {
    this.#out.locs.push({ item: this.#out.items.length, loc });
  }

  /** Appends instructions, dropping those no jump can reach. */
  emit(...insns: Insn[]): void {
    for (const insn of insns) {
      if (!this.#reachable) continue;
      this.#out.items.push(insn);
      const cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code);
      if ((cls === BPF_JMP && (op === BPF_JA || op === BPF_EXIT)) || (cls === BPF_JMP32 && op === BPF_JA)) this.#reachable = false;
    }
  }

  /** A fresh label name. */
  newLabel(hint: string): string {
    return `${hint}_${this.#labels++}`;
  }

  /** Places a label here. */
  mark(name: string): void {
    this.#out.items.push(label(name));
    this.#reachable = true;
  }

  /**
   * Generates a subprogram (a callback such as bpf_for_each_map_elem's): code emitted by `body` goes to a
   * separate list, shares this program's stack and scratch allocators, and is placed after the entry
   * function by finish(), because the kernel splits a program into functions at call targets and no jump
   * may cross from one function into another. `rewrite` maps each of the subprogram's instructions once done.
   */
  subprog(body: () => void, rewrite: (insn: Insn) => Insn = (i) => i): void {
    const saved = this.#out, reachable = this.#reachable;
    const sub = { items: [] as Item[], locs: [] as Array<{ item: number; loc: SourceLocation }> };
    this.#out = sub;
    this.#reachable = true;
    try {
      body();
    } finally {
      this.#out = saved;
      this.#reachable = reachable;
    }
    sub.items = sub.items.map((it) => (isLabel(it) ? it : rewrite(it)));
    this.#subprogs.push(sub);
    this.#subprogCount++;
  }

  /** Whether code placed here can run: false after an unconditional jump or exit, until the next label. */
  get reachable(): boolean {
    return this.#reachable;
  }

  /** Whether code emitted so far in the current function jumps to label `name`. */
  jumpsTo(name: string): boolean {
    return this.#out.items.some((it) => !isLabel(it) && it.ref?.kind === 'label' && it.ref.name === name);
  }

  /** Appends the subprograms after the entry function (once, when the program is complete). */
  finish(): void {
    for (const sub of this.#subprogs.splice(0)) {
      const base = this.items.length;
      this.items.push(...sub.items);
      this.locs.push(...sub.locs.map((l) => ({ item: l.item + base, loc: l.loc })));
    }
  }

  /** An 8-byte-aligned stack area of `size` bytes; returns its offset from R10 (negative). */
  allocStack(size: number): number {
    this.#stack += Math.ceil(size / 8) * 8;
    if (this.#stack > STACK_LIMIT) throw new CodegenError(`probe ${this.name} needs more than ${STACK_LIMIT} bytes of stack`);
    return -this.#stack;
  }

  /** An 8-byte-aligned area of `size` bytes in the scratch buffer; returns its offset from R9. */
  allocScratch(size: number): number {
    const off = this.#scratch;
    this.#scratch += Math.ceil(Math.max(size, 1) / 8) * 8;
    if (this.#scratch > SCRATCH_OFFSET_LIMIT) {
      throw new CodegenError(`probe ${this.name} needs more than ${SCRATCH_OFFSET_LIMIT} bytes of scratch space per CPU: lower max_strlen`);
    }
    return off;
  }

  /** Scratch bytes this program uses. */
  get scratchSize(): number {
    return this.#scratch;
  }

  /** Stack bytes this program's main function uses. */
  get stackSize(): number {
    return this.#stack;
  }

  /** Whether the program has subprograms (loop and map-iteration callbacks). */
  get hasSubprogs(): boolean {
    return this.#subprogCount > 0;
  }
}
