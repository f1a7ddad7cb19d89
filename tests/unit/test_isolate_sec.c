/* test_isolate_sec.c - the security pieces of isolate/: seccomp, caps,
 * credentials, rlimits, fd hygiene, the sealed init copy, mount options.
 * Real kernel, no mocks: anything that changes the process runs in a
 * forked child, which reports a failure as text over a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include "isolate.h"
#include "t.h"

extern char **environ;

/* ---- running a check in a child ------------------------------------- */

static int report_fd = -1;
static char child_msg[2048];

#define FAIL_IF(cond, ...)                                                   \
	do {                                                                 \
		if (cond) {                                                  \
			snprintf(child_msg, sizeof(child_msg), __VA_ARGS__); \
			return 1;                                            \
		}                                                            \
	} while (0)

/* Runs fn in a child; returns 0 if it returned 0, else -1 with its
 * message in msg. */
static int in_child(int (*fn)(void), char *msg, size_t len)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return snprintf(msg, len, "pipe: %s", strerror(errno)), -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		child_msg[0] = '\0';
		int r = fn();
		if (r)
			write_all(report_fd, child_msg, strlen(child_msg));
		_exit(r ? 1 : 0);
	}
	close(p[1]);
	ssize_t n = read_all(p[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (!msg[0])
		snprintf(msg, len, "child status %#x", st);
	return -1;
}

#define CHECK_CHILD(fn)                                                 \
	do {                                                            \
		char m_[2048];                                          \
		CHECK_MSG(in_child(fn, m_, sizeof(m_)) == 0, "%s", m_); \
	} while (0)

/* "Seccomp:\t2" -> 2 */
static long status_field(const char *field)
{
	cleanup_free char *s = NULL;
	if (read_file("/proc/self/status", &s, NULL, NULL) < 0)
		return -1;
	size_t fl = strlen(field);
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, field, fl) && l[fl] == ':')
			return strtol(l + fl + 1, NULL, 0);
	return -1;
}

static uint64_t status_hex(const char *field)
{
	cleanup_free char *s = NULL;
	if (read_file("/proc/self/status", &s, NULL, NULL) < 0)
		return ~0ULL;
	size_t fl = strlen(field);
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, field, fl) && l[fl] == ':')
			return strtoull(l + fl + 1, NULL, 16);
	return ~0ULL;
}

static bool have_cap(int cap)
{
	return (status_hex("CapEff") >> cap) & 1;
}

/* ---- seccomp: the default profile --------------------------------------- */

static int sys_err(long r)
{
	return r < 0 ? errno : 0;
}

