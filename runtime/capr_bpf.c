/* capr_bpf.c - what the kernel will say about a classic-BPF seccomp filter,
 * decided before any privilege changes.
 *
 * capr_bpf_check() mirrors the kernel's acceptance rules for one filter,
 * capr_bpf_kernel_len() bounds its size after the kernel's conversion to
 * eBPF, which is what the limit on all filters of a process counts
 * (capr_blob.c sums it over the stages of a policy). Both exist so that a
 * blob the kernel would refuse halfway through a stage is refused at load
 * time instead.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "capr_internal.h"

/* The part of struct seccomp_data a filter may load (BPF_ABS offsets). */
#define SECCOMP_DATA_SIZE 64u

/*
 * Structural check of a classic-BPF program, as the kernel's
 * bpf_check_classic() + seccomp_check_filter() would do it, so that a
 * corrupted filter is refused at load time and not by seccomp(2) after the
 * other steps of a stage have already changed the process:
 *   - only the opcodes seccomp accepts (no packet loads other than 32-bit
 *     loads of struct seccomp_data, aligned and in range);
 *   - every jump lands inside the program (jumps are forward only);
 *   - division by a constant 0, shifts >= 32 refused;
 *   - scratch memory index < BPF_MEMWORDS, and never read before written
 *     on every path to the read;
 *   - the last instruction is a RET.
 */
int capr_bpf_check(const struct sock_filter *f, size_t n, char *why, size_t whylen)
{
	uint16_t *memvalid;

	if (n < 1 || n > CAPBIN_MAX_BPF_INSNS) {
		snprintf(why, whylen, "program has %zu instructions (1..%u allowed)", n, CAPBIN_MAX_BPF_INSNS);
		return -1;
	}
	for (size_t pc = 0; pc < n; pc++) {
		uint16_t code = f[pc].code;
		uint32_t k = f[pc].k;

		switch (code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (k >= SECCOMP_DATA_SIZE || (k & 3)) {
				snprintf(why, whylen, "instruction %zu: load from offset %u outside struct seccomp_data", pc, k);
				return -1;
			}
			break;
		case BPF_LD | BPF_W | BPF_LEN:
		case BPF_LDX | BPF_W | BPF_LEN:
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
		case BPF_ALU | BPF_ADD | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_X:
		case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_X:
		case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_AND | BPF_K:
		case BPF_ALU | BPF_AND | BPF_X:
		case BPF_ALU | BPF_OR | BPF_K:
		case BPF_ALU | BPF_OR | BPF_X:
		case BPF_ALU | BPF_XOR | BPF_K:
		case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_X:
		case BPF_ALU | BPF_RSH | BPF_X:
		case BPF_ALU | BPF_NEG:
		case BPF_LD | BPF_IMM:
		case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX:
		case BPF_MISC | BPF_TXA:
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
			if (k == 0) {
				snprintf(why, whylen, "instruction %zu: division by zero", pc);
				return -1;
			}
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (k >= 32) {
				snprintf(why, whylen, "instruction %zu: shift by %u", pc, k);
				return -1;
			}
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS) {
				snprintf(why, whylen, "instruction %zu: scratch memory index %u", pc, k);
				return -1;
			}
			break;
		case BPF_JMP | BPF_JA:
			if ((uint64_t)pc + 1 + k >= n) {
				snprintf(why, whylen, "instruction %zu: jump to %llu, past the end (%zu instructions)", pc,
					 (unsigned long long)pc + 1 + k, n);
				return -1;
			}
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_X:
			if (pc + 1 + f[pc].jt >= n || pc + 1 + f[pc].jf >= n) {
				snprintf(why, whylen, "instruction %zu: jump to %zu, past the end (%zu instructions)", pc,
					 pc + 1 + (f[pc].jt > f[pc].jf ? f[pc].jt : f[pc].jf), n);
				return -1;
			}
			break;
		default:
			snprintf(why, whylen, "instruction %zu: opcode 0x%04x is not allowed in a seccomp filter", pc, code);
			return -1;
		}
	}
	if (BPF_CLASS(f[n - 1].code) != BPF_RET) {
		snprintf(why, whylen, "program does not end with a return (last opcode 0x%04x)", f[n - 1].code);
		return -1;
	}

	/* Scratch memory: the kernel's own rule (check_load_and_stores() in
	 * net/core/filter.c), step for step, so that a program passes here
	 * exactly when seccomp(2) will accept it. It is a linear pass, not a
	 * reachability analysis: the set of cells known to be written runs
	 * from one instruction to the next (also past a RET), a jump narrows
	 * the set of its targets and restarts from "all". A more permissive
	 * check would let a blob through that the kernel refuses halfway
	 * through applying a stage. */
	memvalid = malloc(n * sizeof *memvalid);
	if (!memvalid) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t pc = 0; pc < n; pc++)
		memvalid[pc] = 0xffff;
	uint16_t valid = 0;
	for (size_t pc = 0; pc < n; pc++) {
		uint16_t code = f[pc].code;
		uint32_t k = f[pc].k;

		valid &= memvalid[pc];
		if (code == BPF_ST || code == BPF_STX) {
			valid |= (uint16_t)(1u << k);
		} else if (code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM)) {
			if (!(valid & (1u << k))) {
				snprintf(why, whylen, "instruction %zu: reads scratch memory %u before any store", pc, k);
				free(memvalid);
				return -1;
			}
		} else if (code == (BPF_JMP | BPF_JA)) {
			memvalid[pc + 1 + k] &= valid;
			valid = 0xffff;
		} else if (BPF_CLASS(code) == BPF_JMP) {
			memvalid[pc + 1 + f[pc].jt] &= valid;
			memvalid[pc + 1 + f[pc].jf] &= valid;
			valid = 0xffff;
		}
	}
	free(memvalid);
	return 0;
}

