/* bpf_run.c - run a seccomp filter (classic BPF) the way the kernel does,
 * on a struct seccomp_data laid out in the target's byte order.
 *
 * capc query and `expect` lines ask a compiled filter, not the policy:
 * what this returns is what the kernel would decide. The instruction set is
 * what seccomp accepts (the kernel's seccomp_check_filter): absolute word
 * loads of seccomp_data, its length, immediates, scratch memory, ALU, jumps
 * and returns. Anything else, a jump or load out of range, or running off
 * the end is an error, never a guess; the runtime's capr_bpf_check refuses
 * such programs before they get here anyway.
 */
#include <string.h>

#include "bpf_run.h"

#define OP(c) ((c)&0xf0)
#define SRC(c) ((c)&0x08)

/* The 64 bytes of struct seccomp_data in the target's byte order. */
static void lay_out(const struct bpf_input *in, bool le, uint8_t d[BPF_DATA_LEN])
{
	/* nr at 0 and arch at 4 (32 bits each), ip at 8, args at 16 + 8 i */
	for (int b = 0; b < 4; b++) {
		d[le ? b : 3 - b] = (uint8_t)((uint32_t)in->nr >> (8 * b));
		d[4 + (le ? b : 3 - b)] = (uint8_t)(in->arch >> (8 * b));
	}
	for (int i = 0; i < 7; i++) {
		uint64_t v = i == 0 ? in->ip : in->args[i - 1];
		for (int b = 0; b < 8; b++)
			d[8 + 8 * i + (le ? b : 7 - b)] = (uint8_t)(v >> (8 * b));
	}
}

static uint32_t word_at(const uint8_t *d, uint32_t k, bool le)
{
	uint32_t w = 0;
	for (int b = 0; b < 4; b++)
		w |= (uint32_t)d[k + (uint32_t)(le ? b : 3 - b)] << (8 * b);
	return w;
}

bool bpf_run(const struct ir_insn *p, size_t n, const struct bpf_input *in, bool le, struct bpf_result *out)
{
	uint8_t d[BPF_DATA_LEN];
	uint32_t A = 0, X = 0, M[16] = { 0 };

	memset(out, 0, sizeof *out);
	lay_out(in, le, d);
	for (size_t pc = 0; pc < n;) {
		const struct ir_insn *i = &p[pc];
		uint32_t k = i->k, src = SRC(i->code) ? X : k;
		out->steps++;
		switch (i->code & 0x07) { /* class */
		case 0x00: /* BPF_LD */
			if (i->code == 0x20) { /* ld [k] */
				if (k & 3 || k > BPF_DATA_LEN - 4)
					return false;
				A = word_at(d, k, le);
			} else if (i->code == 0x80) { /* ld #len */
				A = BPF_DATA_LEN;
			} else if (i->code == 0x00) { /* ld #k */
				A = k;
			} else if (i->code == 0x60) { /* ld M[k] */
				if (k >= 16)
					return false;
				A = M[k];
			} else {
				return false;
			}
			break;
		case 0x01: /* BPF_LDX */
			if (i->code == 0x81)
				X = BPF_DATA_LEN;
			else if (i->code == 0x01)
				X = k;
			else if (i->code == 0x61 && k < 16)
				X = M[k];
			else
				return false;
			break;
		case 0x02: /* BPF_ST */
			if (k >= 16)
				return false;
			M[k] = A;
			break;
		case 0x03: /* BPF_STX */
			if (k >= 16)
				return false;
			M[k] = X;
			break;
		case 0x04: /* BPF_ALU */
			switch (OP(i->code)) {
			case 0x00: A += src; break;
			case 0x10: A -= src; break;
			case 0x20: A *= src; break;
			case 0x30:
				if (!src)
					return false; /* the kernel refuses a constant 0; X == 0 returns 0 */
				A /= src;
				break;
			case 0x40: A |= src; break;
			case 0x50: A &= src; break;
			case 0x60: A = src >= 32 ? 0 : A << src; break;
			case 0x70: A = src >= 32 ? 0 : A >> src; break;
			case 0x80: A = (uint32_t)-A; break;
			case 0x90:
				if (!src)
					return false;
				A %= src;
				break;
			case 0xa0: A ^= src; break;
			default: return false;
			}
			break;
		case 0x05: { /* BPF_JMP */
			size_t to;
			if (OP(i->code) == 0x00) { /* ja */
				to = pc + 1 + k;
			} else {
				bool t;
				switch (OP(i->code)) {
				case 0x10: t = A == src; break;
				case 0x20: t = A > src; break;
				case 0x30: t = A >= src; break;
				case 0x40: t = (A & src) != 0; break;
				default: return false;
				}
				to = pc + 1 + (t ? i->jt : i->jf);
			}
			if (to >= n || to <= pc)
				return false;
			pc = to;
			continue;
		}
		case 0x06: /* BPF_RET */
			out->action = (i->code & 0x18) == 0x10 ? A : k; /* ret A, ret #k */
			out->ret_at = pc;
			return true;
		case 0x07: /* BPF_MISC */
			if (i->code == 0x07)
				X = A; /* tax */
			else if (i->code == 0x87)
				A = X; /* txa */
			else
				return false;
			break;
		}
		pc++;
	}
	return false; /* ran off the end */
}