static int default_profile_child(void)
{
	/* A private mount namespace, so that a mount the filter failed to
	 * stop lands nowhere. */
	FAIL_IF(unshare(CLONE_NEWNS) < 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
	FAIL_IF(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0, "make / private");
	FAIL_IF(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0, "no_new_privs");
	struct zerr err = {0};
	FAIL_IF(iso_seccomp_load(iso_seccomp_default(), NULL, &err) < 0, "load: %s", err.msg);

	int e = sys_err(mount("tmpfs", "/tmp", "tmpfs", 0, NULL));
	FAIL_IF(e != EPERM, "mount: %s", strerror(e));
	e = sys_err(umount2("/proc", MNT_DETACH));
	FAIL_IF(e != EPERM, "umount2: %s", strerror(e));
	e = sys_err(syscall(SYS_fsopen, "tmpfs", 0));
	FAIL_IF(e != EPERM, "fsopen: %s", strerror(e));
	e = sys_err(unshare(CLONE_NEWUSER));
	FAIL_IF(e != EPERM, "unshare(CLONE_NEWUSER): %s", strerror(e));
	/* We are still root with every capability: only the user namespace
	 * is the filter's business. */
	e = sys_err(unshare(CLONE_NEWUTS));
	FAIL_IF(e != 0, "unshare(CLONE_NEWUTS): %s", strerror(e));
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	FAIL_IF(pid >= 0 || errno != EPERM, "clone(CLONE_NEWUSER) not denied");
	struct clone_args ca = {.exit_signal = SIGCHLD};
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	FAIL_IF(pid >= 0 || errno != ENOSYS, "clone3: %s", pid >= 0 ? "ran" : strerror(errno));
	/* fork() still works, through clone. */
	pid = fork();
	if (pid == 0)
		_exit(0);
	FAIL_IF(pid < 0, "fork: %s", strerror(errno));
	waitpid((pid_t)pid, NULL, 0);
	e = sys_err(ptrace(PTRACE_TRACEME, 0, 0, 0));
	FAIL_IF(e != EPERM, "ptrace: %s", strerror(e));
	e = sys_err(syscall(SYS_bpf, 0, NULL, 0));
	FAIL_IF(e != EPERM, "bpf: %s", strerror(e));
	e = sys_err(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	FAIL_IF(e != EPERM, "keyctl: %s", strerror(e));
	e = sys_err(syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0));
	FAIL_IF(e != EPERM, "open_by_handle_at: %s", strerror(e));
	e = sys_err(syscall(SYS_setns, 0, 0));
	FAIL_IF(e != EPERM, "setns: %s", strerror(e));
	FAIL_IF(status_field("Seccomp") != 2, "Seccomp: %ld", status_field("Seccomp"));
	FAIL_IF(status_field("NoNewPrivs") != 1, "NoNewPrivs: %ld", status_field("NoNewPrivs"));
	return 0;
}

static void test_default_profile_denies_host_operations(void)
{
	if (getuid() != 0)
		SKIP("needs root");
	CHECK_CHILD(default_profile_child);
}

/* A profile that denies sysinfo, with sysinfo also handed to a listener:
 * the listener's answer is what the caller gets. */
static int notify_child(void)
{
	static char *deny[] = {"sysinfo", NULL};
	static char *notify[] = {"sysinfo", NULL};
	const struct iso_seccomp *def = iso_seccomp_default();
	struct iso_seccomp sc = *def;
	sc.rules = xcalloc(def->n_rules + 1, sizeof(*sc.rules));
	memcpy(sc.rules, def->rules, def->n_rules * sizeof(*sc.rules));
	sc.rules[sc.n_rules++] = (struct iso_sc_rule){
		.names = deny, .action = "SCMP_ACT_ERRNO", .has_errno = true, .errno_ret = EPERM};
	sc.notify = notify;
	FAIL_IF(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0, "no_new_privs");
	struct zerr err = {0};
	int listener = -2;
	FAIL_IF(iso_seccomp_load(&sc, &listener, &err) < 0, "load: %s", err.msg);
	FAIL_IF(listener < 0, "no listener (%d)", listener);
	pid_t kid = fork();
	if (kid == 0) {
		struct sysinfo si;
		close(listener);
		_exit(sysinfo(&si) == 0 && si.totalram == 4242 ? 0 : 1);
	}
	struct pollfd pfd = {.fd = listener, .events = POLLIN};
	if (poll(&pfd, 1, 3000) != 1) {
		kill(kid, SIGKILL);
		FAIL_IF(1, "no notification within 3 s");
	}
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	FAIL_IF(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0, "recv: %s", strerror(errno));
	FAIL_IF(req.data.nr != SYS_sysinfo || (pid_t)req.pid != kid, "notified of %d by %u",
		req.data.nr, req.pid);
	/* Through /proc/PID/mem: the profile denies process_vm_writev to us. */
	struct sysinfo answer = {.totalram = 4242, .mem_unit = 1};
	char mem[64];
	snprintf(mem, sizeof(mem), "/proc/%d/mem", kid);
	int fd = open(mem, O_WRONLY | O_CLOEXEC);
	FAIL_IF(fd < 0 || pwrite(fd, &answer, sizeof(answer), (off_t)req.data.args[0]) !=
				  sizeof(answer),
		"write the answer: %s", strerror(errno));
	close(fd);
	struct seccomp_notif_resp resp = {.id = req.id};
	FAIL_IF(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0, "send: %s", strerror(errno));
	int st;
	FAIL_IF(waitpid(kid, &st, 0) != kid || !WIFEXITED(st) || WEXITSTATUS(st),
		"the caller did not get the answer");
	/* Without notify syscalls there is no listener. */
	int none = -2;
	FAIL_IF(iso_seccomp_load(def, &none, &err) < 0 || none != -1,
		"default profile: listener %d", none);
	return 0;
}

static void test_notify_syscalls_go_to_the_listener_over_the_profile(void)
{
	CHECK_CHILD(notify_child);
}

static int personality_child(void)
{
	static const unsigned long allowed[] = {0, 0x8, 0x20000, 0xffffffff};
	static const unsigned long denied[] = {
		1,
		7,
		9,
		0x10,
		ADDR_NO_RANDOMIZE,
		READ_IMPLIES_EXEC,
		0x20001,
		0x20008,
		0xfffffffe,
		0xfffffff7,
		0xfffdffff,
		0xfffdfff7,
		0x7fffffff,
		0x80000000,
	};
	FAIL_IF(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0, "no_new_privs");
	struct zerr err = {0};
	FAIL_IF(iso_seccomp_load(iso_seccomp_default(), NULL, &err) < 0, "load: %s", err.msg);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int e = sys_err(syscall(SYS_personality, denied[i]));
		FAIL_IF(e != EPERM, "personality(%#lx) not denied", denied[i]);
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		int e = sys_err(syscall(SYS_personality, allowed[i]));
		FAIL_IF(e, "personality(%#lx): %s", allowed[i], strerror(e));
	}
	syscall(SYS_personality, 0UL);
	return 0;
}