/*
 * The number of eBPF instructions the kernel makes of a filter that passed
 * capr_bpf_check(). The kernel stores every seccomp filter converted
 * (bpf_convert_filter() in net/core/filter.c) and refuses a new one with
 * ENOMEM when the converted lengths of all the filters of the thread, plus
 * CAPBIN_PATH_PENALTY for each filter already installed, exceed
 * CAPBIN_MAX_PATH_INSNS (seccomp_attach_filter()). The conversion,
 * instruction by instruction:
 *   prologue            3  (clear A and X, keep the context pointer)
 *   ret K               2  (move K into R0, exit); ret A: 1
 *   conditional jump    1 when jf is 0 (falls through when false), or
 *                       when jt is 0 and the test inverts (jeq, jgt,
 *                       jge; not jset); else 2 (a test and a jump);
 *                       +1 when K has bit 31 set (eBPF immediates are
 *                       signed: K goes through a register)
 *   div X               5  (the kernel adds a divide-by-zero test)
 *   anything else       1
 * Measured equal to the kernel's count (tests/runtime/features.sh stacks
 * filters up to the limit). Kernels before 4.14 did not invert, so there
 * a filter may count more and be refused late, with ENOMEM.
 */
size_t capr_bpf_kernel_len(const struct sock_filter *f, size_t n)
{
	size_t len = 3;

	for (size_t pc = 0; pc < n; pc++) {
		uint16_t code = f[pc].code;

		if (BPF_CLASS(code) == BPF_RET) {
			len += BPF_RVAL(code) == BPF_K ? 2 : 1;
		} else if (BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA) {
			bool one = f[pc].jf == 0 || (f[pc].jt == 0 && BPF_OP(code) != BPF_JSET);
			len += (one ? 1 : 2) + (BPF_SRC(code) == BPF_K && (f[pc].k & 0x80000000u));
		} else if (code == (BPF_ALU | BPF_DIV | BPF_X)) {
			len += 5;
		} else {
			len += 1;
		}
	}
	return len;
}

/* seccomp_attach_filter()'s count: a new filter's converted length, plus
 * each filter already installed with CAPBIN_PATH_PENALTY. */
bool capr_path_add(size_t *total, unsigned *nfilters, size_t klen)
{
	*total += klen + (*nfilters ? CAPBIN_PATH_PENALTY : 0);
	(*nfilters)++;
	return *total <= CAPBIN_MAX_PATH_INSNS;
}
