/* test_blob.c - blob validation (runtime/capr_blob.c) against blobs written
 * by the real writer (compiler/emit.c), and the generator of the blobs the
 * runtime shell suites use.
 *
 *   test_blob              unit tests (TAP lines)
 *   test_blob write DIR    write the test blobs into DIR
 *
 * The policies are small hand-filled struct ir_policy values: string
 * literals and static arrays only, so there is nothing to free (ir_free
 * would pull in the seccomp generator).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../runtime/capr_internal.h"
#include "capbin.h"
#include "capr.h"
#include "ir.h"
#include "tap.h"

#define BIT(c) (UINT64_C(1) << (c))


/* ---------------------------------------------------------------- test policies */

/* arch check, getppid -> ERRNO(EACCES) (or whatever nr/ret), allow the rest */
static struct ir_insn deny_prog[7];

static void make_deny_prog(uint32_t arch, uint32_t nr, uint32_t ret)
{
	struct ir_insn p[7] = {
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 4},
		{BPF_JMP | BPF_JEQ | BPF_K, 1, 0, arch},
		{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS},
		{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
		{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr},
		{BPF_RET | BPF_K, 0, 0, ret},
		{BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
	};
	memcpy(deny_prog, p, sizeof p);
}

static void native_arch(struct ir_policy *p)
{
	p->arches[0].audit_arch = capr_native_audit_arch();
	p->arches[0].abis = CAPBIN_ABI_NATIVE;
	p->arches[0].name = "native";
	p->narch = 1;
}

static void with_filter(struct ir_stage *s, size_t narch)
{
	s->flags |= CAPBIN_STAGE_SECCOMP;
	for (size_t a = 0; a < narch; a++) {
		s->progs[a].insns = deny_prog;
		s->progs[a].n = 7;
	}
}

/* Keep exactly `keep` in P, E, I (and A when amb). */
static void keep_caps(struct ir_stage *s, uint64_t keep, int amb)
{
	s->flags |= CAPBIN_STAGE_CAPS;
	s->prm_and = s->eff_and = s->inh_and = 0;
	s->prm_or = s->eff_or = s->inh_or = keep;
	if (amb) {
		s->flags |= CAPBIN_STAGE_AMBIENT;
		s->amb_and = 0;
		s->amb_or = keep;
	}
}

static void as_nobody(struct ir_stage *s)
{
	s->flags |= CAPBIN_STAGE_USER | CAPBIN_STAGE_GROUP | CAPBIN_STAGE_GROUPS;
	s->user.name = "nobody";
	s->user.id = CAPBIN_ID_NONE;
	s->group.name = NULL;
	s->group.id = CAPBIN_ID_USER_PRIMARY;
	s->groups = NULL;
	s->ngroups = 0;
}

static struct ir_stage stages[8];
static struct ir_policy pol;

static struct ir_stage *reset(const char *name, size_t nstages)
{
	memset(&pol, 0, sizeof pol);
	memset(stages, 0, sizeof stages);
	pol.kind = CAPBIN_KIND_SERVICE;
	pol.name = (char *)name;
	pol.stages = stages;
	pol.nstages = nstages;
	for (size_t i = 0; i < nstages; i++) {
		stages[i].point = i == 0 ? "exec" : "auth";
		stages[i].trigger = i == 0 ? CAPBIN_TRIGGER_EXEC : CAPBIN_TRIGGER_MANUAL;
	}
	return stages;
}

static int emit(uint8_t **out, size_t *len)
{
	char errbuf[256];
	if (emit_blob(&pol, out, len, errbuf, sizeof errbuf) < 0) {
		fprintf(stderr, "emit_blob: %s\n", errbuf);
		return -1;
	}
	return 0;
}

/* The blobs of the runtime suites. Each builder fills `pol`. */
static void b_ambient(void)
{
	struct ir_stage *s = reset("ambient", 1);
	as_nobody(s);
	keep_caps(s, BIT(CAP_NET_BIND_SERVICE), 1);
	s->flags |= CAPBIN_STAGE_BOUNDING | CAPBIN_STAGE_NNP;
	s->bounding = BIT(CAP_NET_BIND_SERVICE);
}

static void b_noambient(void)
{
	struct ir_stage *s = reset("noambient", 1);
	as_nobody(s);
	keep_caps(s, BIT(CAP_NET_BIND_SERVICE), 0);
	s->flags |= CAPBIN_STAGE_AMBIENT;
	s->amb_and = 0;
	s->amb_or = 0;
}

static void b_bounding(void)
{
	struct ir_stage *s = reset("bounding", 1);
	s->flags = CAPBIN_STAGE_BOUNDING;
	s->bounding = ~BIT(CAP_NET_RAW);
}

static void b_secbits(void)
{
	struct ir_stage *s = reset("secbits", 1);
	as_nobody(s);
	keep_caps(s, 0, 1);
	s->flags |= CAPBIN_STAGE_SECUREBITS;
	s->securebits_mask = s->securebits = CAPBIN_SECBIT_NOROOT | CAPBIN_SECBIT_NOROOT_LOCKED |
					     CAPBIN_SECBIT_NO_SETUID_FIXUP | CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED |
					     CAPBIN_SECBIT_KEEP_CAPS_LOCKED;
}

static void b_noroot(void)
{
	struct ir_stage *s = reset("noroot", 1);
	keep_caps(s, 0, 1);
	s->flags |= CAPBIN_STAGE_SECUREBITS;
	s->securebits_mask = s->securebits = CAPBIN_SECBIT_NOROOT | CAPBIN_SECBIT_NOROOT_LOCKED;
}

static void b_seccomp(void)
{
	struct ir_stage *s = reset("seccomp", 1);
	native_arch(&pol);
	make_deny_prog(capr_native_audit_arch(), __NR_getppid, SECCOMP_RET_ERRNO | EACCES);
	s->flags = CAPBIN_STAGE_NNP;
	with_filter(s, 1);
}

static struct ir_id ids_groups[2] = {{"users", CAPBIN_ID_NONE}, {NULL, 4242}};

static void b_ids(void)
{
	struct ir_stage *s = reset("ids", 1);
	as_nobody(s);
	s->group.name = NULL;
	s->group.id = 4321;
	s->groups = ids_groups;
	s->ngroups = 2;
	keep_caps(s, 0, 1);
}

/* exec: nothing but no_new_privs; auth: nobody + net_bind_service
 * (ambient) + getppid filter; serve: drop everything left. */
static void b_points(void)
{
	struct ir_stage *s = reset("points", 3);
	native_arch(&pol);
	make_deny_prog(capr_native_audit_arch(), __NR_getppid, SECCOMP_RET_ERRNO | EACCES);
	s[0].flags = CAPBIN_STAGE_NNP;
	as_nobody(&s[1]);
	keep_caps(&s[1], BIT(CAP_NET_BIND_SERVICE), 1);
	s[1].flags |= CAPBIN_STAGE_BOUNDING;
	s[1].bounding = BIT(CAP_NET_BIND_SERVICE);
	with_filter(&s[1], 1);
	s[2].point = "serve";
	keep_caps(&s[2], 0, 1);
}

static void b_trigger(void)
{
	struct ir_stage *s = reset("trigger", 2);
	s[0].flags = CAPBIN_STAGE_NNP;
	s[1].point = "listen";
	s[1].trigger = CAPBIN_TRIGGER_LISTEN;
	keep_caps(&s[1], 0, 1);
}

static void b_needraw(void)
{
	struct ir_stage *s = reset("needraw", 1);
	keep_caps(s, BIT(CAP_NET_RAW), 0);
}

static void b_nouser(void)
{
	struct ir_stage *s = reset("nouser", 1);
	as_nobody(s);
	s->user.name = "capc-no-such-user";
	keep_caps(s, 0, 1);
}

static void b_otherarch(void)
{
	struct ir_stage *s = reset("otherarch", 1);
	uint32_t other = capr_native_audit_arch() == AUDIT_ARCH_AARCH64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64;
	pol.arches[0].audit_arch = other;
	pol.arches[0].abis = CAPBIN_ABI_NATIVE;
	pol.arches[0].name = "other";
	pol.narch = 1;
	make_deny_prog(other, __NR_getppid, SECCOMP_RET_ERRNO | EACCES);
	s->flags = CAPBIN_STAGE_NNP;
	with_filter(s, 1);
}

/* exec: a filter making setresuid fail; auth: drops the bounding set,
 * then switches to nobody: a failure after a change. */
static void b_partial(void)
{
	struct ir_stage *s = reset("partial", 2);
	native_arch(&pol);
	make_deny_prog(capr_native_audit_arch(), __NR_setresuid, SECCOMP_RET_ERRNO | EPERM);
	s[0].flags = CAPBIN_STAGE_NNP;
	with_filter(&s[0], 1);
	s[1].flags = CAPBIN_STAGE_BOUNDING | CAPBIN_STAGE_USER;
	s[1].bounding = ~BIT(CAP_NET_RAW);
	s[1].user.id = 65534;
	keep_caps(&s[1], 0, 1);
}

/* The worked example of docs/capbin.md: keep only cap_net_bind_service
 * in the bounding set, set no_new_privs. */
static void b_demo(void)
{
	struct ir_stage *s = reset("demo", 1);
	s->flags = CAPBIN_STAGE_BOUNDING | CAPBIN_STAGE_NNP;
	s->bounding = BIT(CAP_NET_BIND_SERVICE);
}

static const struct {
	const char *name;
	void (*build)(void);
} blobs[] = {
	{"demo", b_demo},
	{"ambient", b_ambient},   {"noambient", b_noambient}, {"bounding", b_bounding}, {"secbits", b_secbits},
	{"noroot", b_noroot},     {"seccomp", b_seccomp},     {"ids", b_ids},           {"points", b_points},
	{"trigger", b_trigger},   {"needraw", b_needraw},     {"nouser", b_nouser},     {"otherarch", b_otherarch},
	{"partial", b_partial},
};

static int write_blobs(const char *dir)
{
	for (size_t i = 0; i < sizeof blobs / sizeof blobs[0]; i++) {
		uint8_t *b;
		size_t n;
		char path[4096];
		FILE *f;

		blobs[i].build();
		if (emit(&b, &n) < 0)
			return 1;
		snprintf(path, sizeof path, "%s/%s.capbin", dir, blobs[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
			fprintf(stderr, "test_blob: %s: %s\n", path, strerror(errno));
			free(b);
			return 1;
		}
		free(b);
	}
	return 0;
}

/* ---------------------------------------------------------------- validation tests */

static uint8_t *base;
static size_t base_len;

static uint32_t get32(const uint8_t *b, size_t off)
{
	uint32_t v;
	memcpy(&v, b + off, 4);
	return capbin_le32(v);
}

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	v = capbin_le16(v);
	memcpy(b + off, &v, 2);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	v = capbin_le32(v);
	memcpy(b + off, &v, 4);
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
	v = capbin_le64(v);
	memcpy(b + off, &v, 8);
}

static void recrc(uint8_t *b, size_t len)
{
	put32(b, offsetof(struct capbin_header, checksum), 0);
	put32(b, offsetof(struct capbin_header, checksum), capbin_crc32(0, b, len));
}

static uint8_t *copy_base(void)
{
	uint8_t *b = malloc(base_len);
	if (!b)
		abort();
	memcpy(b, base, base_len);
	return b;
}

/* Open b (len bytes); expect failure at step with msg containing needle. */
static void expect_fail(const uint8_t *b, size_t len, const char *step, const char *needle, const char *desc)
{
	struct capr_error err;
	capr_policy *p;

	memset(&err, 0, sizeof err);
	p = capr_open_mem(b, len, &err);
	if (p) {
		ok(0, "%s: refused (it was accepted)", desc);
		capr_close(p);
		return;
	}
	int good = strcmp(err.step, step) == 0 && (!needle || strstr(err.msg, needle)) && !err.partial;
	ok(good, "%s: refused at step '%s'%s%s", desc, step, needle ? " with " : "", needle ? needle : "");
	if (!good)
		printf("#   got: %s: %s\n", err.step, err.msg);
}

static size_t stage_off(const uint8_t *b, unsigned i)
{
	return get32(b, offsetof(struct capbin_header, stage_off)) + (size_t)i * sizeof(struct capbin_stage);
}

#define HOFF(f) offsetof(struct capbin_header, f)
#define SOFF(f) offsetof(struct capbin_stage, f)

/* Patch one field with a valid checksum and expect the given refusal. */
#define FIELD_CASE(off, width, value, step, needle, desc)                                                   \
	do {                                                                                                \
		uint8_t *b_ = copy_base();                                                                  \
		put##width(b_, (off), (value));                                                             \
		recrc(b_, base_len);                                                                        \
		expect_fail(b_, base_len, step, needle, desc);                                              \
		free(b_);                                                                                   \
	} while (0)

/* The checksum: the standard check value, and the table-driven
 * implementation against the bitwise definition, on every single byte
 * value (each table entry) and on longer data split at odd places. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void test_crc(void)
{
	uint8_t data[1031];
	int bad = 0;

	ok(capbin_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC-32 check value of \"123456789\"");
	for (unsigned b = 0; b < 256; b++) {
		uint8_t c = (uint8_t)b;
		if (capbin_crc32(0, &c, 1) != crc_bitwise(0, &c, 1))
			bad++;
	}
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof data; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	uint32_t split = capbin_crc32(capbin_crc32(0, data, 517), data + 517, sizeof data - 517);
	ok(!bad && split == crc_bitwise(0, data, sizeof data), "CRC-32: table equals the bitwise definition");
}

static void test_good(void)
{
	struct capr_error err;
	capr_policy *p = capr_open_mem(base, base_len, &err);

	ok(p != NULL, "a blob from emit_blob loads");
	if (!p) {
		printf("#   %s\n", capr_strerror(&err));
		return;
	}
	ok(strcmp(capr_policy_name(p), "points") == 0, "policy name");
	ok(capr_point_count(p) == 3, "three points");
	ok(capr_point_name(p, 0) && strcmp(capr_point_name(p, 0), "exec") == 0, "point 0 is exec");
	ok(capr_point_name(p, 1) && strcmp(capr_point_name(p, 1), "auth") == 0, "point 1 is auth");
	ok(capr_point_name(p, 3) == NULL, "point 3 does not exist");
	ok(capr_enter_policy(p, "nosuchpoint", 0, &err) < 0 && strcmp(err.step, "point") == 0 &&
		   strstr(err.msg, "unknown point 'nosuchpoint'") && !err.partial,
	   "entering an unknown point: error before any change");
	capr_close(p);

	/* Deterministic writer, and capr_open on a file. */
	char path[] = "/tmp/capc-test-blob.XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0 && write(fd, base, base_len) == (ssize_t)base_len, "write blob to a file");
	p = capr_open(path, &err);
	ok(p != NULL, "capr_open reads the file");
	capr_close(p);
	lseek(fd, 3, SEEK_SET);
	p = capr_open_fd(fd, &err);
	ok(p != NULL, "capr_open_fd reads from offset 0 whatever the file offset");
	capr_close(p);
	/* Too large: refused by size, not read. */
	ok(ftruncate(fd, (off_t)CAPBIN_MAX_SIZE + 1) == 0, "grow the file past the limit");
	p = capr_open(path, &err);
	ok(!p && strcmp(err.step, "blob") == 0 && strstr(err.msg, "larger than"), "a file over CAPBIN_MAX_SIZE is refused");
	close(fd);
	unlink(path);
	p = capr_open("/nonexistent/capc.capbin", &err);
	ok(!p && strcmp(err.step, "open") == 0 && strstr(err.msg, "No such file"), "a missing file: step open");
}