static void test_default_profile_personality_only_safe_values(void)
{
	CHECK_CHILD(personality_child);
}

/* The same decision as the filter, worked out from the profile's own
 * conditions (the ORed masked compares of the personality rule), over
 * every single bit, every complement of one and a sweep of values. */
static bool personality_denied_by_profile(uint64_t v)
{
	const struct iso_seccomp *sc = iso_seccomp_default();
	for (size_t i = 0; i < sc->n_rules; i++) {
		if (strcmp(sc->rules[i].names[0], "personality"))
			continue;
		for (size_t a = 0; a < sc->rules[i].n_args; a++)
			if ((v & sc->rules[i].args[a].value) == sc->rules[i].args[a].value_two)
				return true;
	}
	return false;
}

static void test_default_profile_personality_cover_is_exact(void)
{
	for (uint64_t v = 0; v <= 0xffffffffULL; v += 0x10001ULL) {
		bool ok = v == 0 || v == 8 || v == 0x20000 || v == 0xffffffff;
		CHECK_MSG(personality_denied_by_profile(v) != ok, "%#llx", (unsigned long long)v);
	}
	for (int b = 0; b < 32; b++) {
		uint64_t one = 1ULL << b, all_but = 0xffffffffULL & ~one;
		CHECK_MSG(personality_denied_by_profile(one) == (one != 8 && one != 0x20000),
			  "%#llx", (unsigned long long)one);
		CHECK_MSG(personality_denied_by_profile(all_but), "%#llx",
			  (unsigned long long)all_but);
		for (int c = 0; c < 32; c++) {
			uint64_t two = one | (1ULL << c);
			bool ok = two == 8 || two == 0x20000;
			CHECK_MSG(personality_denied_by_profile(two) != ok, "%#llx",
				  (unsigned long long)two);
		}
	}
	CHECK(!personality_denied_by_profile(0));
	CHECK(!personality_denied_by_profile(0xffffffff));
}

static void test_default_profile_validates(void)
{
	struct zerr err = {0};
	CHECK_MSG(iso_seccomp_validate(iso_seccomp_default(), &err) == 0, "%s", err.msg);
}

/* ---- seccomp: OCI semantics ------------------------------------------------ */

static char *one_name(const char *n)
{
	return (char *)n;
}

static void test_validate_rejects_unknown_action(void)
{
	char *names[] = {one_name("getpid"), NULL};
	struct iso_sc_rule rules[4] = {
		{.names = names, .action = one_name("SCMP_ACT_ALLOW")},
		{.names = names, .action = one_name("SCMP_ACT_ALLOW")},
		{.names = names, .action = one_name("SCMP_ACT_ALLOW")},
		{.names = names, .action = one_name("SCMP_ACT_FOO")},
	};
	struct iso_seccomp sc = {
		.default_action = one_name("SCMP_ACT_ERRNO"), .rules = rules, .n_rules = 4};
	struct zerr err = {0};
	CHECK(iso_seccomp_validate(&sc, &err) == -EINVAL);
	CHECK_MSG(
		!strcmp(err.msg, "linux.seccomp.syscalls[3].action: unknown action `SCMP_ACT_FOO`"),
		"%s", err.msg);
	sc.n_rules = 3;
	sc.default_action = one_name("SCMP_ACT_BAR");
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "defaultAction: unknown action `SCMP_ACT_BAR`"), "%s", err.msg);
}

static void test_validate_rejects_notify_and_misplaced_errno(void)
{
	char *names[] = {one_name("getpid"), NULL};
	struct iso_sc_rule r = {.names = names, .action = one_name("SCMP_ACT_NOTIFY")};
	struct iso_seccomp sc = {
		.default_action = one_name("SCMP_ACT_ALLOW"), .rules = &r, .n_rules = 1};
	struct zerr err = {0};
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "syscalls[0].action: `SCMP_ACT_NOTIFY` is not supported"), "%s",
		  err.msg);
	r.action = one_name("SCMP_ACT_KILL");
	r.has_errno = true;
	r.errno_ret = 1;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "errnoRet"), "%s", err.msg);
}

