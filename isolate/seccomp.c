/*
 * seccomp.c - OCI linux.seccomp as a libseccomp filter, and the profile a
 * zone gets when its config names none.
 *
 * The names in a profile mean what they mean to runc and crun, so that a
 * profile written for Docker or Podman loads here unchanged:
 *
 *  - A syscall name libseccomp does not know is skipped at load time:
 *    published profiles list syscalls newer than the library on the host.
 *    Only a name that cannot be a syscall at all (empty, odd characters)
 *    is a config error.
 *  - A rule whose action is the default action is skipped; libseccomp
 *    refuses such rules and they would change nothing.
 *  - The conditions of one rule are ANDed, unless two of them test the
 *    same argument: then, as in runc and crun, every condition becomes a
 *    rule of its own, and the rules are ORed. Profiles rely on this to
 *    list several allowed values of one argument.
 *  - Syscalls in sc->notify (the runtime's, never the config's: the
 *    profile cannot name a listener) go to a user-space listener; they are
 *    added first and any rule of the profile for them is skipped, so the
 *    listener sees them whatever the profile says.
 *  - NO_NEW_PRIVS is never set by libseccomp (SCMP_FLTATR_CTL_NNP = 0):
 *    whether a zone runs with it is process.noNewPrivileges, which the
 *    caller applies itself.
 *
 * Every error names the field of the config it comes from
 * ("linux.seccomp.syscalls[3].action: ..."); the caller prefixes the zone.
 */
#include <errno.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "isolate.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U /* Linux 6.3 */
#endif

#define SC_FIELD "linux.seccomp"
#define SC_MAX_ARGS 6

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define cleanup_seccomp __attribute__((cleanup(release_ctx)))

/* ---- names ------------------------------------------------------------ */

enum act_errno { ERRNO_NONE, ERRNO_TAKES, ERRNO_UNSUPPORTED };