static void test_bitflips(void)
{
	int bad = 0;

	/* Every bit of the file: flipped, the blob is refused; outside the
	 * magic and the size field it is the checksum that says so. */
	for (size_t off = 0; off < base_len; off++)
		for (int bit = 0; bit < 8; bit++) {
			uint8_t *b = copy_base();
			struct capr_error err;
			capr_policy *p;
			const char *want = "checksum";

			b[off] ^= (uint8_t)(1u << bit);
			if (off < CAPBIN_MAGIC_LEN || (off >= HOFF(file_size) && off < HOFF(file_size) + 4))
				want = "blob";
			p = capr_open_mem(b, base_len, &err);
			if (p || strcmp(err.step, want) != 0) {
				if (bad++ < 5)
					printf("#   flip at byte %zu bit %d: %s\n", off, bit, p ? "accepted" : capr_strerror(&err));
				capr_close(p);
			}
			free(b);
		}
	ok(bad == 0, "every single-bit flip in %zu bytes is refused (checksum, or magic/size)", base_len);

	uint8_t *b = copy_base();
	b[base_len - 1] ^= 0x80;
	struct capr_error err;
	capr_open_mem(b, base_len, &err);
	char want[64];
	snprintf(want, sizeof want, "stored 0x%08x", get32(base, HOFF(checksum)));
	ok(strcmp(err.step, "checksum") == 0 && strstr(err.msg, "blob is corrupted") && strstr(err.msg, want),
	   "checksum message names stored and computed values");
	printf("#   %s\n", capr_strerror(&err));
	free(b);
}

