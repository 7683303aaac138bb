/* capbin.h - the .capbin blob format, version 1.
 *
 * This is the only definition of the format. The compiler (capc) writes it,
 * the runtime (libcapr, capload, the preload object, pam_capc) reads it.
 * docs/capbin.md describes it byte by byte; keep the two in step.
 *
 * Rules that make the format simple to validate:
 *   - every integer is little-endian and fixed-width; readers convert with
 *     the capbin_le*() helpers below, never by casting into the buffer;
 *   - no pointers: every reference is an offset from the start of the file
 *     or an index into a table;
 *   - every section starts on an 8-byte boundary and lies inside the file;
 *   - strings live in one section, NUL-terminated; offset 0 is "" ("none");
 *   - the checksum is CRC-32 (IEEE 802.3, the zlib one) over the whole file
 *     with the checksum field read as zero;
 *   - nothing host-specific: no timestamps, no paths, no pointers. User and
 *     group names are stored as names and resolved where the blob runs.
 */
#ifndef CAPBIN_H
#define CAPBIN_H

#include <stddef.h>
#include <stdint.h>

#define CAPBIN_MAGIC "CAPCBIN\x1a" /* 8 bytes, no terminator in the file */
#define CAPBIN_MAGIC_LEN 8
#define CAPBIN_VERSION_MAJOR 1 /* readers refuse any other major */
#define CAPBIN_VERSION_MINOR 0 /* readers accept a newer minor (it only fills reserved space) */

#define CAPBIN_ALIGN 8
#define CAPBIN_MAX_SIZE (16u * 1024 * 1024) /* readers refuse bigger files */
#define CAPBIN_MAX_STAGES 64                /* lifecycle points per service */
#define CAPBIN_MAX_RULES 4096               /* session rules */
#define CAPBIN_MAX_ARCHES 8
#define CAPBIN_MAX_BPF_INSNS 4096 /* BPF_MAXINSNS: the kernel's own limit per filter */
/* The kernel's limit on all the seccomp filters of one process together
 * (MAX_INSNS_PER_PATH): counted in eBPF instructions after its conversion,
 * plus a penalty per filter already installed. A service's stages stack
 * their filters, so readers check the sum (docs/capbin.md). */
#define CAPBIN_MAX_PATH_INSNS 32768
#define CAPBIN_PATH_PENALTY 4
#define CAPBIN_MAX_GROUPS 65536   /* NGROUPS_MAX */

/* File kinds (header.kind). */
enum capbin_kind {
	CAPBIN_KIND_SERVICE = 1, /* stages: "exec" first (if any), then points in source order */
	CAPBIN_KIND_SESSION = 2, /* session rules, each naming one stage (pam_capc) */
};

/* When a stage is applied (stage.trigger). */
enum capbin_trigger {
	CAPBIN_TRIGGER_EXEC = 1,    /* by capload, before it execs the command */
	CAPBIN_TRIGGER_MANUAL = 2,  /* only when the program calls capr_enter(point) */
	CAPBIN_TRIGGER_SETUID = 3,  /* the process permanently leaves uid 0 (real, effective, saved all non-zero) */
	CAPBIN_TRIGGER_SETGID = 4,  /* the same for gid 0 */
	CAPBIN_TRIGGER_LISTEN = 5,  /* the first successful listen() */
	CAPBIN_TRIGGER_CHROOT = 6,  /* a successful chroot() */
	CAPBIN_TRIGGER_SESSION = 7, /* by pam_capc at session open (session rules only) */
};
#define CAPBIN_TRIGGER_MAX 7

/* What a stage applies (stage.flags). Bits not listed here must be zero. */
enum capbin_stage_flag {
	CAPBIN_STAGE_BOUNDING = 1u << 0,   /* drop every cap not in stage.bounding from the bounding set */
	CAPBIN_STAGE_CAPS = 1u << 1,       /* capset permitted/effective/inheritable from the and/or masks */
	CAPBIN_STAGE_AMBIENT = 1u << 2,    /* set the ambient set from amb_and/amb_or */
	CAPBIN_STAGE_SECUREBITS = 1u << 3, /* securebits = (old & ~mask) | (securebits & mask) */
	CAPBIN_STAGE_NNP = 1u << 4,        /* PR_SET_NO_NEW_PRIVS */
	CAPBIN_STAGE_USER = 1u << 5,       /* setresuid(user, user, user) */
	CAPBIN_STAGE_GROUP = 1u << 6,      /* setresgid(group, group, group) */
	CAPBIN_STAGE_GROUPS = 1u << 7,     /* setgroups(groups_count, ...); count 0 clears the list */
	CAPBIN_STAGE_SECCOMP = 1u << 8,    /* install the stage's filter for the running arch */
};
#define CAPBIN_STAGE_ALL_FLAGS 0x1ffu