/* The kernel's precedence of actions (seccomp(2)): the most restrictive
 * of all filters' results decides; among equal ones, the first seen,
 * that is the most recently installed filter. */
static int rank(uint32_t action)
{
	switch (action & 0xffff0000u) {
	case 0x80000000u: return 7; /* KILL_PROCESS */
	case 0x00000000u: return 6; /* KILL_THREAD */
	case 0x00030000u: return 5; /* TRAP */
	case 0x00050000u: return 4; /* ERRNO */
	case 0x7fc00000u: return 3; /* USER_NOTIF */
	case 0x7ff00000u: return 2; /* TRACE */
	case 0x7ffc0000u: return 1; /* LOG */
	case 0x7fff0000u: return 0; /* ALLOW */
	default: return 7;          /* unknown: the kernel kills */
	}
}

bool bpf_run_stack(const struct ir_prog *const *progs, size_t nprogs, const struct bpf_input *in, bool le,
		   uint32_t *action, size_t *decider)
{
	bool have = false;

	/* evaluated newest first, as the kernel walks the filter list */
	for (size_t j = nprogs; j-- > 0;) {
		struct bpf_result r;
		if (!bpf_run(progs[j]->insns, progs[j]->n, in, le, &r))
			return false;
		if (!have || rank(r.action) > rank(*action)) {
			*action = r.action;
			if (decider)
				*decider = j;
			have = true;
		}
	}
	if (!have)
		*action = 0x7fff0000u; /* no filter: allowed */
	return true;
}

/* The kernel's seccomp_is_const_allow() (kernel/seccomp.c, Linux 5.11+):
 * run with only nr and arch known. It follows word loads of those two,
 * jumps against constants and `and` with a constant; anything else (an
 * argument load above all) means "not constant". Only a program that
 * reaches exactly `ret ALLOW` this way has the syscall marked in the
 * action cache, after which the kernel does not run the filter for it. */
bool bpf_const_allow(const struct ir_insn *p, size_t n, uint32_t arch, uint32_t nr)
{
	uint32_t A = 0;
	for (size_t pc = 0; pc < n; pc++) {
		const struct ir_insn *i = &p[pc];
		bool t;
		switch (i->code) {
		case 0x20: /* ld [k] */
			if (i->k == 0)
				A = nr;
			else if (i->k == 4)
				A = arch;
			else
				return false;
			break;
		case 0x06: /* ret #k */
			return i->k == 0x7fff0000u;
		case 0x05: /* ja */
			pc += i->k;
			break;
		case 0x15: /* jeq #k */
		case 0x35: /* jge #k */
		case 0x25: /* jgt #k */
		case 0x45: /* jset #k */
			t = i->code == 0x15 ? A == i->k : i->code == 0x35 ? A >= i->k : i->code == 0x25 ? A > i->k
											      : (A & i->k) != 0;
			pc += t ? i->jt : i->jf;
			break;
		case 0x54: /* and #k */
			A &= i->k;
			break;
		default:
			return false;
		}
	}
	return false;
}
