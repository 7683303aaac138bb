/* test_bpf_dis.c - the classic-BPF disassembler (capc --dump).
 *
 * A hand-written program with every opcode is compared line for line
 * (golden); generated filters are checked for the annotations that
 * matter (arch, syscall and action names, argument words); odd input
 * must print, not crash.
 */
#include <linux/audit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_dis.h"
#include "diag.h"
#include "seccomp.h"
#include "tap.h"


static char *dis(const struct ir_insn *p, size_t n, const char *indent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	bpf_disassemble(m, p, n, indent);
	fclose(m);
	return buf;
}

/* Print where two texts first differ. */
static void diff(const char *want, const char *got)
{
	size_t line = 1;
	while (*want && *want == *got) {
		line += *want == '\n';
		want++;
		got++;
	}
	printf("# first difference on line %zu\n#   want: %.*s\n#   got:  %.*s\n", line, (int)strcspn(want, "\n"), want,
	       (int)strcspn(got, "\n"), got);
}

#define I(c, t, f, k) { (c), (t), (f), (k) }

static void test_every_opcode(void)
{
	static const struct ir_insn p[] = {
		I(0x00, 0, 0, 7),          I(0x20, 0, 0, 0),           I(0x28, 0, 0, 2),  I(0x30, 0, 0, 3),
		I(0x40, 0, 0, 4),          I(0x48, 0, 0, 4),           I(0x50, 0, 0, 4),  I(0x60, 0, 0, 1),
		I(0x80, 0, 0, 0),          I(0x01, 0, 0, 5),           I(0x61, 0, 0, 2),  I(0x81, 0, 0, 0),
		I(0xb1, 0, 0, 14),         I(0x02, 0, 0, 3),           I(0x03, 0, 0, 4),  I(0x04, 0, 0, 1),
		I(0x0c, 0, 0, 0),          I(0x14, 0, 0, 2),           I(0x1c, 0, 0, 0),  I(0x24, 0, 0, 3),
		I(0x2c, 0, 0, 0),          I(0x34, 0, 0, 4),           I(0x3c, 0, 0, 0),  I(0x44, 0, 0, 5),
		I(0x4c, 0, 0, 0),          I(0x54, 0, 0, 0xff),        I(0x5c, 0, 0, 0),  I(0x64, 0, 0, 6),
		I(0x6c, 0, 0, 0),          I(0x74, 0, 0, 7),           I(0x7c, 0, 0, 0),  I(0x84, 0, 0, 0),
		I(0x94, 0, 0, 8),          I(0x9c, 0, 0, 0),           I(0xa4, 0, 0, 9),  I(0xac, 0, 0, 0),
		I(0x07, 0, 0, 0),          I(0x87, 0, 0, 0),           I(0x15, 0, 1, 10), I(0x1d, 1, 0, 0),
		I(0x25, 0, 0, 11),         I(0x2d, 0, 0, 0),           I(0x35, 0, 0, 12), I(0x3d, 0, 0, 0),
		I(0x45, 0, 0, 13),         I(0x4d, 0, 0, 0),           I(0x05, 0, 0, 1),  I(0xffff, 1, 2, 0xdeadbeef),
		I(0x06, 0, 0, 0x7fff0000), I(0x0e, 0, 0, 0),           I(0x16, 0, 0, 0),
	};
	static const char want[] =
		"   0: ld   #0x7\n"
		"   1: ld   [0]                             ; nr\n"
		"   2: ldh  [2]\n"
		"   3: ldb  [3]\n"
		"   4: ld   [x + 4]\n"
		"   5: ldh  [x + 4]\n"
		"   6: ldb  [x + 4]\n"
		"   7: ld   M[1]\n"
		"   8: ld   #len\n"
		"   9: ldx  #0x5\n"
		"  10: ldx  M[2]\n"
		"  11: ldx  #len\n"
		"  12: ldxb 4 * ([14] & 0xf)\n"
		"  13: st   M[3]\n"
		"  14: stx  M[4]\n"
		"  15: add  #0x1\n"
		"  16: add  x\n"
		"  17: sub  #0x2\n"
		"  18: sub  x\n"
		"  19: mul  #0x3\n"
		"  20: mul  x\n"
		"  21: div  #0x4\n"
		"  22: div  x\n"
		"  23: or   #0x5\n"
		"  24: or   x\n"
		"  25: and  #0xff\n"
		"  26: and  x\n"
		"  27: lsh  #0x6\n"
		"  28: lsh  x\n"
		"  29: rsh  #0x7\n"
		"  30: rsh  x\n"
		"  31: neg\n"
		"  32: mod  #0x8\n"
		"  33: mod  x\n"
		"  34: xor  #0x9\n"
		"  35: xor  x\n"
		"  36: tax\n"
		"  37: txa\n"
		"  38: jeq  #0xa  jt 39  jf 40\n"
		"  39: jeq  x  jt 41  jf 40\n"
		"  40: jgt  #0xb  jt 41  jf 41\n"
		"  41: jgt  x  jt 42  jf 42\n"
		"  42: jge  #0xc  jt 43  jf 43\n"
		"  43: jge  x  jt 44  jf 44\n"
		"  44: jset #0xd  jt 45  jf 45\n"
		"  45: jset x  jt 46  jf 46\n"
		"  46: ja   48\n"
		"  47: .word 0xffff, 1, 2, 0xdeadbeef       ; unknown opcode\n"
		"  48: ret  #0x7fff0000                     ; ALLOW\n"
		"  49: ret  x\n"
		"  50: ret  a\n";
	char *got = dis(p, sizeof p / sizeof p[0], "");
	bool same = strcmp(got, want) == 0;
	ok(same, "every classic BPF opcode disassembles as expected (golden)");
	if (!same)
		diff(want, got);
	free(got);
}