/* stage.seccomp_flags */
enum capbin_seccomp_flag {
	CAPBIN_SECCOMP_LOG = 1u << 0, /* SECCOMP_FILTER_FLAG_LOG: log every action but allow */
};
#define CAPBIN_SECCOMP_ALL_FLAGS 0x1u

/* Securebits: the kernel's own values (linux/securebits.h), repeated here
 * so the format does not depend on a kernel header being installed. */
#define CAPBIN_SECBIT_NOROOT (1u << 0)
#define CAPBIN_SECBIT_NOROOT_LOCKED (1u << 1)
#define CAPBIN_SECBIT_NO_SETUID_FIXUP (1u << 2)
#define CAPBIN_SECBIT_NO_SETUID_FIXUP_LOCKED (1u << 3)
#define CAPBIN_SECBIT_KEEP_CAPS (1u << 4)
#define CAPBIN_SECBIT_KEEP_CAPS_LOCKED (1u << 5)
#define CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE (1u << 6)
#define CAPBIN_SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED (1u << 7)
#define CAPBIN_SECBIT_ALL 0xffu

/* A user or group: by name (resolved at run time with getpwnam/getgrnam)
 * or by number. */
#define CAPBIN_ID_NONE 0xffffffffu         /* id field when name != 0 */
#define CAPBIN_ID_USER_PRIMARY 0xfffffffeu /* group only: the primary gid of stage.user */
struct capbin_id {
	uint32_t name; /* string offset; 0 = numeric */
	uint32_t id;   /* the number when name == 0, else CAPBIN_ID_NONE */
};

/* The file header, at offset 0. */
struct capbin_header {
	uint8_t magic[CAPBIN_MAGIC_LEN]; /*  0 */
	uint16_t version_major;          /*  8 */
	uint16_t version_minor;          /* 10 */
	uint32_t header_size;            /* 12: sizeof(struct capbin_header) */
	uint32_t file_size;              /* 16: the whole file, in bytes */
	uint32_t checksum;               /* 20: CRC-32 of the file with this field zero */
	uint32_t kind;                   /* 24: enum capbin_kind */
	uint32_t name;                   /* 28: string: the service or session name */
	uint32_t flags;                  /* 32: reserved, zero */
	uint16_t arch_count;             /* 36: entries in the arch table */
	uint16_t stage_count;            /* 38: entries in the stage table */
	uint32_t rule_count;             /* 40: entries in the session rule table */
	uint32_t id_count;               /* 44: entries in the id table (supplementary groups) */
	uint32_t arch_off;               /* 48: struct capbin_arch[arch_count] */
	uint32_t stage_off;              /* 52: struct capbin_stage[stage_count] */
	uint32_t rule_off;               /* 56: struct capbin_rule[rule_count] */
	uint32_t id_off;                 /* 60: struct capbin_id[id_count] */
	uint32_t filter_off;             /* 64: struct capbin_filter[filter_count] */
	uint32_t filter_count;           /* 68 */
	uint32_t bpf_off;                /* 72: struct capbin_insn[bpf_count] */
	uint32_t bpf_count;              /* 76 */
	uint32_t str_off;                /* 80: strings, first byte NUL */
	uint32_t str_size;               /* 84: last byte NUL */
	uint8_t reserved[8];             /* 88: zero */
};                                       /* 96 */

/* One target architecture: a kernel (audit) arch the filters were built
 * for. A filter for x86_64 rejects the i386 and x32 ABIs unless the policy
 * listed them; abis says which ones it accepts. */
enum capbin_abi {
	CAPBIN_ABI_NATIVE = 1u << 0, /* the arch's own ABI */
	CAPBIN_ABI_COMPAT = 1u << 1, /* the 32-bit compat ABI (i386 on x86_64, arm on aarch64) */
	CAPBIN_ABI_X32 = 1u << 2,    /* x32 on x86_64 */
};
struct capbin_arch {
	uint32_t audit_arch; /* AUDIT_ARCH_* of the kernel, e.g. 0xc000003e for x86_64 */
	uint32_t abis;       /* enum capbin_abi bits */
};