static void test_validate_rejects_bad_operator_index_arch_flag_name(void)
{
	char *names[] = {one_name("getpid"), NULL};
	struct iso_sc_arg args[2] = {
		{.index = 0, .op = one_name("SCMP_CMP_EQ")},
		{.index = 1, .op = one_name("SCMP_CMP_ALMOST")},
	};
	struct iso_sc_rule r = {
		.names = names, .action = one_name("SCMP_ACT_ERRNO"), .args = args, .n_args = 2};
	struct iso_seccomp sc = {
		.default_action = one_name("SCMP_ACT_ALLOW"), .rules = &r, .n_rules = 1};
	struct zerr err = {0};
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(
		!strcmp(err.msg,
			"linux.seccomp.syscalls[0].args[1].op: unknown operator `SCMP_CMP_ALMOST`"),
		"%s", err.msg);
	args[1].op = one_name("SCMP_CMP_MASKED_EQ");
	args[1].index = 6;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "args[1].index"), "%s", err.msg);
	args[1].index = 5;
	CHECK_MSG(iso_seccomp_validate(&sc, &err) == 0, "%s", err.msg);

	char *arch[] = {one_name("SCMP_ARCH_X86_64"), one_name("SCMP_ARCH_VAX"), NULL};
	sc.architectures = arch;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "architectures[1]: unknown architecture `SCMP_ARCH_VAX`"), "%s",
		  err.msg);
	sc.architectures = NULL;

	char *flags[] = {one_name("SECCOMP_FILTER_FLAG_LOG"), one_name("SECCOMP_FILTER_FLAG_X"),
			 NULL};
	sc.flags = flags;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "flags[1]: unknown flag `SECCOMP_FILTER_FLAG_X`"), "%s", err.msg);
	sc.flags = NULL;

	char *bad_names[] = {one_name("getpid"), one_name(""), NULL};
	r.names = bad_names;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	CHECK_MSG(strstr(err.msg, "names[1]"), "%s", err.msg);
	char *no_names[] = {NULL};
	r.names = no_names;
	CHECK(iso_seccomp_validate(&sc, &err) < 0);
	/* Unknown to libseccomp but well-formed: fine, skipped at load. */
	char *future[] = {one_name("getpid"), one_name("syscall_from_2031"), NULL};
	r.names = future;
	CHECK_MSG(iso_seccomp_validate(&sc, &err) == 0, "%s", err.msg);
}

/* getpriority(which, who) with which/who we choose: a harmless probe of
 * how conditions combine. */
static int oci_semantics_child(void)
{
	char *names[] = {one_name("getpriority"), one_name("syscall_from_2031"), NULL};
	char *dflt[] = {one_name("getppid"), NULL};
	char *allow[] = {one_name("getpid"), NULL};
	struct iso_sc_arg ored[] = {
		{.index = 0, .value = PRIO_PGRP, .op = one_name("SCMP_CMP_EQ")},
		{.index = 0, .value = PRIO_USER, .op = one_name("SCMP_CMP_EQ")},
	};
	struct iso_sc_arg anded[] = {
		{.index = 0, .value = PRIO_PROCESS, .op = one_name("SCMP_CMP_EQ")},
		{.index = 1, .value = 12345, .op = one_name("SCMP_CMP_EQ")},
	};
	struct iso_sc_rule rules[] = {
		{.names = names,
		 .action = one_name("SCMP_ACT_ERRNO"),
		 .has_errno = true,
		 .errno_ret = 99,
		 .args = ored,
		 .n_args = 2},
		{.names = names,
		 .action = one_name("SCMP_ACT_ERRNO"),
		 .has_errno = true,
		 .errno_ret = 98,
		 .args = anded,
		 .n_args = 2},
		{.names = dflt, .action = one_name("SCMP_ACT_ERRNO")},
		/* same as the default action: skipped, not an error */
		{.names = allow, .action = one_name("SCMP_ACT_ALLOW")},
	};
	char *arch[] = {one_name("SCMP_ARCH_X86_64"), one_name("SCMP_ARCH_X86"), NULL};
	char *flags[] = {one_name("SECCOMP_FILTER_FLAG_LOG"), NULL};
	struct iso_seccomp sc = {.default_action = one_name("SCMP_ACT_ALLOW"),
				 .architectures = arch,
				 .flags = flags,
				 .rules = rules,
				 .n_rules = 4};
	FAIL_IF(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0, "no_new_privs");
	struct zerr err = {0};
	FAIL_IF(iso_seccomp_load(&sc, NULL, &err) < 0, "load: %s", err.msg);
	int e = sys_err(syscall(SYS_getpriority, PRIO_PGRP, 0));
	FAIL_IF(e != 99, "getpriority(PGRP): %d", e);
	e = sys_err(syscall(SYS_getpriority, PRIO_USER, 0));
	FAIL_IF(e != 99, "getpriority(USER): %d", e);
	e = sys_err(syscall(SYS_getpriority, PRIO_PROCESS, 0));
	FAIL_IF(e != 0, "getpriority(PROCESS, 0): %d", e);
	e = sys_err(syscall(SYS_getpriority, PRIO_PROCESS, 12345));
	FAIL_IF(e != 98, "getpriority(PROCESS, 12345): %d", e);
	e = sys_err(syscall(SYS_getppid));
	FAIL_IF(e != EPERM, "getppid: errnoRet should default to EPERM, got %d", e);
	FAIL_IF(syscall(SYS_getpid) <= 0, "getpid");
	return 0;
}