static void test_actions(void)
{
	static const struct {
		uint32_t k;
		const char *name;
	} t[] = {
		{ 0x80000000, "KILL_PROCESS" }, { 0x00000000, "KILL_THREAD" },
		{ 0x00030000, "TRAP" },         { 0x00030005, "TRAP(5)" },
		{ 0x0005000d, "ERRNO(13) EACCES" }, { 0x00050001, "ERRNO(1) EPERM" },
		{ 0x0005ffff, "ERRNO(65535)" }, { 0x7fc00000, "USER_NOTIF" },
		{ 0x7ff00007, "TRACE(7)" },     { 0x7ffc0000, "LOG" },
		{ 0x7fff0000, "ALLOW" },        { 0x12340000, "unknown action (kills the process)" },
	};
	bool all = true;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char buf[64];
		bpf_action_name(t[i].k, buf, sizeof buf);
		if (strcmp(buf, t[i].name)) {
			printf("# 0x%08x: %s, want %s\n", t[i].k, buf, t[i].name);
			all = false;
		}
	}
	ok(all, "action names for ret");
}

/* Annotations follow the data flow, not the line above. */
static void test_dataflow(void)
{
	static const struct ir_insn p[] = {
		I(0x20, 0, 0, 4),                 /*  0 ld [4] */
		I(0x15, 0, 11, AUDIT_ARCH_I386),  /*  1 jeq i386, else 13 */
		I(0x20, 0, 0, 0),                 /*  2 ld [0] */
		I(0x25, 2, 0, 100),               /*  3 jgt #100: a binary tree's split */
		I(0x15, 9, 0, 20),                /*  4 jeq #20: getpid on i386 */
		I(0x05, 0, 0, 1),                 /*  5 ja 7 */
		I(0x15, 7, 0, 102),               /*  6 jeq #102: socketcall, reached from 3 */
		I(0x15, 6, 0, 1),                 /*  7 jeq #1: still nr on both paths (from 5 and 6) */
		I(0x20, 0, 0, 16),                /*  8 ld [16]: args[0] low */
		I(0x15, 4, 0, 20),                /*  9 jeq #20: an argument, no name */
		I(0x20, 0, 0, 60),                /* 10 ld [60]: args[5] high */
		I(0x20, 0, 0, 64),                /* 11 ld [64]: outside */
		I(0x06, 0, 0, 0x50001),           /* 12 */
		I(0x15, 1, 0, AUDIT_ARCH_S390X),  /* 13 jeq s390x (A is still arch) */
		I(0x06, 0, 0, 0x80000000),        /* 14 */
		I(0x20, 0, 0, 16),                /* 15 ld [16]: big-endian: high word */
		I(0x20, 0, 0, 20),                /* 16 ld [20]: low word */
		I(0x06, 0, 0, 0x7fff0000),        /* 17 */
	};
	char *got = dis(p, sizeof p / sizeof p[0], "> ");
	ok(strstr(got, ">    1: jeq  #0x40000003  jt 2  jf 13        ; x86\n") != NULL, "arch constant named (x86)");
	ok(strstr(got, "   4: jeq  #0x14  jt 14  jf 5              ; getpid\n") != NULL,
	      "jeq on nr named for the arch being checked (i386 20 = getpid)");
	ok(strstr(got, "   6: jeq  #0x66  jt 14  jf 7              ; socketcall\n") != NULL,
	      "jeq reached only by a jump still knows A is nr");
	ok(strstr(got, "   7: jeq  #0x1  jt 14  jf 8               ; exit\n") != NULL,
	      "jeq reached from two paths that both hold nr is named");
	ok(strstr(got, "   9: jeq  #0x14  jt 14  jf 10\n") != NULL, "jeq on an argument is not named as a syscall");
	ok(strstr(got, "   8: ld   [16]                            ; args[0] low\n") &&
		      strstr(got, "  10: ld   [60]                            ; args[5] high\n") &&
		      strstr(got, "  11: ld   [64]                            ; outside seccomp_data\n"),
	      "seccomp_data fields named (little-endian)");
	ok(strstr(got, "  15: ld   [16]                            ; args[0] high\n") &&
		      strstr(got, "  16: ld   [20]                            ; args[0] low\n"),
	      "argument words swap on a big-endian arch (s390x)");
	ok(strstr(got, "; s390x\n") != NULL, "second arch constant named");
	printf("%s", got);
	free(got);
}