static void test_truncation(void)
{
	int bad = 0;
	struct capr_error err;

	for (size_t n = 0; n < base_len; n++) {
		capr_policy *p = capr_open_mem(base, n, &err);
		if (p || strcmp(err.step, "blob") != 0 || !strstr(err.msg, "truncated")) {
			if (bad++ < 5)
				printf("#   length %zu: %s\n", n, p ? "accepted" : capr_strerror(&err));
			capr_close(p);
		}
	}
	ok(bad == 0, "every truncation (0..%zu bytes) is refused as truncated", base_len - 1);
	capr_open_mem(base, base_len - 8, &err);
	char want[96];
	snprintf(want, sizeof want, "truncated: header says %zu bytes, file has %zu", base_len, base_len - 8);
	ok(strstr(err.msg, want) != NULL, "truncation message: %s", want);

	uint8_t *b = malloc(base_len + 8);
	memcpy(b, base, base_len);
	memset(b + base_len, 0, 8);
	expect_fail(b, base_len + 8, "blob", "trailing data", "trailing bytes after file_size");
	memcpy(b, "CAPCBIN\x1b", 8);
	expect_fail(b, base_len, "blob", "bad magic", "wrong magic");
	free(b);
	expect_fail((const uint8_t *)"hello world, this is not a blob", 31, "blob", "bad magic", "a text file");
}