static void test_seccomp_same_index_args_are_ored_others_anded(void)
{
	CHECK_CHILD(oci_semantics_child);
}

static void test_seccomp_free_releases_a_built_profile(void)
{
	struct iso_seccomp *sc = xcalloc(1, sizeof(*sc));
	sc->default_action = xstrdup("SCMP_ACT_ERRNO");
	strv_append(&sc->architectures, "SCMP_ARCH_X86_64");
	strv_append(&sc->flags, "SECCOMP_FILTER_FLAG_TSYNC");
	sc->rules = xcalloc(1, sizeof(*sc->rules));
	sc->n_rules = 1;
	strv_append(&sc->rules[0].names, "read");
	sc->rules[0].action = xstrdup("SCMP_ACT_ALLOW");
	sc->rules[0].args = xcalloc(1, sizeof(*sc->rules[0].args));
	sc->rules[0].args[0].op = xstrdup("SCMP_CMP_EQ");
	sc->rules[0].n_args = 1;
	struct zerr err = {0};
	CHECK_MSG(iso_seccomp_validate(sc, &err) == 0, "%s", err.msg);
	iso_seccomp_free(sc);
	CHECK(sc->rules == NULL && sc->default_action == NULL);
	free(sc);
}

/* ---- capabilities -------------------------------------------------------- */

