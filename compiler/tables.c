/* tables.c - the name tables the language resolves against.
 *
 * Syscall groups, argument names and constants are generated C data
 * (tools/gen-tables.sh from compiler/data/, layout in tables_data.h).
 * Capability names come from libcap, errno names from glibc, syscall names
 * from libseccomp; those tables are built on first use and kept for the
 * life of the process (the compiler is single-threaded). Lookups do not
 * allocate; only the syscall name list is built in allocated memory, once.
 */
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "tables.h"
#include "tables_data.h"

/* ------------------------------------------------------------ capabilities */

/* Capability numbers are 0..63 (two 32-bit words in the kernel ABI). */
#define CAP_SLOTS 64
/* Long enough for any libcap name; a longer one would be left out. */
#define CAP_NAME_MAX 48

static char cap_store[CAP_SLOTS][CAP_NAME_MAX];
static const char *cap_names[CAP_SLOTS];    /* by number; NULL if unnamed */
static const char *cap_list[CAP_SLOTS + 1]; /* named ones in numeric order */
static int cap_last = -1;
static bool caps_loaded;

static void caps_load(void)
{
	size_t n = 0;

	if (caps_loaded)
		return;
	caps_loaded = true;
	for (int i = 0; i < CAP_SLOTS; i++) {
		char *s = cap_to_name((cap_value_t)i);
		/* libcap spells a capability it has no name for as its
		 * number ("41"): such a one has no name here. */
		if (s && strncmp(s, "cap_", 4) == 0 && strlen(s + 4) < CAP_NAME_MAX) {
			strcpy(cap_store[i], s + 4);
			cap_names[i] = cap_store[i];
			cap_list[n++] = cap_store[i];
			cap_last = i;
		}
		cap_free(s);
	}
	cap_list[n] = NULL;
}

int tbl_cap_from_name(const char *name)
{
	/* libcap wants "cap_" and lower case: normalize into a buffer. */
	char buf[4 + CAP_NAME_MAX];
	const char *p = name;
	size_t n;
	cap_value_t v;

	if (strncasecmp(p, "cap_", 4) == 0)
		p += 4;
	if (!*p)
		return -1;
	memcpy(buf, "cap_", 4);
	n = 4;
	for (; *p; p++) {
		char c = *p;
		/* libcap's names are ASCII letters and '_'; it reads a
		 * leading digit as a number and stops a name at any other
		 * byte. (No <ctype.h>: the locale must not matter.) */
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || c == '_'))
			return -1;
		if (n + 1 >= sizeof buf)
			return -1;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (cap_from_name(buf, &v) != 0 || v < 0 || v >= CAP_SLOTS)
		return -1;
	/* cap_from_name accepts a known name followed by anything
	 * ("cap_net_raw2"): only a whole name counts. */
	caps_load();
	if (!cap_names[v] || strcmp(cap_names[v], buf + 4) != 0)
		return -1;
	return (int)v;
}

const char *tbl_cap_name(int cap)
{
	if (cap < 0 || cap >= CAP_SLOTS)
		return NULL;
	caps_load();
	return cap_names[cap];
}

int tbl_cap_last(void)
{
	caps_load();
	return cap_last;
}

const char *tbl_cap_candidate(void *ctx, size_t i)
{
	(void)ctx;
	caps_load();
	/* Entries past the last name are NULL. */
	return i < CAP_SLOTS ? cap_list[i] : NULL;
}

/* ------------------------------------------------------------ groups */

/* Accepts "@name" too, the spelling group members use for nested groups. */
const struct tbl_group *tbl_group(const char *name)
{
	if (name[0] == '@')
		name++;
	for (size_t i = 0; i < tbl_data_ngroups; i++)
		if (strcmp(tbl_data_groups[i].name, name) == 0)
			return &tbl_data_groups[i];
	return NULL;
}

size_t tbl_group_count(void)
{
	return tbl_data_ngroups;
}

const struct tbl_group *tbl_group_at(size_t i)
{
	return i < tbl_data_ngroups ? &tbl_data_groups[i] : NULL;
}

const char *tbl_group_candidate(void *ctx, size_t i)
{
	(void)ctx;
	return i < tbl_data_ngroups ? tbl_data_groups[i].name : NULL;
}

/* ------------------------------------------------------------ arguments */

static int cmp_args(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tbl_args *)elem)->syscall);
}

