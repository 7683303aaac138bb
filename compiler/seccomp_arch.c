/* seccomp_arch.c - the architectures and ABIs a filter can be built for.
 *
 * A target is one kernel architecture (what struct capbin_arch names by its
 * AUDIT_ARCH value) and the ABIs whose system calls its filter accepts:
 *
 *   x86_64 kernel:  x86_64 (native), x86 (compat, int $0x80), x32
 *   aarch64 kernel: aarch64 (native), arm (compat)
 *   every other arch libseccomp 2.5 knows: its native ABI only
 *
 * x86 or arm alone is the 32-bit kernel of that name; x32 alone is an
 * x86_64 kernel accepting x32 calls only. The filter rejects every ABI the
 * target does not list (libseccomp's bad-arch action, which we set to kill
 * the process): that is what keeps a 64-bit policy from being bypassed
 * through int $0x80 or x32 syscall numbers.
 */
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

#include "seccomp_int.h"

/* linux/audit.h of older kernels may lack these. */
#ifndef AUDIT_ARCH_RISCV64
#define AUDIT_ARCH_RISCV64 (EM_RISCV | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE)
#endif

/* width: what libseccomp compares (ARCH_SIZE_32 archs, x32 included, only
 * look at the low 32 bits of an argument). */
static const struct sc_abi abis[] = {
	{ "x86_64", SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 64, NULL, 0 },
	{ "x86", SCMP_ARCH_X86, AUDIT_ARCH_I386, 32, "x86_64", CAPBIN_ABI_COMPAT },
	{ "x32", SCMP_ARCH_X32, AUDIT_ARCH_X86_64, 32, "x86_64", CAPBIN_ABI_X32 },
	{ "aarch64", SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64, 64, NULL, 0 },
	{ "arm", SCMP_ARCH_ARM, AUDIT_ARCH_ARM, 32, "aarch64", CAPBIN_ABI_COMPAT },
	{ "mips", SCMP_ARCH_MIPS, AUDIT_ARCH_MIPS, 32, NULL, 0 },
	{ "mipsel", SCMP_ARCH_MIPSEL, AUDIT_ARCH_MIPSEL, 32, NULL, 0 },
	{ "mips64", SCMP_ARCH_MIPS64, AUDIT_ARCH_MIPS64, 64, NULL, 0 },
	{ "mipsel64", SCMP_ARCH_MIPSEL64, AUDIT_ARCH_MIPSEL64, 64, NULL, 0 },
	{ "mips64n32", SCMP_ARCH_MIPS64N32, AUDIT_ARCH_MIPS64N32, 32, NULL, 0 },
	{ "mipsel64n32", SCMP_ARCH_MIPSEL64N32, AUDIT_ARCH_MIPSEL64N32, 32, NULL, 0 },
	{ "ppc", SCMP_ARCH_PPC, AUDIT_ARCH_PPC, 32, NULL, 0 },
	{ "ppc64", SCMP_ARCH_PPC64, AUDIT_ARCH_PPC64, 64, NULL, 0 },
	{ "ppc64le", SCMP_ARCH_PPC64LE, AUDIT_ARCH_PPC64LE, 64, NULL, 0 },
	{ "s390", SCMP_ARCH_S390, AUDIT_ARCH_S390, 32, NULL, 0 },
	{ "s390x", SCMP_ARCH_S390X, AUDIT_ARCH_S390X, 64, NULL, 0 },
	{ "parisc", SCMP_ARCH_PARISC, AUDIT_ARCH_PARISC, 32, NULL, 0 },
	{ "parisc64", SCMP_ARCH_PARISC64, AUDIT_ARCH_PARISC64, 64, NULL, 0 },
	{ "riscv64", SCMP_ARCH_RISCV64, AUDIT_ARCH_RISCV64, 64, NULL, 0 },
};
#define NABIS (sizeof abis / sizeof abis[0])

const struct sc_abi *sc_abi_by_name(const char *name)
{
	for (size_t i = 0; name && i < NABIS; i++)
		if (strcmp(abis[i].name, name) == 0)
			return &abis[i];
	return NULL;
}

const struct sc_abi *sc_abi_by_token(uint32_t token)
{
	for (size_t i = 0; i < NABIS; i++)
		if (abis[i].token == token)
			return &abis[i];
	return NULL;
}

const struct sc_abi *sc_abi_by_audit(uint32_t audit_arch)
{
	/* first match: x86_64 before x32, which shares its AUDIT_ARCH */
	for (size_t i = 0; i < NABIS; i++)
		if (abis[i].audit_arch == audit_arch)
			return &abis[i];
	return NULL;
}