static const struct {
	const char *name;
	uint32_t action; /* for ERRNO_TAKES, the errno is or'ed in */
	enum act_errno kind;
} actions[] = {
	{"SCMP_ACT_KILL", SCMP_ACT_KILL, ERRNO_NONE},
	{"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ERRNO_NONE},
	{"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ERRNO_NONE},
	{"SCMP_ACT_TRAP", SCMP_ACT_TRAP, ERRNO_NONE},
	{"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ERRNO_TAKES},
	{"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ERRNO_TAKES},
	{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ERRNO_NONE},
	{"SCMP_ACT_LOG", SCMP_ACT_LOG, ERRNO_NONE},
	/* Needs a listener (seccompAgent socket) that zonectl has not got. */
	{"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, ERRNO_UNSUPPORTED},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{"SCMP_ARCH_X86", SCMP_ARCH_X86},
	{"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
	{"SCMP_ARCH_X32", SCMP_ARCH_X32},
	{"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	{"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
	{"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
	{"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
	{"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
	{"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
	{"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
	{"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
	{"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
	{"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
	{"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
	{"SCMP_ARCH_S390", SCMP_ARCH_S390},
	{"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
	{"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
	{"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
	{"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static const struct {
	const char *name;
	enum scmp_filter_attr attr;
} flag_attrs[] = {
	{"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
	{"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
	{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
};

#define LOOKUP(table, key)                                                              \
	({                                                                              \
		int found_ = -1;                                                        \
		for (size_t i_ = 0; key && i_ < sizeof(table) / sizeof(table[0]); i_++) \
			if (!strcmp(table[i_].name, key)) {                             \
				found_ = (int)i_;                                       \
				break;                                                  \
			}                                                               \
		found_;                                                                 \
	})

/* `field` is the config path of the action ("linux.seccomp.defaultAction"). */
static int resolve_action(const char *name, bool has_errno, uint32_t errno_ret, const char *field,
			  uint32_t *out, struct zerr *err)
{
	if (!name)
		return zerr_setx(err, EINVAL, "%s: missing", field);
	int i = LOOKUP(actions, name);
	if (i < 0)
		return zerr_setx(err, EINVAL, "%s: unknown action `%s`", field, name);
	if (actions[i].kind == ERRNO_UNSUPPORTED)
		return zerr_setx(err, ENOTSUP, "%s: `%s` is not supported", field, name);
	if (has_errno && actions[i].kind != ERRNO_TAKES)
		return zerr_setx(err, EINVAL, "%s: errnoRet given for `%s`, which returns no errno",
				 field, name);
	if (has_errno && errno_ret > 0xffff)
		return zerr_setx(err, EINVAL, "%s: errnoRet %u out of range", field, errno_ret);
	*out = actions[i].action;
	if (actions[i].kind == ERRNO_TAKES)
		*out |= has_errno ? errno_ret : EPERM;
	return 0;
}

static int resolve_arg(const struct iso_sc_arg *a, size_t ri, size_t ai, struct scmp_arg_cmp *out,
		       struct zerr *err)
{
	if (a->index >= SC_MAX_ARGS)
		return zerr_setx(err, EINVAL,
				 SC_FIELD ".syscalls[%zu].args[%zu].index: %u is not below %d", ri,
				 ai, a->index, SC_MAX_ARGS);
	int i = LOOKUP(operators, a->op);
	if (i < 0)
		return zerr_setx(err, EINVAL,
				 SC_FIELD ".syscalls[%zu].args[%zu].op: unknown operator `%s`", ri,
				 ai, a->op ? a->op : "");
	*out = (struct scmp_arg_cmp){
		.arg = a->index,
		.op = operators[i].op,
		.datum_a = a->value,
		.datum_b = a->value_two,
	};
	return 0;
}

/* Syscall names are C identifiers; anything else is a typo or garbage,
 * not a syscall newer than libseccomp. */
static bool plausible_syscall(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* ---- validation --------------------------------------------------------- */

static int validate_rule(const struct iso_sc_rule *r, size_t ri, struct zerr *err)
{
	char field[64];
	snprintf(field, sizeof(field), SC_FIELD ".syscalls[%zu].action", ri);
	uint32_t action;
	int ret = resolve_action(r->action, r->has_errno, r->errno_ret, field, &action, err);
	if (ret < 0)
		return ret;
	if (!r->names || !r->names[0])
		return zerr_setx(err, EINVAL, SC_FIELD ".syscalls[%zu].names: empty", ri);
	for (size_t j = 0; r->names[j]; j++)
		if (!plausible_syscall(r->names[j]))
			return zerr_setx(err, EINVAL,
					 SC_FIELD
					 ".syscalls[%zu].names[%zu]: `%s` is not a syscall name",
					 ri, j, r->names[j]);
	for (size_t a = 0; a < r->n_args; a++) {
		struct scmp_arg_cmp cmp;
		ret = resolve_arg(&r->args[a], ri, a, &cmp, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int iso_seccomp_validate(const struct iso_seccomp *sc, struct zerr *err)
{
	uint32_t action;
	int ret = resolve_action(sc->default_action, sc->has_default_errno, sc->default_errno,
				 SC_FIELD ".defaultAction", &action, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
		if (LOOKUP(arches, sc->architectures[i]) < 0)
			return zerr_setx(err, EINVAL,
					 SC_FIELD ".architectures[%zu]: unknown architecture `%s`",
					 i, sc->architectures[i]);
	for (size_t i = 0; sc->flags && sc->flags[i]; i++)
		if (LOOKUP(flag_attrs, sc->flags[i]) < 0)
			return zerr_setx(err, EINVAL, SC_FIELD ".flags[%zu]: unknown flag `%s`", i,
					 sc->flags[i]);
	for (size_t i = 0; i < sc->n_rules; i++) {
		ret = validate_rule(&sc->rules[i], i, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- building the filter -------------------------------------------------- */

static int add_arches(scmp_filter_ctx ctx, char *const *names, struct zerr *err)
{
	for (size_t i = 0; names && names[i]; i++) {
		int ret = seccomp_arch_add(ctx, arches[LOOKUP(arches, names[i])].arch);
		if (ret < 0 && ret != -EEXIST)
			return zerr_set(err, -ret, SC_FIELD ".architectures[%zu]: add `%s`", i,
					names[i]);
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, char *const *names, struct zerr *err)
{
	int ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret < 0)
		return zerr_set(err, -ret, "seccomp: clear the no_new_privs attribute");
	for (size_t i = 0; names && names[i]; i++) {
		ret = seccomp_attr_set(ctx, flag_attrs[LOOKUP(flag_attrs, names[i])].attr, 1);
		if (ret < 0)
			return zerr_set(err, -ret, SC_FIELD ".flags[%zu]: set `%s`", i, names[i]);
	}
	return 0;
}

static int add_syscall(scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *cmp,
		       size_t n, bool split)
{
	if (!split)
		return seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmp);
	for (size_t i = 0; i < n; i++) {
		int ret = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static bool in_strv(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static int add_notify(scmp_filter_ctx ctx, char *const *names, struct zerr *err)
{
	for (size_t i = 0; names && names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		int ret = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0);
		if (ret < 0)
			return zerr_set(err, -ret, "seccomp: hand `%s` to the listener", names[i]);
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t default_action, char *const *notify,
		    const struct iso_sc_rule *r, size_t ri, struct zerr *err)
{
	uint32_t action;
	int ret = resolve_action(r->action, r->has_errno, r->errno_ret, "action", &action, err);
	if (ret < 0)
		return ret;
	if (action == default_action)
		return 0;
	cleanup_free struct scmp_arg_cmp *cmp = xcalloc(r->n_args ? r->n_args : 1, sizeof(*cmp));
	unsigned seen = 0;
	bool split = false;
	for (size_t a = 0; a < r->n_args; a++) {
		ret = resolve_arg(&r->args[a], ri, a, &cmp[a], err);
		if (ret < 0)
			return ret;
		split |= (seen & (1u << cmp[a].arg)) != 0;
		seen |= 1u << cmp[a].arg;
	}
	for (size_t j = 0; r->names[j]; j++) {
		int nr = seccomp_syscall_resolve_name(r->names[j]);
		if (nr == __NR_SCMP_ERROR || in_strv(notify, r->names[j]))
			continue;
		ret = add_syscall(ctx, action, nr, cmp, r->n_args, split);
		if (ret < 0)
			return zerr_set(err, -ret, SC_FIELD ".syscalls[%zu]: rule for `%s`", ri,
					r->names[j]);
	}
	return 0;
}

static int build_filter(const struct iso_seccomp *sc, scmp_filter_ctx *out, struct zerr *err)
{
	uint32_t def;
	int ret = resolve_action(sc->default_action, sc->has_default_errno, sc->default_errno,
				 SC_FIELD ".defaultAction", &def, err);
	if (ret < 0)
		return ret;
	cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return zerr_setx(err, ENOMEM, "seccomp: cannot initialise a filter");
	if ((ret = add_arches(ctx, sc->architectures, err)) < 0 ||
	    (ret = set_flags(ctx, sc->flags, err)) < 0 ||
	    (ret = add_notify(ctx, sc->notify, err)) < 0)
		return ret;
	for (size_t i = 0; i < sc->n_rules; i++)
		if ((ret = add_rule(ctx, def, sc->notify, &sc->rules[i], i, err)) < 0)
			return ret;
	*out = ctx;
	ctx = NULL;
	return 0;
}

static unsigned kernel_flags(char *const *names, char *const *notify)
{
	unsigned f = notify && notify[0] ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	for (size_t i = 0; names && names[i]; i++) {
		if (!strcmp(names[i], "SECCOMP_FILTER_FLAG_TSYNC"))
			f |= SECCOMP_FILTER_FLAG_TSYNC;
		else if (!strcmp(names[i], "SECCOMP_FILTER_FLAG_LOG"))
			f |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(names[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	}
	/* TSYNC and a listener together need TSYNC_ESRCH (Linux 5.7). */
	if ((f & SECCOMP_FILTER_FLAG_TSYNC) && (f & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		f |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	return f;
}

int iso_seccomp_set_bpf(struct iso_seccomp *sc, void *buf, size_t len, struct zerr *err)
{
	if (!len || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		free(buf);
		return zerr_setx(err, EINVAL,
				 "seccomp: a compiled program of %zu bytes is malformed", len);
	}
	free(sc->bpf);
	sc->bpf = buf;
	sc->bpf_len = len;
	sc->bpf_flags = kernel_flags(sc->flags, sc->notify);
	return 0;
}

int iso_seccomp_compile(struct iso_seccomp *sc, struct zerr *err)
{
	int ret = iso_seccomp_validate(sc, err);
	if (ret < 0)
		return ret;
	cleanup_seccomp scmp_filter_ctx ctx = NULL;
	if ((ret = build_filter(sc, &ctx, err)) < 0)
		return ret;
	/* data only: vm.memfd_noexec=2 (6.3) takes no other memfd; older
	 * kernels do not know the flag */
	cleanup_close int fd = memfd_create("seccomp", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return zerr_set(err, errno, "seccomp: memfd");
	if ((ret = seccomp_export_bpf(ctx, fd)) < 0)
		return zerr_set(err, -ret, "seccomp: export the filter");
	off_t len = lseek(fd, 0, SEEK_CUR);
	void *buf = xmalloc((size_t)len);
	if (len <= 0 || pread(fd, buf, (size_t)len, 0) != len) {
		free(buf);
		return zerr_set(err, errno ? errno : EIO, "seccomp: read the exported filter");
	}
	return iso_seccomp_set_bpf(sc, buf, (size_t)len, err);
}

static int load_bpf(const struct iso_seccomp *sc, int *listener, struct zerr *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sc->bpf_len / sizeof(struct sock_filter)),
		.filter = sc->bpf,
	};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, sc->bpf_flags, &prog);
	if (r < 0 && (errno == EACCES || errno == EPERM))
		return zerr_set(
			err, errno,
			"load the seccomp filter (without no_new_privs this needs CAP_SYS_ADMIN)");
	if (r < 0 && errno == EBUSY)
		return zerr_set(
			err, errno,
			"load the seccomp filter (a filter with a listener is already in force)");
	if (r < 0)
		return zerr_set(err, errno, "load the seccomp filter");
	if (sc->bpf_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		if (listener)
			*listener = (int)r;
		else
			close((int)r);
	}
	return 0;
}

int iso_seccomp_load(const struct iso_seccomp *sc, int *listener, struct zerr *err)
{
	if (listener)
		*listener = -1;
	if (sc->bpf)
		return load_bpf(sc, listener, err);
	struct iso_seccomp tmp = *sc;
	tmp.bpf = NULL;
	int ret = iso_seccomp_compile(&tmp, err);
	if (ret == 0)
		ret = load_bpf(&tmp, listener, err);
	free(tmp.bpf);
	return ret;
}

void iso_seccomp_free(struct iso_seccomp *sc)
{
	if (!sc)
		return;
	free(sc->default_action);
	strv_free(sc->architectures);
	strv_free(sc->flags);
	for (size_t i = 0; i < sc->n_rules; i++) {
		struct iso_sc_rule *r = &sc->rules[i];
		strv_free(r->names);
		free(r->action);
		for (size_t a = 0; a < r->n_args; a++)
			free(r->args[a].op);
		free(r->args);
	}
	free(sc->rules);
	strv_free(sc->notify);
	free(sc->bpf);
	*sc = (struct iso_seccomp){0};
}

/* ---- the default profile ----------------------------------------------------
 *
 * Default allow, and deny (EPERM unless said otherwise) what would let the
 * root of a zone act on the host rather than on its zone. Most of these
 * also need a capability the default set does not grant; the filter is
 * the second wall for zones configured with more capabilities, and for
 * kernel bugs reachable before the capability check.
 */

/* The zone's mount table is built by zonectl; changing it could uncover
 * masked paths or undo read-only ones. Both mount APIs. */
static char *deny_mount[] = {
	"mount",   "umount", "umount2",    "pivot_root", "fsopen",        "fsconfig",
	"fsmount", "fspick", "move_mount", "open_tree",  "mount_setattr", NULL,
};
/* One kernel for all zones: modules, kexec, reboot and swap are the host's. */
static char *deny_kernel[] = {
	"init_module",  "finit_module",    "delete_module", "create_module",
	"query_module", "get_kernel_syms", "kexec_load",    "kexec_file_load",
	"reboot",       "swapon",          "swapoff",       NULL,
};
/* Large kernel attack surface, not namespaced, or both: eBPF, perf,
 * userfaultfd (a tool for winning kernel races), the keyrings. */
static char *deny_surface[] = {
	"bpf",    "perf_event_open", "userfaultfd", "lookup_dcookie",
	"keyctl", "add_key",         "request_key", NULL,
};
/* File handles name files by inode, from outside the zone's root: the
 * "shocker" escape. */
static char *deny_handles[] = {"open_by_handle_at", "name_to_handle_at", NULL};
/* Host-wide state: clocks, the kernel log, process accounting, quotas,
 * the terminal of other sessions, I/O ports. */
static char *deny_host_state[] = {
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",  "syslog", "acct",
	"quotactl",     "nfsservctl",    "vhangup",       "iopl",     "ioperm", NULL,
};
/* Obsolete interfaces nothing current needs. */
static char *deny_obsolete[] = {"uselib", "_sysctl", NULL};
/* Other processes' memory; a zone's processes are no debugger's targets. */
static char *deny_ptrace[] = {"ptrace", "process_vm_readv", "process_vm_writev", NULL};
/* Entering the namespaces of something else. */
static char *deny_setns[] = {"setns", NULL};
/* A user namespace gives its creator every capability over new
 * namespaces of every kind: the widest door into kernel code that
 * otherwise needs real privilege. Other namespace flags are left to the
 * capability check. */
static char *newuser_calls[] = {"unshare", "clone", NULL};
static struct iso_sc_arg newuser_arg[] = {
	{.index = 0,
	 .value = CLONE_NEWUSER,
	 .value_two = CLONE_NEWUSER,
	 .op = "SCMP_CMP_MASKED_EQ"},
};
/* clone3 passes its flags in memory a filter cannot read; ENOSYS makes
 * glibc fall back to clone, whose flags the rule above sees. */
static char *clone3_call[] = {"clone3", NULL};

/*
 * personality(2) is allowed only for PER_LINUX (0), PER_LINUX32 (0x8),
 * UNAME26 (0x20000) and the query 0xffffffff; ADDR_NO_RANDOMIZE and
 * READ_IMPLIES_EXEC weaken the zone's own defences. With a default of
 * allow this must be said as "deny when arg0 is not one of those", and
 * every condition here tests arg0, so they are ORed (see the top of this
 * file): each one is "bit i set and bit j clear" and must match no allowed
 * value. Bits 3 and 17 (the only ones set in 0x8 and 0x20000) are left
 * out of a cycle through the other 30 bits (0 1 2 4 ... 16 18 ... 31 0):
 * a value matches no edge of the cycle only if those 30 bits are all
 * equal, which leaves 0, 0x8, 0x20000, 0x20008 and their complements; the
 * three last conditions deny the four of those that are not allowed. The
 * kernel reads the argument as an unsigned int, so only the low 32 bits
 * are tested.
 */
#define BIT(i) (1ULL << (i))
/* clang-format off: a table laid out by hand */
#define SET_CLEAR(i, j)                                                    \
	{                                                                  \
		.index = 0, .value = BIT(i) | BIT(j), .value_two = BIT(i), \
		.op = "SCMP_CMP_MASKED_EQ"                                 \
	}
static char *personality_call[] = {"personality", NULL};
static struct iso_sc_arg personality_args[] = {
	SET_CLEAR(0, 1),
	SET_CLEAR(1, 2),
	SET_CLEAR(2, 4),
	SET_CLEAR(4, 5),
	SET_CLEAR(5, 6),
	SET_CLEAR(6, 7),
	SET_CLEAR(7, 8),
	SET_CLEAR(8, 9),
	SET_CLEAR(9, 10),
	SET_CLEAR(10, 11),
	SET_CLEAR(11, 12),
	SET_CLEAR(12, 13),
	SET_CLEAR(13, 14),
	SET_CLEAR(14, 15),
	SET_CLEAR(15, 16),
	SET_CLEAR(16, 18),
	SET_CLEAR(18, 19),
	SET_CLEAR(19, 20),
	SET_CLEAR(20, 21),
	SET_CLEAR(21, 22),
	SET_CLEAR(22, 23),
	SET_CLEAR(23, 24),
	SET_CLEAR(24, 25),
	SET_CLEAR(25, 26),
	SET_CLEAR(26, 27),
	SET_CLEAR(27, 28),
	SET_CLEAR(28, 29),
	SET_CLEAR(29, 30),
	SET_CLEAR(30, 31),
	SET_CLEAR(31, 0),
	/* 0xfffffff7 and 0xfffdfff7 */
	SET_CLEAR(0, 3),
	/* 0xfffdffff */
	SET_CLEAR(0, 17),
	/* 0x20008 */
	{.index = 0,
	 .value = BIT(0) | BIT(3) | BIT(17),
	 .value_two = BIT(3) | BIT(17),
	 .op = "SCMP_CMP_MASKED_EQ"},
};
/* clang-format on */

/* clang-format off: a macro body in braces is not a block */
#define ERRNO_RULE(list, e)                                                                  \
	{                                                                                    \
		.names = list, .action = "SCMP_ACT_ERRNO", .has_errno = true, .errno_ret = e \
	}
/* clang-format on */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct iso_sc_rule default_rules[] = {
	ERRNO_RULE(deny_mount, EPERM),
	ERRNO_RULE(deny_kernel, EPERM),
	ERRNO_RULE(deny_surface, EPERM),
	ERRNO_RULE(deny_handles, EPERM),
	ERRNO_RULE(deny_host_state, EPERM),
	ERRNO_RULE(deny_obsolete, EPERM),
	ERRNO_RULE(deny_ptrace, EPERM),
	ERRNO_RULE(deny_setns, EPERM),
	{.names = newuser_calls,
	 .action = "SCMP_ACT_ERRNO",
	 .has_errno = true,
	 .errno_ret = EPERM,
	 .args = newuser_arg,
	 .n_args = NELEM(newuser_arg)},
	ERRNO_RULE(clone3_call, ENOSYS),
	{.names = personality_call,
	 .action = "SCMP_ACT_ERRNO",
	 .has_errno = true,
	 .errno_ret = EPERM,
	 .args = personality_args,
	 .n_args = NELEM(personality_args)},
};

static char *default_arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};

static const struct iso_seccomp default_profile = {
	.default_action = "SCMP_ACT_ALLOW",
	.architectures = default_arches,
	.rules = default_rules,
	.n_rules = NELEM(default_rules),
};

const struct iso_seccomp *iso_seccomp_default(void)
{
	return &default_profile;
}