/* A stage: what is applied at one lifecycle point. */
struct capbin_stage {
	uint32_t point;           /*   0: string: "exec" or the point's name; session rules: "session" */
	uint16_t trigger;         /*   4: enum capbin_trigger */
	uint16_t reserved0;       /*   6: zero */
	uint32_t flags;           /*   8: enum capbin_stage_flag */
	uint32_t securebits;      /*  12: values of the bits in securebits_mask */
	uint32_t securebits_mask; /*  16: which securebits the stage sets */
	uint32_t seccomp_flags;   /*  20: enum capbin_seccomp_flag */
	/* Capability sets, bit n = capability n. The bounding set is a keep
	 * mask: every capability up to the running kernel's cap_last_cap that
	 * is not in it is dropped, including ones newer than the compiler. The
	 * other sets are computed as new = (old & and) | or. */
	uint64_t bounding; /*  24 */
	uint64_t prm_and;  /*  32 */
	uint64_t prm_or;   /*  40 */
	uint64_t eff_and;  /*  48 */
	uint64_t eff_or;   /*  56 */
	uint64_t inh_and;  /*  64 */
	uint64_t inh_or;   /*  72 */
	uint64_t amb_and;  /*  80 */
	uint64_t amb_or;   /*  88 */
	struct capbin_id user;  /*  96 */
	struct capbin_id group; /* 104 */
	uint32_t groups_index;  /* 112: first entry in the id table */
	uint32_t groups_count;  /* 116 */
	uint32_t filter_index;  /* 120: first of arch_count filters, in arch table order */
	uint32_t reserved1;     /* 124: zero */
};                              /* 128 */

/* One BPF program: a range of the instruction section. */
struct capbin_filter {
	uint32_t insn_index; /* first instruction */
	uint32_t insn_count; /* 1..CAPBIN_MAX_BPF_INSNS */
};

/* One classic-BPF instruction, laid out as struct sock_filter but
 * little-endian. */
struct capbin_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

/* A session rule (pam_capc). Rules are stored in matching order: the first
 * rule that matches the PAM user is applied, no other. */
enum capbin_rule_kind {
	CAPBIN_RULE_USER = 1,    /* matches the user by name or uid */
	CAPBIN_RULE_GROUP = 2,   /* matches a member: primary or supplementary group */
	CAPBIN_RULE_DEFAULT = 3, /* matches everyone */
};
struct capbin_rule {
	uint16_t kind;         /* enum capbin_rule_kind */
	uint16_t reserved;     /* zero */
	uint32_t stage;        /* index into the stage table */
	struct capbin_id who;  /* unused (0, CAPBIN_ID_NONE... ) for DEFAULT: name 0, id CAPBIN_ID_NONE */
};

_Static_assert(sizeof(struct capbin_header) == 96, "capbin header layout");
_Static_assert(sizeof(struct capbin_stage) == 128, "capbin stage layout");
_Static_assert(sizeof(struct capbin_arch) == 8, "capbin arch layout");
_Static_assert(sizeof(struct capbin_id) == 8, "capbin id layout");
_Static_assert(sizeof(struct capbin_filter) == 8, "capbin filter layout");
_Static_assert(sizeof(struct capbin_insn) == 8, "capbin insn layout");
_Static_assert(sizeof(struct capbin_rule) == 16, "capbin rule layout");
_Static_assert(offsetof(struct capbin_header, checksum) == 20, "capbin checksum offset");
_Static_assert(offsetof(struct capbin_stage, bounding) == 24, "capbin stage sets offset");

/* Little-endian field access. The structs above describe the layout; code
 * reading a blob copies a struct out with memcpy and passes each field
 * through these (no-ops on little-endian hosts). */
static inline uint16_t capbin_le16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}
static inline uint32_t capbin_le32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}
static inline uint64_t capbin_le64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/* CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320, init and final xor
 * 0xffffffff): crc = capbin_crc32(0, buf, len). Defined in runtime/capr_crc32.c
 * and linked into both the compiler and the runtime. */
uint32_t capbin_crc32(uint32_t crc, const void *buf, size_t len);

#endif /* CAPBIN_H */
