/* bpf_dis.c - classic BPF disassembler with seccomp annotations.
 *
 * Decoding is a table of every opcode classic BPF defines (the kernel's
 * bpf_check_classic accepts no others). Annotations need to know what the
 * accumulator holds and which arch the code is checking at each
 * instruction; classic BPF only jumps forward, so one pass in index order
 * sees every predecessor of an instruction before the instruction itself,
 * and merging their states is exact dataflow, not a guess from the line
 * above (libseccomp's binary tree reaches a `jeq #nr` from many places).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_dis.h"
#include "seccomp_int.h"

enum operand {
	O_NONE,
	O_IMM, /* #k */
	O_ABS, /* [k] */
	O_IND, /* [x + k] */
	O_MEM, /* M[k] */
	O_LEN, /* #len */
	O_MSH, /* 4 * ([k] & 0xf) */
	O_X,   /* x */
	O_A,   /* a */
	O_JA,  /* absolute target */
	O_JK,  /* #k  jt T  jf F */
	O_JX,  /* x  jt T  jf F */
};

struct opdef {
	uint16_t code;
	const char *mn;
	enum operand op;
};

/* BPF_CLASS | BPF_SIZE/BPF_OP | BPF_MODE/BPF_SRC, as in linux/filter.h */
static const struct opdef ops[] = {
	{ 0x00, "ld", O_IMM },   { 0x20, "ld", O_ABS },   { 0x28, "ldh", O_ABS },  { 0x30, "ldb", O_ABS },
	{ 0x40, "ld", O_IND },   { 0x48, "ldh", O_IND },  { 0x50, "ldb", O_IND },  { 0x60, "ld", O_MEM },
	{ 0x80, "ld", O_LEN },   { 0x01, "ldx", O_IMM },  { 0x61, "ldx", O_MEM },  { 0x81, "ldx", O_LEN },
	{ 0xb1, "ldxb", O_MSH }, { 0x02, "st", O_MEM },   { 0x03, "stx", O_MEM },  { 0x04, "add", O_IMM },
	{ 0x0c, "add", O_X },    { 0x14, "sub", O_IMM },  { 0x1c, "sub", O_X },    { 0x24, "mul", O_IMM },
	{ 0x2c, "mul", O_X },    { 0x34, "div", O_IMM },  { 0x3c, "div", O_X },    { 0x44, "or", O_IMM },
	{ 0x4c, "or", O_X },     { 0x54, "and", O_IMM },  { 0x5c, "and", O_X },    { 0x64, "lsh", O_IMM },
	{ 0x6c, "lsh", O_X },    { 0x74, "rsh", O_IMM },  { 0x7c, "rsh", O_X },    { 0x84, "neg", O_NONE },
	{ 0x94, "mod", O_IMM },  { 0x9c, "mod", O_X },    { 0xa4, "xor", O_IMM },  { 0xac, "xor", O_X },
	{ 0x05, "ja", O_JA },    { 0x15, "jeq", O_JK },   { 0x1d, "jeq", O_JX },   { 0x25, "jgt", O_JK },
	{ 0x2d, "jgt", O_JX },   { 0x35, "jge", O_JK },   { 0x3d, "jge", O_JX },   { 0x45, "jset", O_JK },
	{ 0x4d, "jset", O_JX },  { 0x06, "ret", O_IMM },  { 0x0e, "ret", O_X },    { 0x16, "ret", O_A },
	{ 0x07, "tax", O_NONE }, { 0x87, "txa", O_NONE },
};

static const struct opdef *lookup(uint16_t code)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].code == code)
			return &ops[i];
	return NULL;
}

#define SECCOMP_DATA_SIZE 64
#define X32_SYSCALL_BIT 0x40000000u

/* What is known on entry to an instruction. */
struct state {
	bool reached;
	int a;          /* A holds the seccomp_data word at this offset, or -1 */
	bool arch_known;
	uint32_t arch;  /* AUDIT_ARCH_* the arch test matched on this path */
};

/* Add a remark to an instruction's comment. */
static void note_add(char *note, size_t len, const char *text)
{
	size_t used = strlen(note);
	snprintf(note + used, len - used, "%s%s", used ? "; " : "", text);
}