static void test_x32_names(void)
{
	static const struct ir_insn p[] = {
		I(0x20, 0, 0, 4),                  /* ld [4] */
		I(0x15, 0, 4, AUDIT_ARCH_X86_64),  /* jeq x86_64 */
		I(0x20, 0, 0, 0),                  /* ld [0] */
		I(0x35, 0, 1, 0x40000000),         /* jge x32 bit */
		I(0x15, 0, 0, 0x40000027),         /* jeq x32 getpid */
		I(0x15, 0, 0, 39),                 /* jeq getpid */
		I(0x06, 0, 0, 0x7fff0000),
	};
	char *got = dis(p, sizeof p / sizeof p[0], "");
	ok(strstr(got, "   3: jge  #0x40000000  jt 4  jf 5         ; x32 syscall bit\n") &&
		      strstr(got, "   4: jeq  #0x40000027  jt 5  jf 5         ; getpid\n") &&
		      strstr(got, "   5: jeq  #0x27  jt 6  jf 6               ; getpid\n"),
	      "x32 numbers named through libseccomp's x32 table");
	free(got);
}

static void test_odd_input(void)
{
	char *got = dis(NULL, 0, "");
	ok(got && *got == '\0', "an empty program prints nothing");
	free(got);
	static const struct ir_insn p[] = {
		I(0x05, 0, 0, 0xffffffff), /* ja far away */
		I(0x15, 200, 3, 1),        /* jt out of range */
		I(0x20, 0, 0, 3),          /* unaligned load, then falls off */
	};
	got = dis(p, 3, NULL);
	ok(strstr(got, "   0: ja   4294967296                      ; target out of range\n") &&
		      strstr(got, "   1: jeq  #0x1  jt 202  jf 5              ; target out of range\n") &&
		      strstr(got, "   2: ld   [3]                             ; outside seccomp_data; falls off the end\n"),
	      "jumps out of the program are marked, unaligned loads too");
	free(got);
	/* every opcode value, random operands: no crash (ASan watches) */
	struct ir_insn *all = calloc(65536, sizeof *all);
	for (size_t i = 0; i < 65536; i++)
		all[i] = (struct ir_insn){ (uint16_t)i, (uint8_t)(i * 7), (uint8_t)(i * 13), (uint32_t)(i * 2654435761u) };
	got = dis(all, 65536, "");
	ok(got != NULL && strlen(got) > 65536, "all 65536 opcode values print without crashing");
	free(got);
	free(all);
}

