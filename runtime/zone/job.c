/*
 * job.c - a CI job's zone, for drivers such as the GitLab Runner custom
 * executor (cli/cmd_ci.c): made once per job (prepare), a script run in
 * it once per stage, removed at the end (cleanup). Its /cache is the
 * project's, kept under LIB/ci/cache/ from one job to the next (the
 * runner's local cache lives in cache_dir), and it reaches the network as
 * `zonectl run` jobs do (the default bridge, NAT, DNS), so that
 * get_sources can clone and artifacts can be uploaded.
 *
 * A stage's script is the stdin of a shell logged into the zone (bash if
 * the zone has one, else sh), as the runner's LXD example driver does, so
 * no file is copied into the zone's root. Its exit status is recorded in
 * RUN/NAME/job-status. SIGTERM or SIGINT (the runner's timeout or a
 * cancel) halt the zone: zinit sends SIGTERM to every process of the job,
 * waits `grace` seconds, then kills what is left; the shell's status is
 * what the job got.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime.h"

/* LIB/ci/cache/KEY, made if missing. */
static int cache_dir(const struct zone_ctx *ctx, const char *name, const char *key, char **dir,
		     struct zerr *err)
{
	if (!*key || key[0] == '.' ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._-") != strlen(key))
		return zerr_setx(err, EINVAL,
				 "zone %s: cache key `%s`: letters, digits, '.', '_' and '-' only",
				 name, key);
	*dir = xasprintf("%s/ci/cache/%s", ctx->lib_dir, key);
	int r = mkdir_p(*dir, 0755, err);
	return r < 0 ? zerr_prefix(err, "zone %s: cache", name) : 0;
}

int zone_job_prepare(struct zone_ctx *ctx, const char *name, const struct zone_job_opts *o,
		     struct zerr *err)
{
	int r = zone_name_check(name, err);
	cleanup_free char *cache = NULL;
	if (r == 0 && o->cache)
		r = cache_dir(ctx, name, o->cache, &cache, err);
	if (r < 0)
		return r;
	char *rw[] = {"rbind", NULL}, *ro[] = {"bind", "ro", "nosuid", "nodev", NULL};
	struct iso_mount m[2];
	size_t n = 0;
	if (cache)
		m[n++] = (struct iso_mount){"/cache", "bind", cache, rw};
	/* a sparse zone sees the host's /usr, and the runner in it */
	if (o->template_name && o->runner)
		m[n++] = (struct iso_mount){"/usr/local/bin/gitlab-runner", "bind",
					    (char *)o->runner, ro};
	char *text = zone_config_default(name,
					 o->template_name ? ZONE_BRAND_WHOLE : ZONE_BRAND_SPARSE);
	size_t len = strlen(text);
	struct config_edit e = {.template_name = o->template_name, .mounts = m, .n_mounts = n};
	if ((r = zone_config_edit(name, &text, &len, &e, err)) < 0) {
		free(text);
		return r;
	}
	struct zone_create_opts co = {.net = zone_job_net(ctx, NULL)};
	if ((r = zone_create_text(ctx, name, &co, text, len, err)) == 0 &&
	    (r = zone_boot(ctx, name, err)) < 0)
		zone_delete(ctx, name, true, NULL);
	return r;
}

/* In a child: the login, with the script as stdin. Its error, if any,
 * goes back through report. */
static __attribute__((noreturn)) void script_child(struct zone_ctx *ctx, const char *name,
						   int script, int report, const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	struct zerr err = {0};
	int status = 0;
	struct zone_info info = {0};
	char bash[64] = "";
	if (zone_info_get(ctx, name, &info, NULL) == 0)
		snprintf(bash, sizeof(bash), "/proc/%d/root/bin/bash", info.init_pid);
	zone_info_free(&info);
	char *argv[] = {access(bash, X_OK) == 0 ? "/bin/bash" : "/bin/sh", NULL};
	struct zone_login_opts o = {.argv = argv};
	if (dup2(script, 0) < 0) {
		zerr_set(&err, errno, "zone %s: the script as stdin", name);
	} else if (zone_login(ctx, name, &o, &status, &err) == 0) {
		_exit(status);
	}
	write_all(report, err.msg, strlen(err.msg));
	_exit(255);
}

static void record(const struct zone_ctx *ctx, const char *name, int status)
{
	cleanup_free char *path = zone_run_file(ctx, name, "job-status");
	char text[16];
	int n = snprintf(text, sizeof(text), "%d\n", status);
	write_file_atomic(path, text, (size_t)n, 0644, NULL);
}

/* Waits for the login, halting the zone on a signal. */
static int wait_script(struct zone_ctx *ctx, const char *name, pid_t pid, int sfd, int grace,
		       int *status)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	bool halted = false;
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && !halted) {
				halted = true;
				zone_halt(ctx, name, grace, NULL);
			}
		}
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return halted;
}

int zone_job_script(struct zone_ctx *ctx, const char *name, const char *script, int grace,
		    int *status, struct zerr *err)
{
	cleanup_close int fd = open(script, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return zerr_set(err, errno, "zone %s: script `%s`", name, script);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return zerr_set(err, errno, "zone %s: pipe", name);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		script_child(ctx, name, fd, p[1], &old);
	}
	close(p[1]);
	int r = 0;
	if (pid < 0)
		r = zerr_set(err, errno, "zone %s: fork", name);
	else
		wait_script(ctx, name, pid, sfd, grace, status);
	char msg[sizeof(err->msg)] = "";
	if (r == 0 && read_all(p[0], msg, sizeof(msg) - 1) > 0)
		r = zerr_setx(err, EIO, "%s", msg);
	close(p[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		record(ctx, name, *status);
	return r;
}