static void flow(struct state *in, size_t n, size_t to, struct state s)
{
	if (to >= n)
		return;
	if (!in[to].reached) {
		in[to] = s;
		in[to].reached = true;
		return;
	}
	if (in[to].a != s.a)
		in[to].a = -1;
	if (!s.arch_known || !in[to].arch_known || in[to].arch != s.arch)
		in[to].arch_known = false;
}

void bpf_action_name(uint32_t k, char *buf, size_t len)
{
	uint32_t data = k & 0xffff;
	switch (k & 0xffff0000u) {
	case 0x80000000u:
		snprintf(buf, len, "KILL_PROCESS");
		break;
	case 0x00000000u:
		snprintf(buf, len, "KILL_THREAD");
		break;
	case 0x00030000u:
		snprintf(buf, len, data ? "TRAP(%u)" : "TRAP", data);
		break;
	case 0x00050000u: {
		const char *name = strerrorname_np((int)data);
		if (name)
			snprintf(buf, len, "ERRNO(%u) %s", data, name);
		else
			snprintf(buf, len, "ERRNO(%u)", data);
		break;
	}
	case 0x7fc00000u:
		snprintf(buf, len, "USER_NOTIF");
		break;
	case 0x7ff00000u:
		snprintf(buf, len, "TRACE(%u)", data);
		break;
	case 0x7ffc0000u:
		snprintf(buf, len, "LOG");
		break;
	case 0x7fff0000u:
		snprintf(buf, len, "ALLOW");
		break;
	default:
		/* the kernel treats unknown actions as KILL_PROCESS */
		snprintf(buf, len, "unknown action (kills the process)");
		break;
	}
}

static void field_name(uint32_t off, bool le, char *buf, size_t len)
{
	buf[0] = '\0';
	if (off == 0)
		snprintf(buf, len, "nr");
	else if (off == 4)
		snprintf(buf, len, "arch");
	else if (off == 8 || off == 12)
		snprintf(buf, len, "instruction_pointer %s", (off == 8) == le ? "low" : "high");
	else if (off >= 16 && off < SECCOMP_DATA_SIZE && off % 4 == 0)
		snprintf(buf, len, "args[%u] %s", (off - 16) / 8, ((off - 16) % 8 == 0) == le ? "low" : "high");
	else
		snprintf(buf, len, "outside seccomp_data");
}

/* The syscall `nr` names on `audit_arch`, or NULL; malloc'ed. */
static char *syscall_name(uint32_t audit_arch, uint32_t nr)
{
	const struct sc_abi *abi = sc_abi_by_audit(audit_arch);
	if (!abi)
		return NULL;
	uint32_t token = abi->token;
	/* x32 calls come from x86_64 tasks with the x32 bit set */
	if (abi->token == SCMP_ARCH_X86_64 && (nr & X32_SYSCALL_BIT) && nr != 0xffffffffu)
		token = SCMP_ARCH_X32;
	if (nr > 0x7fffffffu)
		return NULL;
	return seccomp_syscall_resolve_num_arch(token, (int)nr);
}

