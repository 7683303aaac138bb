/* capr_internal.h - libcapr internals shared by runtime/capr_*.c, capload,
 * the preload object (runtime/preload.c) and pam_capc. Not installed.
 *
 * A loaded policy is fully decoded at load time: every field of the blob is
 * validated and copied into host-order structs below, and the seccomp
 * filter for the running architecture is converted to struct sock_filter.
 * Applying a stage never reads the raw blob again.
 */
#ifndef CAPR_INTERNAL_H
#define CAPR_INTERNAL_H

#include <linux/filter.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "capbin.h"
#include "capr.h"

/* Definitions of the capr.h functions: the shared library is built with
 * -fvisibility=hidden, so only these are exported. The preload object
 * (-DCAPR_PRELOAD) exports none of them: preloaded first, it would
 * otherwise interpose a libcapr.so the program links. */
#ifdef CAPR_PRELOAD
#define CAPR_PUBLIC
#else
#define CAPR_PUBLIC __attribute__((visibility("default")))
#endif

/* Internal flags for capr_apply_stage(), above the public CAPR_* bits. */
#define CAPR_VERBOSE_INTERNAL 0x100u /* print each step as it is applied */
#define CAPR_FROM_CAPLOAD 0x200u     /* messages: "capload must start with it" */
/* The program has just switched identity itself, and that switch is the
 * stage's trigger (the preload's setuid and setgid triggers). Requires a
 * struct capr_switched. The kernel's uid fixup cleared the effective set
 * (euid 0 -> non-zero) and the runtime had set keep_caps so that the
 * permitted set survived; the apply first raises every thread's effective
 * set to its permitted set (step 0, for the steps that need cap_setpcap,
 * cap_setuid...), and computes the stage's "old" sets as what the switch
 * would have left without that keep_caps: a `keep` is still absolute, a
 * `drop` or an unchanged set starts from what the program would have held.
 * keep_caps is then put back to the program's own value unless the stage
 * sets it. */
#define CAPR_SWITCHED 0x400u
/* The program enters a setuid-triggered point while it still has a uid 0
 * and no preload object will apply it at the switch (libcapr alone): set
 * SECBIT_NO_SETUID_FIXUP (unlocked) with the stage, so the capabilities it
 * keeps survive the program's own later switch from uid 0. */
#define CAPR_BEFORE_SWITCH 0x800u

/* What the program's own switch left (CAPR_SWITCHED). */
struct capr_switched {
	unsigned secbits; /* the program's securebits before the runtime set keep_caps for its switch */
	int left_root;    /* the switch left uid 0 for good (real, effective, saved all non-zero) */
};

struct capr_id {
	const char *name; /* NULL: numeric */
	uint32_t id;      /* CAPBIN_ID_USER_PRIMARY allowed for groups */
};

struct capr_stage {
	const char *point;
	unsigned trigger;
	unsigned flags;
	unsigned securebits, securebits_mask;
	unsigned seccomp_flags;
	uint64_t bounding;
	uint64_t prm_and, prm_or;
	uint64_t eff_and, eff_or;
	uint64_t inh_and, inh_or;
	uint64_t amb_and, amb_or;
	struct capr_id user, group;
	const struct capr_id *groups; /* into capr_policy.ids */
	size_t ngroups;
	struct sock_filter *filter; /* this arch's program, NULL without CAPBIN_STAGE_SECCOMP */
	size_t filter_len;
};

struct capr_rule {
	unsigned kind;
	size_t stage;
	struct capr_id who;
};

struct capr_policy {
	uint8_t *blob; /* the validated file, kept for capload's memfd */
	size_t len;
	unsigned kind;
	unsigned version_minor;
	const char *name; /* strings point into blob */
	struct capr_stage *stages;
	size_t nstages;
	struct capr_id *ids;
	size_t nids;
	struct capr_rule *rules;
	size_t nrules;
	/* Points entered in this process (bit i = stages[i]); a fork child
	 * inherits the policy object and so the mask. */
	uint64_t entered;
};

/* capr_blob.c */
capr_policy *capr_policy_from_buf(uint8_t *buf, size_t len, struct capr_error *err); /* takes buf */
/* The whole of fd (from offset 0 when seekable) into a malloc'ed buffer,
 * refusing more than CAPBIN_MAX_SIZE bytes; capr_open_fd and capc --dump. */