static void test_generated(void)
{
	/* on the heap: sc_filter_free frees what sc_generate caches in it too */
	struct sc_filter *fp = calloc(1, sizeof *fp);
	if (!fp)
		return;
#define f (*fp)
	f.default_action = SC_ACT_ERRNO(1);
	static const struct {
		const char *sys;
		uint32_t act;
	} r[] = {
		{ "getpid", SC_ACT_ALLOW },        { "mkdir", SC_ACT_ERRNO(13) }, { "getuid", SC_ACT_KILL_PROCESS },
		{ "gettid", SC_ACT_KILL_THREAD }, { "getppid", SC_ACT_TRAP },    { "getgid", SC_ACT_LOG },
		{ "mmap", SC_ACT_ALLOW },
	};
	f.nrules = sizeof r / sizeof r[0];
	f.rules = calloc(f.nrules, sizeof *f.rules);
	for (size_t i = 0; i < f.nrules; i++) {
		f.rules[i].syscall = strdup(r[i].sys);
		f.rules[i].action = r[i].act;
	}
	f.rules[6].cond = sc_expr_cmp(0, SC_EQ, 0, 1);
	struct ir_arch a;
	static const char *const x86_64[] = { "x86_64" };
	char err[128];
	struct ir_prog p = { 0 };
	bool built = sc_arch_from_names(x86_64, 1, &a, err, sizeof err) == 0 && sc_generate(&f, &a, SC_BACKEND_CAPC, &p) == 0;
	ok(built, "a typical x86_64 filter compiles (%zu instructions)", p.n);
	char *got = dis(p.insns, p.n, "    ");
	static const char *const want[] = {
		"       0: ld   [4]                             ; arch\n",
		"       1: jeq  #0xc000003e  jt 2  jf ",
		"; x86_64\n",
		"       2: ld   [0]                             ; nr\n",
		"; x32 syscall bit\n",
		/* a search tree names syscalls at its splits too: "; >= mkdir" */
		"getpid\n",
		"mkdir\n",
		"mmap\n",
		"; args[0] high\n",
		"; args[0] low\n",
		"; ERRNO(13) EACCES\n",
		"; ERRNO(1) EPERM\n",
		"; KILL_PROCESS\n",
		"; KILL_THREAD\n",
		"; TRAP\n",
		"; LOG\n",
		"; ALLOW\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ok(strstr(got, want[i]) != NULL, "generated filter shows '%.*s'", (int)strcspn(want[i], "\n"), want[i]);
	printf("%s", got);
	free(got);
	free(p.insns);
#undef f
	sc_filter_free(fp);
}

int main(void)
{
	test_every_opcode();
	test_actions();
	test_dataflow();
	test_x32_names();
	test_odd_input();
	test_generated();
	diag_shutdown();
	printf("# %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