static const struct tbl_args *args_of(const char *syscall)
{
	return bsearch(syscall, tbl_data_args, tbl_data_nargs, sizeof tbl_data_args[0], cmp_args);
}

static const char *const generic_args[TBL_MAX_ARGS] = {
	"arg0", "arg1", "arg2", "arg3", "arg4", "arg5",
};

int tbl_syscall_arg(const char *syscall, const char *arg)
{
	const struct tbl_args *a;

	/* argN is index N for every syscall, listed or not. */
	if (strncmp(arg, "arg", 3) == 0 && arg[3] >= '0' && arg[3] < '0' + TBL_MAX_ARGS && !arg[4])
		return arg[3] - '0';
	a = args_of(syscall);
	if (!a)
		return -1;
	for (int i = 0; i < TBL_MAX_ARGS && a->args[i]; i++)
		if (strcmp(a->args[i], arg) == 0)
			return i;
	return -1;
}

const char *tbl_syscall_arg_name(const char *syscall, unsigned i)
{
	const struct tbl_args *a = args_of(syscall);

	return a && i < TBL_MAX_ARGS ? a->args[i] : NULL;
}

const char *tbl_syscall_arg_candidate(void *ctx, size_t i)
{
	const struct tbl_args *a = ctx ? args_of(ctx) : NULL;
	size_t n = 0;

	/* The syscall's own names first (ties go to them), then argN. */
	if (a)
		while (n < TBL_MAX_ARGS && a->args[n])
			n++;
	if (i < n)
		return a->args[i];
	i -= n;
	return i < TBL_MAX_ARGS ? generic_args[i] : NULL;
}

/* ------------------------------------------------------------ argument widths */

static int cmp_widths(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tbl_widths *)elem)->syscall);
}

unsigned tbl_syscall_arg_bits(const char *syscall, unsigned arg, unsigned abi_bits)
{
	const struct tbl_widths *t = abi_bits == 64 ? tbl_data_widths64 : tbl_data_widths32;
	size_t n = abi_bits == 64 ? tbl_data_nwidths64 : tbl_data_nwidths32;
	const struct tbl_widths *w = arg < TBL_MAX_ARGS ? bsearch(syscall, t, n, sizeof *t, cmp_widths) : NULL;

	return w && w->bits[arg] && w->bits[arg] < abi_bits ? w->bits[arg] : abi_bits;
}

void tbl_syscall_arg_widths(const char *syscall, unsigned abi_bits, unsigned bits[6])
{
	const struct tbl_widths *t = abi_bits == 64 ? tbl_data_widths64 : tbl_data_widths32;
	size_t n = abi_bits == 64 ? tbl_data_nwidths64 : tbl_data_nwidths32;
	const struct tbl_widths *w = bsearch(syscall, t, n, sizeof *t, cmp_widths);
	for (unsigned k = 0; k < 6; k++)
		bits[k] = k < TBL_MAX_ARGS && w && w->bits[k] && w->bits[k] < abi_bits ? w->bits[k] : abi_bits;
}

/* ------------------------------------------------------------ syscall names */

static char **sys_names;
static size_t sys_count;
static bool sys_loaded;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a name libseccomp allocated; takes ownership. */
static bool sys_add(char *name, size_t *cap)
{
	if (sys_count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		char **nn = realloc(sys_names, ncap * sizeof *nn);
		if (!nn) {
			free(name);
			return false;
		}
		sys_names = nn;
		*cap = ncap;
	}
	sys_names[sys_count++] = name;
	return true;
}

static void sys_load(void)
{
	/* Every architecture this libseccomp may support; the ones it does
	 * not know resolve to 0 and are skipped. */
	static const char *const arches[] = {
		"x86", "x86_64", "x32", "arm", "aarch64", "loongarch64", "m68k",
		"mips", "mipsel", "mips64", "mipsel64", "mips64n32", "mipsel64n32",
		"parisc", "parisc64", "ppc", "ppc64", "ppc64le", "riscv64",
		"s390", "s390x", "sh", "sheb",
	};
	/* Syscall number ranges in use: the common one (MIPS o32, n64 and
	 * n32 start at 4000, 5000 and 6000), ARM's private calls, x32's. */
	static const struct {
		int first, count;
	} ranges[] = {
		{ 0, 8192 },
		{ 0x0f0000, 0x800 },
		{ 0x40000000, 0x400 },
	};
	size_t cap = 0, out = 0;

	if (sys_loaded)
		return;
	sys_loaded = true;
	for (size_t a = 0; a < sizeof arches / sizeof arches[0]; a++) {
		uint32_t arch = seccomp_arch_resolve_name(arches[a]);
		if (!arch)
			continue;
		for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
			for (int k = 0; k < ranges[r].count; k++) {
				char *s = seccomp_syscall_resolve_num_arch(arch, ranges[r].first + k);
				if (s && !sys_add(s, &cap))
					goto sort;
			}
		}
	}