int capr_read_blob_fd(int fd, uint8_t **out, size_t *len, struct capr_error *err);
/* capr_open_fd() without the ownership check (capr_trust.c): for callers
 * that checked already, or a descriptor capload sealed. */
capr_policy *capr_open_fd_nocheck(int fd, struct capr_error *err);

/* capr_sha256.c */
void capr_sha256(const void *data, size_t len, uint8_t out[32]);

/* capr_backstop.c: the seccomp filter capload installs under a policy with
 * triggered stages, so that set*id, listen and chroot reach the
 * kernel only through the runtime (see the file's comment). */
#define CAPR_BACKSTOP_DATA 0x0ca9u /* SECCOMP_RET_DATA of its traps (si_errno) */
#define CAPR_BS_IDS 0x1u    /* set{,re,res}{uid,gid} */
#define CAPR_BS_LISTEN 0x2u /* listen */
#define CAPR_BS_CHROOT 0x4u /* chroot */
bool capr_backstop_supported(void);
/* The value the filter wants in args[5]: SHA-256 of the blob, 64 bits. */
uint64_t capr_policy_cookie(const capr_policy *pol);
/* Which calls the policy's triggers need guarded (0: no triggers). */
unsigned capr_backstop_guards(const capr_policy *pol);
size_t capr_backstop_build(unsigned guards, uint64_t cookie, struct sock_filter *out, size_t cap);
int capr_backstop_install(unsigned guards, uint64_t cookie, struct capr_error *err);
/* A call the backstop trapped, from a SIGSYS handler's arguments. */
struct capr_trapped {
	long nr;
	uint32_t arch;
	unsigned long args[6];
};
/* false: not the backstop's trap (another filter's SECCOMP_RET_TRAP). */
bool capr_trapped_get(const void *siginfo, const void *ucontext, struct capr_trapped *t);
/* Make the call again with the cookie in args[5]; its result or -errno.
 * Async-signal-safe; errno is preserved. */
long capr_trapped_redo(const struct capr_trapped *t, uint64_t cookie);
/* The trapped call returns ret to the program. */
void capr_trapped_return(void *ucontext, long ret);
/* The native ABI's number (not x32, not int 0x80). */
bool capr_trapped_native(const struct capr_trapped *t);

/* capr_trust.c: when the process runs as root, refuse (-1, step "trust")
 * a file that a non-root user could have written: owner, mode, and every
 * directory on its path. path: what the caller opened (messages, and the
 * directories when /proc is missing), or NULL. */
#define CAPR_TRUST_ENV_OVERRIDE 0x1u /* honour CAPR_TRUST_ANY_FILE=1 (secure_getenv) */
int capr_check_trust(int fd, const char *path, unsigned flags, struct capr_error *err);
/* Validate without keeping the result; CAPR_VALIDATE_ANY_ARCH accepts a
 * blob whose filters are for other architectures (capc --dump). */
#define CAPR_VALIDATE_ANY_ARCH 0x1u
int capr_blob_validate(const void *buf, size_t len, unsigned flags, struct capr_error *err);
long capr_stage_index(const capr_policy *pol, const char *point);

/* capr_bpf.c */
int capr_bpf_check(const struct sock_filter *f, size_t n, char *why, size_t whylen);
/* eBPF instructions the kernel makes of a checked filter, at most. */
size_t capr_bpf_kernel_len(const struct sock_filter *f, size_t n);
/* Adds a filter of klen (capr_bpf_kernel_len) to the *nfilters filters
 * totalling *total that a process installed before it, as the kernel
 * counts them; false once over CAPBIN_MAX_PATH_INSNS. */
bool capr_path_add(size_t *total, unsigned *nfilters, size_t klen);

/* capr_nss.c: user and group lookups with a growing buffer. Return 1
 * found, 0 not found, -1 error (errno-style code in *e). A found user's
 * name is malloc'ed in pw->name (free it). */
struct capr_pw {
	uid_t uid;
	gid_t gid;
	char *name;
};
int capr_nss_user(const char *name, struct capr_pw *pw, int *e);
int capr_nss_uid(uid_t uid, struct capr_pw *pw, int *e);
int capr_nss_group(const char *name, gid_t *gid, int *e);

