/*
 * hooks.c - OCI hooks and the state document they read.
 *
 * Each hook is a host program run with its args and env and the
 * container's state (the document `state` prints) on stdin; a hook that
 * exits non-zero, or outlives its timeout (then SIGKILL), fails the step
 * it belongs to. Where they run:
 *
 *   prestart, createRuntime   the monitor, once init is in its cgroups
 *   createContainer           a child of the monitor in init's pid and
 *                             mount namespaces, once the root is built
 *                             (the zone's files and /proc, seen from it)
 *   startContainer            the same, just before init is released
 *   poststart                 the monitor, after the release
 *   poststop                  an OCI container's: `delete`, once the
 *                             container is gone and before delete returns
 *                             (the spec's order); a zone's: the monitor,
 *                             once init is gone and the cgroups removed
 *
 * A failing poststart or poststop hook is a warning on stderr, and the
 * hooks after it still run: the spec says so for both.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "json.h"
#include "runtime.h"

static const char *const hook_names[] = {
	[ZH_PRESTART] = "prestart",
	[ZH_CREATE_RUNTIME] = "createRuntime",
	[ZH_CREATE_CONTAINER] = "createContainer",
	[ZH_START_CONTAINER] = "startContainer",
	[ZH_POSTSTART] = "poststart",
	[ZH_POSTSTOP] = "poststop",
};

char *oci_state_json(const char *id, const struct zone_config *cfg, const char *status, pid_t pid,
		     const char *created)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "ociVersion", cfg->oci_version ? cfg->oci_version : "1.0.2");
	jw_kstr(w, "id", id);
	jw_kint(w, "pid", pid);
	jw_kstr(w, "status", status);
	jw_kstr(w, "bundle", cfg->bundle ? cfg->bundle : "");
	jw_kstr(w, "rootfs", cfg->root_path);
	if (created)
		jw_kstr(w, "created", created);
	jw_kstr(w, "owner", "");
	jw_key(w, "annotations");
	jw_obj_open(w);
	for (size_t i = 0; i < cfg->n_annotations; i++)
		jw_kstr(w, cfg->annotations[i].key, cfg->annotations[i].value);
	jw_obj_close(w);
	jw_obj_close(w);
	return jw_finish(w, NULL);
}

static int open_ns(pid_t pid, const char *ns)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* In the zone's pid and mount namespaces: a child of ours, so that the
 * zone's /proc (and with it /dev/fd, which a script's interpreter opens)
 * knows it. Exits with the hook's status. */
static void enter_zone(pid_t ns_pid)
{
	int pidns = open_ns(ns_pid, "pid"), mntns = open_ns(ns_pid, "mnt");
	if (pidns < 0 || mntns < 0 || setns(pidns, CLONE_NEWPID) < 0 ||
	    setns(mntns, CLONE_NEWNS) < 0)
		_exit(126);
	close(pidns);
	close(mntns);
	pid_t child = fork();
	if (child < 0)
		_exit(126);
	if (child == 0) {
		/* a timeout kills us: the hook goes too */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return;
	}
	/* hold no end of the state pipe: the hook reads it to EOF */
	close_fds_except(-1, -1);
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* The program is opened before the namespaces change: a hook's path
 * resolves on the host even when the hook runs in the zone's mounts. */
static __attribute__((noreturn)) void hook_child(const struct zone_hook *h, int in, pid_t ns_pid)
{
	/* the monitor blocks its signals (signalfd): a hook gets none of that */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int exe = open(h->path, O_PATH);
	if (exe < 0)
		_exit(127);
	if (ns_pid > 0)
		enter_zone(ns_pid);
	if (dup2(in, 0) < 0)
		_exit(126);
	close_fds_except(exe, -1);
	char *argv0[] = {h->path, NULL};
	syscall(SYS_execveat, exe, "", h->args && h->args[0] ? h->args : argv0,
		h->env ? h->env : (char *[]){NULL}, AT_EMPTY_PATH);
	_exit(127);
}

/* The exit status, or -ETIMEDOUT after killing it. */
static int wait_hook(pid_t pid, int timeout_s)
{
	cleanup_close int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r;
	do
		r = poll(&p, 1, timeout_s > 0 ? timeout_s * 1000 : -1);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0)
		return -ETIMEDOUT;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_one(const char *name, enum zone_hook_kind k, const struct zone_hook *h, pid_t ns_pid,
		   const char *state, struct zerr *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return zerr_set(err, errno, "zone %s: %s hook: pipe", name, hook_names[k]);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return zerr_set(err, errno, "zone %s: %s hook: fork", name, hook_names[k]);
	}
	if (pid == 0)
		hook_child(h, p[0], ns_pid);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	write_all(p[1], state, strlen(state));
	close(p[1]);
	int st = wait_hook(pid, h->timeout);
	if (st == -ETIMEDOUT)
		return zerr_setx(err, ETIMEDOUT, "zone %s: %s hook `%s`: timed out after %d s",
				 name, hook_names[k], h->path, h->timeout);
	if (st != 0)
		return zerr_setx(err, EIO, "zone %s: %s hook `%s`: exited with status %d", name,
				 hook_names[k], h->path, st);
	return 0;
}

int zone_hooks_run(const char *name, const struct zone_config *cfg, enum zone_hook_kind k,
		   const char *status, pid_t pid, bool in_zone, struct zerr *err)
{
	if (!cfg->n_hooks[k])
		return 0;
	cleanup_free char *state = oci_state_json(name, cfg, status, pid, NULL);
	bool warn_only = k == ZH_POSTSTART || k == ZH_POSTSTOP;
	for (size_t i = 0; i < cfg->n_hooks[k]; i++) {
		struct zerr e = {0};
		int r = run_one(name, k, &cfg->hooks[k][i], in_zone ? pid : 0, state, &e);
		if (r < 0 && warn_only) {
			fprintf(stderr, "zonectl: warning: %s (the hooks after it still run)\n",
				e.msg);
		} else if (r < 0) {
			if (err)
				*err = e;
			return r;
		}
	}
	return 0;
}