sort:
	if (!sys_count)
		return;
	qsort(sys_names, sys_count, sizeof *sys_names, cmp_str);
	for (size_t i = 0; i < sys_count; i++) {
		if (out && strcmp(sys_names[out - 1], sys_names[i]) == 0)
			free(sys_names[i]);
		else
			sys_names[out++] = sys_names[i];
	}
	sys_count = out;
}

const char *tbl_syscall_candidate(void *ctx, size_t i)
{
	(void)ctx;
	sys_load();
	return i < sys_count ? sys_names[i] : NULL;
}

/* ------------------------------------------------------------ constants */

static int cmp_const(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tbl_constant *)elem)->name);
}

bool tbl_const(const char *name, uint64_t *value)
{
	const struct tbl_constant *c = bsearch(name, tbl_data_consts, tbl_data_nconsts,
					       sizeof tbl_data_consts[0], cmp_const);

	if (!c)
		return false;
	if (value)
		*value = c->value;
	return true;
}

const char *tbl_const_candidate(void *ctx, size_t i)
{
	(void)ctx;
	return i < tbl_data_nconsts ? tbl_data_consts[i].name : NULL;
}

/* ------------------------------------------------------------ errno */

/* glibc's strerrorname_np knows errno values below 4096 (the kernel's
 * MAX_ERRNO); it names each number once. */
#define ERRNO_SLOTS 4096

struct errno_entry {
	const char *name;
	int value;
};

/* Room for glibc's names (about 130 of the 4095 numbers) and the aliases. */
#define ERRNO_NAMES (ERRNO_SLOTS + 64)

static const char *errno_names[ERRNO_SLOTS];
/* Every name, sorted by name for bsearch: glibc's and the aliases. */
static struct errno_entry errno_sorted[ERRNO_NAMES];
static size_t errno_nsorted;
/* Candidates: glibc's names in numeric order, then the aliases. */
static const char *errno_list[ERRNO_NAMES + 1];
static bool errno_loaded;

static int cmp_errno(const void *a, const void *b)
{
	return strcmp(((const struct errno_entry *)a)->name, ((const struct errno_entry *)b)->name);
}

static void errno_load(void)
{
	size_t n = 0;

	if (errno_loaded)
		return;
	errno_loaded = true;
	for (int e = 1; e < ERRNO_SLOTS; e++) {
		const char *s = strerrorname_np(e);
		if (!s)
			continue;
		errno_names[e] = s;
		errno_sorted[n].name = s;
		errno_sorted[n].value = e;
		errno_list[n++] = s;
	}
	for (size_t i = 0; i < tbl_data_nerrno_aliases && n < ERRNO_NAMES; i++) {
		errno_sorted[n].name = tbl_data_errno_aliases[i].name;
		errno_sorted[n].value = (int)tbl_data_errno_aliases[i].value;
		errno_list[n++] = tbl_data_errno_aliases[i].name;
	}
	errno_list[n] = NULL;
	errno_nsorted = n;
	qsort(errno_sorted, errno_nsorted, sizeof errno_sorted[0], cmp_errno);
}

int tbl_errno_from_name(const char *name)
{
	struct errno_entry key = { name, 0 };
	const struct errno_entry *e;

	errno_load();
	e = bsearch(&key, errno_sorted, errno_nsorted, sizeof errno_sorted[0], cmp_errno);
	return e ? e->value : -1;
}

const char *tbl_errno_name(int value)
{
	if (value <= 0 || value >= ERRNO_SLOTS)
		return NULL;
	errno_load();
	return errno_names[value];
}

const char *tbl_errno_candidate(void *ctx, size_t i)
{
	(void)ctx;
	errno_load();
	return i < errno_nsorted ? errno_list[i] : NULL;
}
