/* capr_names.c - names for messages: capabilities, architectures,
 * triggers, securebits.
 *
 * The runtime links libc only, so the capability names are a table here
 * (linux/capability.h, kernel 5.9+: up to cap_checkpoint_restore = 40).
 * A capability newer than the table prints as "cap_41".
 */
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

#include "capr_internal.h"

static const char *const cap_names[] = {
	"cap_chown",            "cap_dac_override",   "cap_dac_read_search", "cap_fowner",
	"cap_fsetid",           "cap_kill",           "cap_setgid",          "cap_setuid",
	"cap_setpcap",          "cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin",        "cap_net_raw",        "cap_ipc_lock",        "cap_ipc_owner",
	"cap_sys_module",       "cap_sys_rawio",      "cap_sys_chroot",      "cap_sys_ptrace",
	"cap_sys_pacct",        "cap_sys_admin",      "cap_sys_boot",        "cap_sys_nice",
	"cap_sys_resource",     "cap_sys_time",       "cap_sys_tty_config",  "cap_mknod",
	"cap_lease",            "cap_audit_write",    "cap_audit_control",   "cap_setfcap",
	"cap_mac_override",     "cap_mac_admin",      "cap_syslog",          "cap_wake_alarm",
	"cap_block_suspend",    "cap_audit_read",     "cap_perfmon",         "cap_bpf",
	"cap_checkpoint_restore",
};

const char *capr_cap_name(unsigned cap, char *buf, size_t len)
{
	if (cap < sizeof cap_names / sizeof cap_names[0])
		return cap_names[cap];
	snprintf(buf, len, "cap_%u", cap);
	return buf;
}

void capr_format_caps(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;
	char tmp[16];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (!mask) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned c = 0; c < 64; c++) {
		if (!(mask & (UINT64_C(1) << c)))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", capr_cap_name(c, tmp, sizeof tmp));
		if (n < 0 || (size_t)n >= len - used) {
			/* Cut: end with "..." so a truncated list is never mistaken
			 * for a complete one. */
			if (len > 4)
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		used += (size_t)n;
	}
}

uint32_t capr_native_audit_arch(void)
{
#if defined(__x86_64__)
	return AUDIT_ARCH_X86_64; /* x32 too: it is an ABI of the x86_64 arch */
#elif defined(__i386__)
	return AUDIT_ARCH_I386;
#elif defined(__aarch64__) && defined(__AARCH64EB__)
	return AUDIT_ARCH_AARCH64 & ~__AUDIT_ARCH_LE;
#elif defined(__aarch64__)
	return AUDIT_ARCH_AARCH64;
#elif defined(__arm__) && defined(__ARMEB__)
	return AUDIT_ARCH_ARMEB;
#elif defined(__arm__)
	return AUDIT_ARCH_ARM;
#elif defined(__riscv) && __riscv_xlen == 64
	return AUDIT_ARCH_RISCV64;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return AUDIT_ARCH_PPC64LE;
#elif defined(__powerpc64__)
	return AUDIT_ARCH_PPC64;
#elif defined(__s390x__)
	return AUDIT_ARCH_S390X;
#elif defined(__loongarch64)
	return 0xc0000102u; /* AUDIT_ARCH_LOONGARCH64 */
#elif defined(__mips__) && defined(__MIPSEL__) && _MIPS_SIM == _ABI64
	return AUDIT_ARCH_MIPSEL64;
#elif defined(__mips__) && defined(__MIPSEL__)
	return AUDIT_ARCH_MIPSEL;
#elif defined(__mips__) && _MIPS_SIM == _ABI64
	return AUDIT_ARCH_MIPS64;
#elif defined(__mips__)
	return AUDIT_ARCH_MIPS;
#else
	return 0; /* unknown: a blob with seccomp filters is refused */
#endif
}

static const struct {
	uint32_t arch;
	const char *name;
} arch_names[] = {
	{0xc000003eu, "x86_64"},   {0x40000003u, "i386"},    {0xc00000b7u, "aarch64"},
	{0x40000028u, "arm"},      {0x00000028u, "armeb"},   {0xc00000f3u, "riscv64"},
	{0xc0000015u, "ppc64le"},  {0x80000015u, "ppc64"},   {0x80000016u, "s390x"},
	{0xc0000102u, "loongarch64"}, {0xc0000008u, "mipsel64"}, {0x40000008u, "mipsel"},
	{0x80000008u, "mips64"},   {0x00000008u, "mips"},
};

const char *capr_arch_name(uint32_t audit_arch, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof arch_names / sizeof arch_names[0]; i++)
		if (arch_names[i].arch == audit_arch)
			return arch_names[i].name;
	snprintf(buf, len, "arch 0x%08x", audit_arch);
	return buf;
}

const char *capr_trigger_name(unsigned trigger)
{
	static const char *const names[] = {
		[CAPBIN_TRIGGER_EXEC] = "exec",       [CAPBIN_TRIGGER_MANUAL] = "manual",
		[CAPBIN_TRIGGER_SETUID] = "setuid",   [CAPBIN_TRIGGER_SETGID] = "setgid",
		[CAPBIN_TRIGGER_LISTEN] = "listen",   [CAPBIN_TRIGGER_CHROOT] = "chroot",
		[CAPBIN_TRIGGER_SESSION] = "session",
	};
	if (trigger < sizeof names / sizeof names[0] && names[trigger])
		return names[trigger];
	return "unknown";
}

void capr_format_secbits(unsigned bits, char *buf, size_t len)
{
	static const char *const names[] = {
		"noroot",       "noroot_locked",       "no_setuid_fixup",       "no_setuid_fixup_locked",
		"keep_caps",    "keep_caps_locked",    "no_cap_ambient_raise",  "no_cap_ambient_raise_locked",
	};
	size_t used;
	int n = snprintf(buf, len, "0x%02x", bits);

	if (n < 0 || (size_t)n >= len)
		return;
	used = (size_t)n;
	for (unsigned b = 0; b < 8; b++) {
		if (!(bits & (1u << b)))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used == 4 ? " (" : ",", names[b]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
	if (used > 4 && used + 1 < len)
		snprintf(buf + used, len - used, ")");
}
