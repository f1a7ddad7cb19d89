/* login.c - zlogin: a process inside a running zone, and the console. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "runtime.h"

static const char *login_shell(const char *rootfs)
{
	static const char *const shells[] = {"/bin/bash", "/bin/sh"};
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *p = xasprintf("%s%s", rootfs, shells[i]);
		if (access(p, X_OK) == 0)
			return shells[i];
	}
	return "/bin/sh";
}

/* The config's process, with the login's argv, environment and cwd. */
static void login_process(const struct zone_config *cfg, const struct zone_login_opts *o,
			  struct iso_process *p)
{
	*p = cfg->process;
	p->env = strv_dup(cfg->process.env);
	for (size_t i = 0; o->env && o->env[i]; i++)
		strv_append(&p->env, o->env[i]);
	if (o->cwd)
		p->cwd = (char *)o->cwd;
	else if (!o->argv)
		p->cwd = "/root";
}

static int wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 126;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int zone_login(struct zone_ctx *ctx, const char *name, const struct zone_login_opts *o,
	       int *status, struct zerr *err)
{
	struct zone_config cfg = {0};
	struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_LOGIN, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	cleanup_free char *rootfs = zone_rootfs(ctx, name, &cfg);
	char *shell[] = {(char *)login_shell(rootfs), "-l", NULL};
	struct iso_join j = {
		.name = name, .init_pid = st.init_pid, .ns_flags = cfg.ns_flags,
		.cgroup_procs = rctl_cgroup_procs_files(&st.cg), .seccomp = cfg.seccomp,
		.argv = o->argv ? o->argv : shell, .want_pty = o->tty,
	};
	login_process(&cfg, o, &j.proc);
	pid_t pid;
	int master = -1;
	/* Ignore the terminal's signals while the child runs: they reach it
	 * through the pty (or through the process group without one). */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	r = iso_join_spawn(&j, &pid, &master, err);
	if (r == -ENOENT)
		*status = 127;
	if (r == 0 && o->tty)
		relay_pty(master, pid, status);
	else if (r == 0)
		*status = wait_child(pid);
	if (master >= 0)
		close(master);
	strv_free(j.proc.env);
	strv_free(j.cgroup_procs);
	zone_status_free(&st);
	zone_config_free(&cfg);
	return r;
}

int zone_console(struct zone_ctx *ctx, const char *name, struct zerr *err)
{
	struct zone_config cfg = {0};
	struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_CONSOLE, &lock, &st, &cfg, err);
	zone_config_free(&cfg);
	zone_status_free(&st);
	if (r < 0)
		return r;
	close(lock);
	cleanup_free char *path = zone_run_file(ctx, name, "console.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return zerr_set(err, errno, "zone %s: connect to the console", name);
	return relay_console(fd);
}
