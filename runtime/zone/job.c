/*
 * job.c - a CI job's zone, for drivers such as the GitLab Runner custom
 * executor (cli/cmd_ci.c): made once per job (prepare), a script run in
 * it once per stage, removed at the end (cleanup).
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

int zone_job_prepare(struct zone_ctx *ctx, const char *name, const char *template_name,
		     struct zerr *err)
{
	struct zone_create_opts o = {.template_name = template_name};
	int r = zone_create(ctx, name, &o, err);
	if (r == 0 && (r = zone_boot(ctx, name, err)) < 0)
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