void bpf_disassemble(FILE *out, const struct ir_insn *insns, size_t n, const char *indent)
{
	struct state *in = calloc(n ? n : 1, sizeof *in);
	if (!indent)
		indent = "";
	if (!in) {
		fprintf(out, "%s(out of memory: cannot disassemble %zu instructions)\n", indent, n);
		return;
	}
	if (n)
		in[0] = (struct state){ .reached = true, .a = -1 };

	for (size_t i = 0; i < n; i++) {
		const struct ir_insn *x = &insns[i];
		const struct opdef *d = lookup(x->code);
		struct state s = in[i];
		if (!s.reached)
			s.a = -1, s.arch_known = false;
		bool le = s.arch_known ? sc_audit_arch_le(s.arch) : true;
		char text[96], note[128];
		note[0] = '\0';

		if (!d) {
			snprintf(text, sizeof text, ".word 0x%04x, %u, %u, 0x%08x", x->code, x->jt, x->jf, x->k);
			snprintf(note, sizeof note, "unknown opcode");
			fprintf(out, "%s%4zu: %-36s ; %s\n", indent, i, text, note);
			continue;
		}

		/* decode */
		uint64_t jt = (uint64_t)i + 1 + x->jt, jf = (uint64_t)i + 1 + x->jf, ja = (uint64_t)i + 1 + x->k;
		switch (d->op) {
		case O_NONE:
			snprintf(text, sizeof text, "%s", d->mn);
			break;
		case O_IMM:
			snprintf(text, sizeof text, "%-4s #0x%x", d->mn, x->k);
			break;
		case O_ABS:
			snprintf(text, sizeof text, "%-4s [%u]", d->mn, x->k);
			break;
		case O_IND:
			snprintf(text, sizeof text, "%-4s [x + %u]", d->mn, x->k);
			break;
		case O_MEM:
			snprintf(text, sizeof text, "%-4s M[%u]", d->mn, x->k);
			break;
		case O_LEN:
			snprintf(text, sizeof text, "%-4s #len", d->mn);
			break;
		case O_MSH:
			snprintf(text, sizeof text, "%-4s 4 * ([%u] & 0xf)", d->mn, x->k);
			break;
		case O_X:
			snprintf(text, sizeof text, "%-4s x", d->mn);
			break;
		case O_A:
			snprintf(text, sizeof text, "%-4s a", d->mn);
			break;
		case O_JA:
			snprintf(text, sizeof text, "%-4s %llu", d->mn, (unsigned long long)ja);
			break;
		case O_JK:
			snprintf(text, sizeof text, "%-4s #0x%x  jt %llu  jf %llu", d->mn, x->k, (unsigned long long)jt,
				 (unsigned long long)jf);
			break;
		case O_JX:
			snprintf(text, sizeof text, "%-4s x  jt %llu  jf %llu", d->mn, (unsigned long long)jt,
				 (unsigned long long)jf);
			break;
		}

		/* annotate, and pass the state on */
		struct state next = s;
		bool falls = true;
		uint16_t cls = x->code & 0x07;
		if (x->code == 0x20) {
			field_name(x->k, le, note, sizeof note);
			next.a = x->k < SECCOMP_DATA_SIZE && x->k % 4 == 0 ? (int)x->k : -1;
		} else if (cls == 0x00 || cls == 0x04 || x->code == 0x87) {
			next.a = -1; /* other loads, ALU, txa */
		}
		if (cls == 0x06) {
			falls = false;
			if (d->op == O_IMM)
				bpf_action_name(x->k, note, sizeof note);
		} else if (cls == 0x05) {
			falls = false;
			if (d->op == O_JA) {
				flow(in, n, ja, next);
				if (ja >= n)
					note_add(note, sizeof note, "target out of range");
			} else {
				struct state t = next;
				if (d->op == O_JK && s.a == 4) {
					const struct sc_abi *abi = sc_abi_by_audit(x->k);
					snprintf(note, sizeof note, "%s", abi ? abi->name : "unknown arch");
					if (x->code == 0x15) {
						t.arch_known = true;
						t.arch = x->k;
					}
				} else if (d->op == O_JK && s.a == 0 && s.arch_known) {
					/* jeq: the syscall; jge/jgt: a search tree's split */
					char *name = syscall_name(s.arch, x->k);
					const char *rel = x->code == 0x15 ? "" : x->code == 0x35 ? ">= " : x->code == 0x25 ? "> " : NULL;
					if (x->k == X32_SYSCALL_BIT && s.arch == sc_abi_by_name("x86_64")->audit_arch)
						snprintf(note, sizeof note, "x32 syscall bit");
					else if (name && rel)
						snprintf(note, sizeof note, "%s%s", rel, name);
					free(name);
				}
				flow(in, n, jt, t);
				flow(in, n, jf, next);
				if (jt >= n || jf >= n)
					note_add(note, sizeof note, "target out of range");
			}
		} else if (i + 1 >= n) {
			note_add(note, sizeof note, "falls off the end");
		}
		if (falls)
			flow(in, n, i + 1, next);

		if (note[0])
			fprintf(out, "%s%4zu: %-36s ; %s\n", indent, i, text, note);
		else
			fprintf(out, "%s%4zu: %s\n", indent, i, text);
	}
	free(in);
}