static void test_cap_names_round_trip(void)
{
	CHECK(iso_cap_from_name("CAP_CHOWN") == 0);
	CHECK(iso_cap_from_name("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
	CHECK(iso_cap_from_name("CAP_FOO") == -1);
	CHECK(iso_cap_from_name("12") == -1);
	CHECK(iso_cap_from_name("CAP_12") == -1);
	CHECK(iso_cap_from_name("") == -1);
	CHECK(iso_cap_name(0) && !strcmp(iso_cap_name(0), "CAP_CHOWN"));
	CHECK(iso_cap_name(CAP_NET_BIND_SERVICE) &&
	      !strcmp(iso_cap_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE"));
	CHECK(iso_cap_name(-1) == NULL && iso_cap_name(64) == NULL);
	for (int c = 0; c <= iso_cap_last() && c < 41; c++)
		CHECK_MSG(iso_cap_name(c) && iso_cap_from_name(iso_cap_name(c)) == c, "cap %d", c);
	cleanup_free char *s = NULL;
	CHECK(read_file("/proc/sys/kernel/cap_last_cap", &s, NULL, NULL) == 0);
	CHECK(iso_cap_last() == atoi(s));
}

static void test_caps_default_is_containerd_minus_mknod_net_raw(void)
{
	uint64_t m = iso_caps_default();
	CHECK_MSG(m == 0xa00405fbULL, "%#llx", (unsigned long long)m);
	CHECK(!(m & (1ULL << CAP_MKNOD)) && !(m & (1ULL << CAP_NET_RAW)));
	CHECK(!(m & (1ULL << CAP_SYS_ADMIN)));
}

static int apply_caps_child(void)
{
	uint64_t d = iso_caps_default();
	/* CAP_SYS_RESOURCE is not in this host's bounding set: asking for it
	 * must not fail. */
	uint64_t want = d | (1ULL << CAP_SYS_RESOURCE);
	struct iso_caps caps = {.bounding = want,
				.effective = want,
				.permitted = want,
				.inheritable = d,
				.ambient = 1ULL << CAP_KILL};
	struct zerr err = {0};
	FAIL_IF(iso_apply_caps(&caps, &err) < 0, "apply: %s", err.msg);
	uint64_t have_rsrc = status_hex("CapBnd") & (1ULL << CAP_SYS_RESOURCE);
	FAIL_IF((status_hex("CapEff") & ~have_rsrc) != d, "CapEff %#llx",
		(unsigned long long)status_hex("CapEff"));
	FAIL_IF((status_hex("CapBnd") & ~have_rsrc) != d, "CapBnd %#llx",
		(unsigned long long)status_hex("CapBnd"));
	FAIL_IF(status_hex("CapInh") != d, "CapInh %#llx",
		(unsigned long long)status_hex("CapInh"));
	FAIL_IF(status_hex("CapAmb") != 1ULL << CAP_KILL, "CapAmb %#llx",
		(unsigned long long)status_hex("CapAmb"));
	return 0;
}

static void test_apply_caps_leaves_exactly_the_asked_sets(void)
{
	if (!have_cap(CAP_SETPCAP))
		SKIP("needs CAP_SETPCAP");
	CHECK_CHILD(apply_caps_child);
}

/* ---- the whole process step ---------------------------------------------- */

static struct iso_rlimit nofile_1024 = {.resource = RLIMIT_NOFILE, .soft = 1024, .hard = 1024};

static int apply_process_root_child(void)
{
	uint64_t d = iso_caps_default();
	struct iso_process p = {
		.uid = 0,
		.gid = 0,
		.no_new_privs = true,
		.caps = {.bounding = d, .effective = d, .permitted = d},
		.rlimits = &nofile_1024,
		.n_rlimits = 1,
		.has_umask = true,
		.umask = 027,
		.has_oom_score_adj = true,
		.oom_score_adj = 500,
	};
	struct zerr err = {0};
	FAIL_IF(iso_apply_process(&p, iso_seccomp_default(), NULL, &err) < 0, "apply: %s", err.msg);
	FAIL_IF(status_hex("CapEff") != d, "CapEff %#llx",
		(unsigned long long)status_hex("CapEff"));
	FAIL_IF(status_hex("CapBnd") != d, "CapBnd %#llx",
		(unsigned long long)status_hex("CapBnd"));
	FAIL_IF(status_field("Seccomp") != 2, "Seccomp %ld", status_field("Seccomp"));
	FAIL_IF(status_field("NoNewPrivs") != 1, "NoNewPrivs %ld", status_field("NoNewPrivs"));
	struct rlimit rl;
	FAIL_IF(getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 1024 || rl.rlim_max != 1024,
		"RLIMIT_NOFILE not applied");
	FAIL_IF(umask(0) != 027, "umask not applied");
	cleanup_free char *oom = NULL;
	FAIL_IF(read_file("/proc/self/oom_score_adj", &oom, NULL, NULL) < 0 || atoi(oom) != 500,
		"oom_score_adj not applied");
	FAIL_IF(mount("tmpfs", "/nonexistent", "tmpfs", 0, NULL) == 0 || errno != EPERM,
		"mount not denied");
	return 0;
}

static void test_apply_process_root_with_nnp_and_default_profile(void)
{
	if (getuid() != 0)
		SKIP("needs root");
	CHECK_CHILD(apply_process_root_child);
}

/* Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still
 * effective, although the uid has already left 0. */
static int apply_process_user_child(void)
{
	uint64_t d = iso_caps_default();
	gid_t groups[] = {1001, 1002};
	struct iso_process p = {
		.uid = 1000,
		.gid = 1000,
		.groups = groups,
		.n_groups = 2,
		.no_new_privs = false,
		.caps = {.bounding = d, .effective = d, .permitted = d},
	};
	struct zerr err = {0};
	FAIL_IF(iso_apply_process(&p, iso_seccomp_default(), NULL, &err) < 0, "apply: %s", err.msg);
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	FAIL_IF(r != 1000 || e != 1000 || s != 1000, "uids %u %u %u", r, e, s);
	gid_t g[4];
	FAIL_IF(getgid() != 1000 || getgroups(4, g) != 2 || g[0] != 1001, "gids");
	FAIL_IF(status_field("Seccomp") != 2, "Seccomp %ld", status_field("Seccomp"));
	FAIL_IF(status_field("NoNewPrivs") != 0, "NoNewPrivs %ld", status_field("NoNewPrivs"));
	FAIL_IF(status_hex("CapEff") != d, "CapEff %#llx",
		(unsigned long long)status_hex("CapEff"));
	return 0;
}

static void test_apply_process_user_without_nnp_loads_filter_before_caps(void)
{
	if (getuid() != 0)
		SKIP("needs root");
	CHECK_CHILD(apply_process_user_child);
}

/* ---- rlimits --------------------------------------------------------------- */

static int rlimit_above_host_child(void)
{
	struct rlimit cur;
	getrlimit(RLIMIT_NOFILE, &cur);
	struct iso_rlimit r = {.resource = RLIMIT_NOFILE,
			       .soft = cur.rlim_max + 1000,
			       .hard = cur.rlim_max + 1000};
	struct zerr err = {0};
	FAIL_IF(iso_apply_rlimits(&r, 1, &err) != -EPERM, "raising the hard limit did not fail");
	char want[128];
	snprintf(want, sizeof(want), "RLIMIT_NOFILE: hard limit %llu exceeds the host's %llu",
		 (unsigned long long)r.hard, (unsigned long long)cur.rlim_max);
	FAIL_IF(strcmp(err.msg, want), "message `%s`, wanted `%s`", err.msg, want);
	r.soft = 10;
	r.hard = 5;
	FAIL_IF(iso_apply_rlimits(&r, 1, &err) != -EINVAL ||
			!strstr(err.msg, "soft limit 10 exceeds"),
		"soft > hard: %s", err.msg);
	return 0;
}

static void test_rlimit_above_host_hard_limit_is_a_clear_error(void)
{
	if (have_cap(CAP_SYS_RESOURCE))
		SKIP("this host grants CAP_SYS_RESOURCE; any hard limit can be raised");
	CHECK_CHILD(rlimit_above_host_child);
}

static void test_rlimit_names_round_trip(void)
{
	CHECK(iso_rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE);
	CHECK(iso_rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
	CHECK(iso_rlimit_from_name("RLIMIT_CPU") == RLIMIT_CPU);
	CHECK(iso_rlimit_from_name("RLIMIT_FOO") == -1);
	CHECK(iso_rlimit_from_name(NULL) == -1);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		CHECK_MSG(iso_rlimit_name(r) && iso_rlimit_from_name(iso_rlimit_name(r)) == r, "%d",
			  r);
	CHECK(iso_rlimit_name(99) == NULL);
}

/* ---- fds and the sealed init -------------------------------------------------- */

static int close_fds_child(void)
{
	FAIL_IF(dup2(0, 40) < 0 || dup2(0, 41) < 0 || dup2(0, 1000) < 0, "dup2");
	int keep = report_fd;
	iso_close_fds_from(3, keep);
	FAIL_IF(fcntl(keep, F_GETFD) < 0, "kept fd %d was closed", keep);
	FAIL_IF(fcntl(40, F_GETFD) == 0 || fcntl(41, F_GETFD) == 0 || fcntl(1000, F_GETFD) == 0,
		"fds above 3 still open");
	FAIL_IF(fcntl(0, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0, "stdio closed");
	return 0;
}

static void test_close_fds_from_keeps_only_the_one(void)
{
	CHECK_CHILD(close_fds_child);
}

static void test_sealed_exec_fd_cannot_be_written_and_runs(void)
{
	struct zerr err = {0};
	cleanup_close int fd = iso_sealed_exec_fd("/bin/true", &err);
	CHECK_MSG(fd >= 0, "%s", err.msg);
	CHECK(write(fd, "x", 1) < 0 && errno == EPERM);
	CHECK(pwrite(fd, "x", 1, 0) < 0 && errno == EPERM);
	CHECK(ftruncate(fd, 0) < 0 && errno == EPERM);
	CHECK(fcntl(fd, F_ADD_SEALS, 0) < 0 && errno == EPERM); /* F_SEAL_SEAL */
	int seals = fcntl(fd, F_GET_SEALS);
	CHECK((seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) ==
	      (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL));
	/* Writing through another open of the same file fails the same way. */
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	int wfd = open(p, O_WRONLY | O_CLOEXEC);
	bool refused = wfd < 0 || (write(wfd, "x", 1) < 0 && errno == EPERM);
	/* An fd open for writing would make the exec below fail with
	 * ETXTBSY. */
	if (wfd >= 0)
		close(wfd);
	CHECK(refused);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)"true", NULL};
		fexecve(fd, argv, environ);
		_exit(127);
	}
	int st = 0;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void test_sealed_exec_fd_names_a_missing_file(void)
{
	struct zerr err = {0};
	CHECK(iso_sealed_exec_fd("/nonexistent/zinit", &err) == -ENOENT);
	CHECK_MSG(strstr(err.msg, "`/nonexistent/zinit`"), "%s", err.msg);
	CHECK(iso_sealed_exec_fd("/tmp", &err) < 0);
}

/* ---- mount options ------------------------------------------------------------ */

static void test_mount_options_flags_propagation_and_data(void)
{
	char *o[] = {
		one_name("nosuid"),      one_name("nodev"),    one_name("mode=755"), one_name("ro"),
		one_name("size=65536k"), one_name("rprivate"), one_name("noexec"),   NULL};
	struct iso_mount_flags f;
	struct zerr err = {0};
	CHECK_MSG(iso_mount_parse_options(o, &f, &err) == 0, "%s", err.msg);
	CHECK(f.flags == (MS_NOSUID | MS_NODEV | MS_RDONLY | MS_NOEXEC));
	CHECK(f.propagation == (MS_PRIVATE | MS_REC));
	CHECK(f.readonly && !f.bind && !f.recursive);
	CHECK_MSG(f.data && !strcmp(f.data, "mode=755,size=65536k"), "%s", f.data);
	iso_mount_flags_free(&f);
	CHECK(f.data == NULL);

	char *b[] = {one_name("rbind"),
		     one_name("ro"),
		     one_name("rw"),
		     one_name("nosuid"),
		     one_name("suid"),
		     one_name("slave"),
		     NULL};
	CHECK(iso_mount_parse_options(b, &f, &err) == 0);
	CHECK(f.bind && f.recursive && !f.readonly);
	CHECK(f.flags == (MS_BIND | MS_REC));
	CHECK(f.propagation == MS_SLAVE && f.data == NULL);
	iso_mount_flags_free(&f);

	char *plain[] = {one_name("bind"), one_name("relatime"), one_name("strictatime"), NULL};
	CHECK(iso_mount_parse_options(plain, &f, &err) == 0);
	CHECK(f.bind && !f.recursive && f.flags == (MS_BIND | MS_RELATIME | MS_STRICTATIME));
	iso_mount_flags_free(&f);

	CHECK(iso_mount_parse_options(NULL, &f, &err) == 0);
	CHECK(f.flags == 0 && f.propagation == 0 && f.data == NULL);
}

static void test_mount_options_refuse_what_we_cannot_honour(void)
{
	static const char *refused[] = {"idmap", "ridmap", "rro"};
	struct iso_mount_flags f;
	struct zerr err = {0};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *o[] = {one_name("size=1m"), one_name(refused[i]), NULL};
		CHECK(iso_mount_parse_options(o, &f, &err) == -ENOTSUP);
		CHECK_MSG(strstr(err.msg, refused[i]) && strstr(err.msg, "not supported"), "%s",
			  err.msg);
		CHECK(f.data == NULL);
	}
}

static void test_tmpcopyup_is_a_flag_not_data(void)
{
	struct iso_mount_flags f;
	struct zerr err = {0};
	char *o[] = {one_name("size=1m"), one_name("tmpcopyup"), NULL};
	CHECK(iso_mount_parse_options(o, &f, &err) == 0);
	CHECK(f.copy_up && !strcmp(f.data, "size=1m"));
	iso_mount_flags_free(&f);
}

static void test_process_free_clears_everything(void)
{
	struct iso_process p = {0};
	strv_append(&p.args, "/bin/sh");
	strv_append(&p.env, "PATH=/bin");
	p.cwd = xstrdup("/");
	p.groups = xcalloc(2, sizeof(gid_t));
	p.n_groups = 2;
	p.rlimits = xcalloc(1, sizeof(*p.rlimits));
	p.n_rlimits = 1;
	iso_process_free(&p);
	CHECK(!p.args && !p.env && !p.cwd && !p.groups && !p.rlimits);
	CHECK(p.n_groups == 0 && p.n_rlimits == 0);
	iso_process_free(&p);
}

int main(void)
{
	RUN(test_default_profile_validates);
	RUN(test_default_profile_denies_host_operations);
	RUN(test_notify_syscalls_go_to_the_listener_over_the_profile);
	RUN(test_default_profile_personality_only_safe_values);
	RUN(test_default_profile_personality_cover_is_exact);
	RUN(test_validate_rejects_unknown_action);
	RUN(test_validate_rejects_notify_and_misplaced_errno);
	RUN(test_validate_rejects_bad_operator_index_arch_flag_name);
	RUN(test_seccomp_same_index_args_are_ored_others_anded);
	RUN(test_seccomp_free_releases_a_built_profile);
	RUN(test_cap_names_round_trip);
	RUN(test_caps_default_is_containerd_minus_mknod_net_raw);
	RUN(test_apply_caps_leaves_exactly_the_asked_sets);
	RUN(test_apply_process_root_with_nnp_and_default_profile);
	RUN(test_apply_process_user_without_nnp_loads_filter_before_caps);
	RUN(test_rlimit_above_host_hard_limit_is_a_clear_error);
	RUN(test_rlimit_names_round_trip);
	RUN(test_close_fds_from_keeps_only_the_one);
	RUN(test_sealed_exec_fd_cannot_be_written_and_runs);
	RUN(test_sealed_exec_fd_names_a_missing_file);
	RUN(test_mount_options_flags_propagation_and_data);
	RUN(test_mount_options_refuse_what_we_cannot_honour);
	RUN(test_tmpcopyup_is_a_flag_not_data);
	RUN(test_process_free_clears_everything);
	T_EXIT();
}