bool sc_audit_arch_le(uint32_t audit_arch)
{
	return (audit_arch & __AUDIT_ARCH_LE) != 0;
}

/* x86_64 and aarch64: kernels that run another ABI of the table. */
static bool hosts_compat(const struct sc_abi *a)
{
	for (size_t i = 0; i < NABIS; i++)
		if (abis[i].host && strcmp(abis[i].host, a->name) == 0)
			return true;
	return false;
}

int sc_arch_from_names(const char *const *names, size_t n, struct ir_arch *out, char *errbuf, size_t errlen)
{
	const struct sc_abi *got[NABIS];
	size_t ngot = 0;
	memset(out, 0, sizeof *out);
	if (n == 0) {
		snprintf(errbuf, errlen, "no architecture given");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sc_abi *a = sc_abi_by_name(names[i]);
		if (!a) {
			const char *cand[NABIS + 1];
			for (size_t j = 0; j < NABIS; j++)
				cand[j] = abis[j].name;
			cand[NABIS] = NULL;
			const char *s = diag_suggest_list(names[i] ? names[i] : "", cand);
			if (s)
				snprintf(errbuf, errlen, "unknown architecture '%s'; did you mean '%s'?",
					 names[i] ? names[i] : "", s);
			else
				snprintf(errbuf, errlen, "unknown architecture '%s' (libseccomp knows x86_64, x86, x32, aarch64, arm, mips*, ppc*, s390*, parisc*, riscv64)",
					 names[i] ? names[i] : "");
			return -1;
		}
		bool dup = false;
		for (size_t j = 0; j < ngot; j++)
			dup |= got[j] == a;
		if (!dup)
			got[ngot++] = a;
	}

	/* The kernel arch: a 64-bit arch listed, or the one a listed compat
	 * ABI belongs to when x32 is involved (x32 only exists there), or
	 * else the single 32-bit arch itself. */
	const struct sc_abi *kernel = NULL;
	for (size_t i = 0; i < ngot && !kernel; i++)
		if (hosts_compat(got[i]))
			kernel = got[i];
	for (size_t i = 0; i < ngot && !kernel; i++)
		if (got[i]->role == CAPBIN_ABI_X32)
			kernel = sc_abi_by_name(got[i]->host);
	if (!kernel) {
		if (ngot > 1) {
			snprintf(errbuf, errlen, "'%s' and '%s' are different kernel architectures; a filter is built for one (list them as separate targets)",
				 got[0]->name, got[1]->name);
			return -1;
		}
		kernel = got[0];
	}

	out->audit_arch = kernel->audit_arch;
	out->name = kernel->name;
	/* canonical order: native, compat, x32 (same input set, same filter) */
	static const uint32_t order[] = { CAPBIN_ABI_NATIVE, CAPBIN_ABI_COMPAT, CAPBIN_ABI_X32 };
	for (size_t o = 0; o < 3; o++) {
		for (size_t i = 0; i < ngot; i++) {
			const struct sc_abi *a = got[i];
			uint32_t role;
			if (a == kernel)
				role = CAPBIN_ABI_NATIVE;
			else if (a->host && strcmp(a->host, kernel->name) == 0)
				role = a->role;
			else {
				snprintf(errbuf, errlen, "'%s' cannot run on a '%s' kernel; a filter is built for one kernel architecture (list them as separate targets)",
					 a->name, kernel->name);
				return -1;
			}
			if (role != order[o])
				continue;
			out->abis |= role;
			out->scmp_arch[out->nscmp++] = a->token;
		}
	}
	return 0;
}

int sc_arch_native(struct ir_arch *out)
{
	const struct sc_abi *a = sc_abi_by_token(seccomp_arch_native());
	memset(out, 0, sizeof *out);
	if (!a)
		return -1;
	/* A 32-bit x86 or arm host is that 32-bit kernel arch; x32 hosts
	 * (an x32 userland) run on an x86_64 kernel. */
	const char *name = a->name;
	char err[128];
	return sc_arch_from_names(&name, 1, out, err, sizeof err);
}

bool sc_syscall_known(const char *name)
{
	if (!name || !*name)
		return false;
	/* The native table holds every name any arch has (pseudo numbers
	 * for the ones the host lacks); check each arch to be sure. */
	if (seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR)
		return true;
	for (size_t i = 0; i < NABIS; i++) {
		int nr = seccomp_syscall_resolve_name_arch(abis[i].token, name);
		if (nr != __NR_SCMP_ERROR)
			return true;
	}
	return false;
}