static void test_fields(void)
{
	size_t s1 = stage_off(base, 1);

	FIELD_CASE(HOFF(version_major), 16, 2, "blob", "unsupported format version 2.0", "major version 2");
	FIELD_CASE(HOFF(version_major), 16, 0, "blob", "unsupported format version 0.0", "major version 0");
	FIELD_CASE(HOFF(header_size), 32, 104, "blob", "header_size is 104", "header_size");
	FIELD_CASE(HOFF(kind), 32, 9, "blob", "unknown kind 9", "unknown kind");
	FIELD_CASE(HOFF(flags), 32, 1, "blob", "reserved", "header flags");
	FIELD_CASE(HOFF(reserved) + 3, 16, 0x100, "blob", "reserved byte", "header reserved bytes");
	FIELD_CASE(HOFF(stage_count), 16, CAPBIN_MAX_STAGES + 1, "blob", "too many", "stage count over the max");
	FIELD_CASE(HOFF(arch_count), 16, CAPBIN_MAX_ARCHES + 1, "blob", "too many", "arch count over the max");
	FIELD_CASE(HOFF(stage_count), 16, 200, "blob", "too many", "stage count 200");
	FIELD_CASE(HOFF(id_count), 32, 0x40000000u, "blob", "extends past the end", "id count past the file");
	FIELD_CASE(HOFF(bpf_count), 32, 0xffffffffu, "blob", "extends past the end", "bpf count overflow-sized");
	FIELD_CASE(HOFF(stage_off), 32, get32(base, HOFF(stage_off)) + 4, "blob", "not 8-byte aligned",
		   "misaligned stage section");
	FIELD_CASE(HOFF(stage_off), 32, 8, "blob", "overlaps the header", "stage section over the header");
	FIELD_CASE(HOFF(stage_off), 32, 0xfffffff8u, "blob", "extends past the end", "stage section offset huge");
	FIELD_CASE(HOFF(str_off), 32, get32(base, HOFF(stage_off)), "blob", "overlap", "string section over the stages");
	FIELD_CASE(HOFF(str_size), 32, get32(base, HOFF(str_size)) - 1, "strings", "NUL", "string section not NUL-terminated");
	FIELD_CASE(get32(base, HOFF(str_off)), 16, 0x4141, "strings", "start and end", "string section first byte not NUL");
	FIELD_CASE(HOFF(name), 32, 0x10000, "strings", "outside the string section", "name offset out of range");
	FIELD_CASE(get32(base, HOFF(str_off)) + 1, 16, 0x0107, "strings", "control byte", "control byte in a string");

	FIELD_CASE(s1 + SOFF(point), 32, 0, "strings", "empty name", "stage without a point name");
	FIELD_CASE(s1 + SOFF(point), 32, get32(base, stage_off(base, 0) + SOFF(point)), "stage", "exec stage",
		   "a second stage named exec");
	FIELD_CASE(stage_off(base, 2) + SOFF(point), 32, get32(base, s1 + SOFF(point)), "stage", "used twice",
		   "duplicate point names");
	FIELD_CASE(s1 + SOFF(trigger), 16, 0, "stage", "unknown trigger 0", "trigger 0");
	FIELD_CASE(s1 + SOFF(trigger), 16, 8, "stage", "unknown trigger 8", "trigger 8");
	FIELD_CASE(s1 + SOFF(trigger), 16, CAPBIN_TRIGGER_SESSION, "stage", "session", "session trigger in a service");
	FIELD_CASE(s1 + SOFF(trigger), 16, CAPBIN_TRIGGER_EXEC, "stage", "exec stage", "exec trigger on a point");
	FIELD_CASE(s1 + SOFF(reserved0), 16, 1, "stage", "reserved", "stage reserved0");
	FIELD_CASE(s1 + SOFF(reserved1), 32, 1, "stage", "reserved", "stage reserved1");
	FIELD_CASE(s1 + SOFF(flags), 32, 0x200, "stage", "unknown flags 0x200", "unknown stage flag");
	FIELD_CASE(s1 + SOFF(seccomp_flags), 32, 2, "stage", "unknown seccomp flags", "unknown seccomp flag");
	FIELD_CASE(s1 + SOFF(securebits_mask), 32, 0x100, "stage", "unknown securebits", "securebits mask bit 8");
	FIELD_CASE(s1 + SOFF(securebits), 32, 1, "stage", "outside their mask", "securebits outside the mask");
	FIELD_CASE(s1 + SOFF(user), 32, 0xfff0, "strings", "outside the string section", "user name offset");
	FIELD_CASE(s1 + SOFF(user) + 4, 32, 7, "ids", "also has number", "user with name and number");
	FIELD_CASE(s1 + SOFF(groups_index), 32, 0xffffffffu, "stage", "outside the id table", "groups index overflow");
	FIELD_CASE(s1 + SOFF(groups_count), 32, 3, "stage", "outside the id table", "groups count past the table");
	FIELD_CASE(s1 + SOFF(filter_index), 32, 5, "filter", "outside the filter table", "filter index past the table");
	FIELD_CASE(s1 + SOFF(filter_index), 32, 0xffffffffu, "filter", "outside the filter table", "filter index overflow");

	/* A numeric user id of -1 ("unchanged" to setresuid) or USER_PRIMARY. */
	{
		uint8_t *b = copy_base();
		put32(b, s1 + SOFF(user), 0);
		put32(b, s1 + SOFF(user) + 4, CAPBIN_ID_NONE);
		recrc(b, base_len);
		expect_fail(b, base_len, "ids", "invalid id 0xffffffff", "numeric uid -1");
		put32(b, s1 + SOFF(user) + 4, CAPBIN_ID_USER_PRIMARY);
		recrc(b, base_len);
		expect_fail(b, base_len, "ids", "invalid id 0xfffffffe", "user = primary group marker");
		free(b);
	}
	/* A newer minor version is accepted, its reserved fields ignored. */
	{
		uint8_t *b = copy_base();
		struct capr_error err;
		put16(b, HOFF(version_minor), 7);
		put32(b, HOFF(flags), 0);
		b[HOFF(reserved)] = 0x55;
		put16(b, s1 + SOFF(reserved0), 9);
		recrc(b, base_len);
		capr_policy *p = capr_open_mem(b, base_len, &err);
		ok(p != NULL, "minor version 1.7 with reserved space filled: accepted");
		capr_close(p);
		put32(b, s1 + SOFF(flags), 0x400);
		recrc(b, base_len);
		expect_fail(b, base_len, "stage", "unknown flags", "minor 1.7 with an unknown stage flag: refused");
		free(b);
	}
	/* Capability masks with every bit: accepted (bits above cap_last_cap
	 * are ignored when applying, never an error at load). */
	{
		uint8_t *b = copy_base();
		struct capr_error err;
		put64(b, s1 + SOFF(prm_or), ~UINT64_C(0));
		recrc(b, base_len);
		capr_policy *p = capr_open_mem(b, base_len, &err);
		ok(p != NULL, "64-bit capability masks load");
		capr_close(p);
		free(b);
	}
}