/* capr_names.c */
uint32_t capr_native_audit_arch(void);
const char *capr_arch_name(uint32_t audit_arch, char *buf, size_t len);
const char *capr_cap_name(unsigned cap, char *buf, size_t len);
/* Comma-separated capability names of mask, "none" when empty. */
void capr_format_caps(uint64_t mask, char *buf, size_t len);
const char *capr_trigger_name(unsigned trigger);
void capr_format_secbits(unsigned bits, char *buf, size_t len);

/* capr_api.c */
void capr_seterr(struct capr_error *err, int e, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix of verbose and dry-run lines ("capr" unless capload sets it). */
extern const char *capr_log_prefix;
FILE *capr_log_stream(void);
/* The index of point in pol, or -1 with err set (unknown point, listing
 * the policy's points). */
long capr_point_lookup(const capr_policy *pol, const char *point, struct capr_error *err);
/* Enter stage i under the library's enter lock: refuse a point already
 * entered (EALREADY), apply it, mark it entered (also when it was partly
 * applied: it is never retried). sw only with CAPR_SWITCHED. Does not
 * terminate; see capr_enter_finish(). */
int capr_enter_index(capr_policy *pol, size_t i, unsigned flags, const struct capr_switched *sw,
		     struct capr_error *err);
/* After capr_enter_index(): fail closed (message, _exit(127)) after a
 * partial apply unless flags has CAPR_RETURN_PARTIAL; set errno. Returns rc. */
int capr_enter_finish(int rc, unsigned flags, struct capr_error *err);

/* The preload object exports this entry point (default visibility, the
 * only symbol it exports besides the libc functions it wraps). libcapr in
 * the program looks it up with dlsym(RTLD_DEFAULT) and, when it is there,
 * hands capr_enter() of the inherited policy to it: one copy of the
 * runtime, the preload's, then owns the process's points, so a point is
 * entered once whether the program or a trigger gets there first. */
#define CAPR_PRELOAD_ENTER "capr_preload_enter_v1"
typedef int (*capr_preload_enter_fn)(const char *point, unsigned flags, struct capr_error *err);

/* capr_apply.c: apply (or with CAPR_DRY_RUN describe) stage i. Returns 0
 * or -1 with err set; err->partial says whether anything had changed. Does
 * not terminate the process: the caller applies the partial policy. */
int capr_apply_stage(capr_policy *pol, size_t i, unsigned flags, struct capr_error *err);
/* The same after the program's own identity switch: flags may hold
 * CAPR_SWITCHED, which requires sw (ignored otherwise). */
int capr_apply_stage_sw(capr_policy *pol, size_t i, unsigned flags, const struct capr_switched *sw,
			struct capr_error *err);

/* capr_threads.c: the per-thread broadcast.
 *
 * One capr_twork describes what every thread must do in one phase; the
 * calling thread runs it directly, every other thread from the signal
 * handler. Only raw syscalls in capr_twork_run() (async-signal-safe). */
enum capr_phase {
	CAPR_PHASE_PRE = 1,  /* steps 0-2: raise effective (CAPR_SWITCHED), bounding, securebits, keep_caps */
	CAPR_PHASE_POST = 2, /* steps 4-7: capset, keep_caps off, ambient, verify, no_new_privs */
};

struct capr_twork {
	int phase;
	unsigned last_cap;
	/* pre */
	int raise_eff;        /* effective = this thread's own permitted set (CAPR_SWITCHED) */
	uint64_t bnd_drop;    /* caps to drop from the bounding set */
	uint64_t bnd_above;   /* and above last_cap, up to the kernel's EINVAL: all but these */
	int drop_above;
	int set_secbits;      /* PR_SET_SECUREBITS to secbits */
	int set_keepcaps;     /* PR_SET_KEEPCAPS 1 (temporary, for the uid switch) */
	/* post */
	int do_capset;
	uint64_t prm, eff, inh;
	int clear_keepcaps;   /* PR_SET_KEEPCAPS 0 after the switch */
	int do_ambient;
	int set_nnp;
	unsigned verify;      /* CAPR_V_* */
	/* targets (pre: secbits value; post: everything verified) */
	unsigned secbits;
	uint64_t amb, bnd;
	int nnp;
};

/* What step 6 reads back and compares (only what the stage sets: other
 * threads may legitimately differ in the rest). */
#define CAPR_V_CAPS 0x1u    /* permitted, effective, inheritable */
#define CAPR_V_BND 0x2u
#define CAPR_V_AMB 0x4u
#define CAPR_V_SECBITS 0x8u

enum capr_tstep {
	CAPR_T_OK = 0,
	CAPR_T_BOUNDING,
	CAPR_T_SECUREBITS,
	CAPR_T_KEEPCAPS,
	CAPR_T_CAPSET,
	CAPR_T_AMBIENT,
	CAPR_T_VERIFY_CAPS,   /* capget failed */
	CAPR_T_VERIFY_PRM,
	CAPR_T_VERIFY_EFF,
	CAPR_T_VERIFY_INH,
	CAPR_T_VERIFY_BND,
	CAPR_T_VERIFY_AMB,
	CAPR_T_VERIFY_SECBITS,
	CAPR_T_NNP,
	CAPR_T_RAISE,         /* raising the effective set (CAPR_SWITCHED) */
};

struct capr_tresult {
	int step;  /* enum capr_tstep */
	int err;   /* errno */
	int cap;   /* the capability concerned, or -1 */
	uint64_t want, got;
	int changed; /* a modifying syscall succeeded in this thread */
};

void capr_twork_run(const struct capr_twork *w, struct capr_tresult *r);
/* Turn a failed result into err (step name, reason naming the thread when
 * tid != 0). */
void capr_tresult_error(const struct capr_tresult *r, pid_t tid, struct capr_error *err);

/* The signal the broadcast uses, and how long it waits for each round. */
int capr_thread_signal(void);
#define CAPR_THREAD_TIMEOUT_MS 5000

/* Before any change: every other thread must be reachable (not blocking
 * the signal) and hold need_prm in its permitted, need_eff in its
 * effective set. */
int capr_threads_precheck(uint64_t need_prm, uint64_t need_eff, struct capr_error *err);
/* Run w on every other thread of the process (the caller has run it on
 * itself). Returns 0, or -1 with err set. *changed is set when some thread
 * may have changed. */
int capr_threads_broadcast(const struct capr_twork *w, struct capr_error *err, int *changed);

/* Raw capability syscalls (capr_threads.c). */
int capr_capget(pid_t tid, uint64_t *eff, uint64_t *prm, uint64_t *inh);
int capr_capset(uint64_t eff, uint64_t prm, uint64_t inh);
/* The calling thread's bounding and ambient sets (bits up to last_cap):
 * one read of /proc/thread-self/status, or a prctl per capability where
 * /proc is missing. Also the process's number of threads when threads is
 * not NULL (0: unknown). Async-signal-safe. Returns 0 or -1 (errno). */
int capr_own_bnd_amb(unsigned last_cap, uint64_t *bnd, uint64_t *amb, unsigned long *threads);

/* capr_apply.c: /proc/sys/kernel/cap_last_cap, read once per process
 * (its children inherit it); capr_prime_last_cap reads it now, ignoring
 * errors (they are reported when a stage is applied). */
int capr_read_last_cap(unsigned *last, struct capr_error *err);
void capr_prime_last_cap(void);

/* capr_status.c: /proc, also after a chroot that hides it. Between
 * capr_proc_hold and capr_proc_release (the preload's chroot wrapper) a
 * descriptor of /proc is kept; capr_proc_open opens a name relative to
 * /proc ("self/task"), through that descriptor when one is held and
 * still valid (a name starting with '/' is opened as it is).
 * Async-signal-safe. */
void capr_proc_hold(void);
void capr_proc_release(void);
/* Keep /proc/self/status open (a file: no way out of a jail) for the
 * stages still to come after a chroot; capr_status_read falls back on it
 * for "self/status" and "thread-self/status" in a single-threaded process. */
void capr_proc_hold_status(void);
void capr_proc_release_status(void);
int capr_proc_open(const char *rel, int flags);
/* Fields of a status file under /proc (rel as for capr_proc_open);
 * `have` says which were found. Async-signal-safe. Returns 0, or -1 if it
 * cannot be read. */
enum {
	CAPR_ST_STATE = 1,
	CAPR_ST_SIGBLK = 2,
	CAPR_ST_CAPPRM = 4,
	CAPR_ST_CAPEFF = 8,
	CAPR_ST_CAPBND = 16,
	CAPR_ST_CAPAMB = 32,
	CAPR_ST_THREADS = 64,
};
struct capr_status {
	unsigned have;
	char state;
	uint64_t sigblk, capprm, capeff, capbnd, capamb;
	unsigned long threads; /* of the whole process */
};
int capr_status_read(const char *rel, struct capr_status *st);

#endif /* CAPR_INTERNAL_H */