/* Filters: patch instructions of the one program in the bpf section. */
static void test_bpf(void)
{
	size_t bpf = get32(base, HOFF(bpf_off));
	size_t filt = get32(base, HOFF(filter_off));

	/* instruction 1 (jeq arch): jt 1 -> 9 (past the end of 7) */
	FIELD_CASE(bpf + 1 * 8 + 2, 16, 0x0009, "filter", "past the end", "jump past the end");
	FIELD_CASE(bpf + 6 * 8, 16, BPF_LD | BPF_IMM, "filter", "does not end with a return", "no final RET");
	FIELD_CASE(bpf + 0 * 8, 16, BPF_LD | BPF_B | BPF_ABS, "filter", "not allowed", "byte load opcode");
	FIELD_CASE(bpf + 0 * 8 + 4, 32, 2, "filter", "outside struct seccomp_data", "misaligned load");
	FIELD_CASE(bpf + 0 * 8 + 4, 32, 64, "filter", "outside struct seccomp_data", "load past seccomp_data");
	FIELD_CASE(bpf + 0 * 8, 16, 0xffff, "filter", "not allowed", "garbage opcode");
	FIELD_CASE(filt + 4, 32, 0, "filter", "0 instructions", "empty program");
	FIELD_CASE(filt + 4, 32, 4097, "filter", "4097 instructions", "program over 4096 instructions");
	FIELD_CASE(filt + 4, 32, 8, "filter", "outside the bpf section", "program past the bpf section");
	FIELD_CASE(filt, 32, 0xffffffffu, "filter", "outside the bpf section", "program index overflow");

	/* Direct checks of the structural verifier. */
	struct sock_filter memread[] = {
		{BPF_LD | BPF_MEM, 0, 0, 3},
		{BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_filter memok[] = {
		{BPF_ST, 0, 0, 3},
		{BPF_LD | BPF_MEM, 0, 0, 3},
		{BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_filter memhalf[] = {
		{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 5},
		{BPF_ST, 0, 0, 3},
		{BPF_LD | BPF_MEM, 0, 0, 3},
		{BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_filter div0[] = {
		{BPF_ALU | BPF_DIV | BPF_K, 0, 0, 0},
		{BPF_RET | BPF_A, 0, 0, 0},
	};
	struct sock_filter ja[] = {
		{BPF_JMP | BPF_JA, 0, 0, 0xffffffffu},
		{BPF_RET | BPF_A, 0, 0, 0},
	};
	char why[160];
	ok(capr_bpf_check(memread, 2, why, sizeof why) < 0 && strstr(why, "before any store"), "scratch read before store");
	ok(capr_bpf_check(memok, 3, why, sizeof why) == 0, "scratch read after store");
	ok(capr_bpf_check(memhalf, 4, why, sizeof why) < 0, "scratch stored on one path only");
	ok(capr_bpf_check(div0, 2, why, sizeof why) < 0 && strstr(why, "division by zero"), "division by constant zero");
	ok(capr_bpf_check(ja, 2, why, sizeof why) < 0 && strstr(why, "past the end"), "JA with a huge offset");
}

/* The filters of a service's stages stack in one process: a blob whose
 * filters together exceed the kernel's limit (capbin.h: counted as the
 * kernel converts them, plus a penalty per installed filter) is refused
 * when opened, not by seccomp(2) at the stage that crosses it. Filters
 * of n-1 loads and a ret K count n + 4 (runtime/capr_bpf.c). */
static struct ir_insn big_prog[CAPBIN_MAX_BPF_INSNS], last_prog[CAPBIN_MAX_BPF_INSNS];

static void test_stacked(void)
{
	static char names[8][8];
	uint8_t *b;
	size_t n;

	for (size_t i = 0; i < CAPBIN_MAX_BPF_INSNS; i++)
		big_prog[i] = last_prog[i] = (struct ir_insn){BPF_LD | BPF_W | BPF_ABS, 0, 0, 0};
	big_prog[CAPBIN_MAX_BPF_INSNS - 1] = (struct ir_insn){BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW};
	/* 7 full filters: 7 * 4100 + 7 * 4 = 28728; the 8th may count 4040
	 * (4036 instructions) to reach exactly 32768. */
	for (size_t last = 4036; last <= 4037; last++) {
		struct ir_stage *s = reset("stacked", 8);
		native_arch(&pol);
		for (size_t i = 0; i < 8; i++) {
			snprintf(names[i], sizeof names[i], "p%zu", i);
			s[i].point = names[i];
			s[i].trigger = CAPBIN_TRIGGER_MANUAL;
			s[i].flags |= CAPBIN_STAGE_SECCOMP;
			s[i].progs[0].insns = i == 7 ? last_prog : big_prog;
			s[i].progs[0].n = i == 7 ? last : CAPBIN_MAX_BPF_INSNS;
		}
		last_prog[last - 1] = (struct ir_insn){BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW};
		if (emit(&b, &n) < 0) {
			ok(0, "stacked filters: emit");
			return;
		}
		if (last == 4036) {
			struct capr_error err;
			capr_policy *p = capr_open_mem(b, n, &err);
			ok(p != NULL, "stacked filters counting exactly 32768 in the kernel: accepted%s%s", p ? "" : ": ",
			   p ? "" : err.msg);
			capr_close(p);
		} else {
			expect_fail(b, n, "filter", "stage 'p7'", "stacked filters counting 32769 in the kernel");
		}
		last_prog[last - 1] = (struct ir_insn){BPF_LD | BPF_W | BPF_ABS, 0, 0, 0};
		free(b);
	}
}

static void test_kinds(void)
{
	uint8_t *b;
	size_t n;

	/* Filters for another arch only. */
	b_otherarch();
	if (emit(&b, &n) == 0) {
		char want[96];
		snprintf(want, sizeof want, "only; this kernel is %s",
			 capr_native_audit_arch() == AUDIT_ARCH_X86_64 ? "x86_64" : "");
		expect_fail(b, n, "arch", want, "filters for another arch only");
		struct capr_error err;
		capr_open_mem(b, n, &err);
		printf("#   %s\n", capr_strerror(&err));
		free(b);
	}
	/* Session blob with rules. */
	{
		struct ir_stage *s = reset("sess", 2);
		static struct ir_rule rules[2];
		pol.kind = CAPBIN_KIND_SESSION;
		s[0].point = "session";
		s[0].trigger = CAPBIN_TRIGGER_SESSION;
		s[1].point = "session";
		s[1].trigger = CAPBIN_TRIGGER_SESSION;
		rules[0] = (struct ir_rule){CAPBIN_RULE_USER, {"alice", CAPBIN_ID_NONE}, 1};
		rules[1] = (struct ir_rule){CAPBIN_RULE_DEFAULT, {NULL, CAPBIN_ID_NONE}, 0};
		pol.rules = rules;
		pol.nrules = 2;
		if (emit(&b, &n) == 0) {
			struct capr_error err;
			capr_policy *p = capr_open_mem(b, n, &err);
			ok(p != NULL, "session blob with two rules loads");
			capr_close(p);
			size_t r0 = get32(b, HOFF(rule_off));
			put16(b, r0, 4);
			recrc(b, n);
			expect_fail(b, n, "rule", "unknown kind 4", "rule kind 4");
			put16(b, r0, CAPBIN_RULE_USER);
			put32(b, r0 + 4, 2);
			recrc(b, n);
			expect_fail(b, n, "rule", "stage 2 does not exist", "rule naming a missing stage");
			put32(b, r0 + 4, 1);
			put32(b, r0 + 16 + 12, 5);
			recrc(b, n);
			expect_fail(b, n, "rule", "names no one", "default rule with an id");
			put32(b, r0 + 16 + 12, CAPBIN_ID_NONE);
			put32(b, stage_off(b, 0) + SOFF(trigger), CAPBIN_TRIGGER_MANUAL);
			recrc(b, n);
			expect_fail(b, n, "stage", "in a session blob", "manual stage in a session blob");
			free(b);
		}
	}
	/* A seccomp stage with no arch entry at all. */
	{
		struct ir_stage *s = reset("noarch", 1);
		s->flags = CAPBIN_STAGE_NNP;
		with_filter(s, 0);
		/* emit_blob writes filter_index 0 and no filters. */
		if (emit(&b, &n) == 0) {
			expect_fail(b, n, "filter", "outside the filter table", "seccomp stage without arches");
			free(b);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return write_blobs(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: test_blob [write DIR]\n");
		return 2;
	}
	b_points();
	if (emit(&base, &base_len) < 0)
		return 1;
	test_crc();
	test_good();
	test_bitflips();
	test_truncation();
	test_fields();
	test_bpf();
	test_kinds();
	test_stacked();
	free(base);
	printf("# %d tests, %d failed\n", count, failures);
	return failures ? 1 : 0;
}
