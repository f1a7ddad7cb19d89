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

/* Looks through init's root, so the zone's mounts (a sparse zone's /usr)
 * are what is seen. */
static const char *login_shell(pid_t init)
{
	static const char *const shells[] = {"/bin/bash", "/bin/sh"};
	for (size_t i = 0; i < 2; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/root%s", init, shells[i]);
		if (access(p, X_OK) == 0)
			return shells[i];
	}
	return "/bin/sh";
}

void zone_env_set(char ***env, const char *kv)
{
	size_t klen = strcspn(kv, "=") + 1;
	for (size_t i = 0; *env && (*env)[i]; i++)
		if (!strncmp((*env)[i], kv, klen)) {
			free((*env)[i]);
			(*env)[i] = xstrdup(kv);
			return;
		}
	strv_append(env, kv);
}

/* The config's process, with the login's argv, environment and cwd. */
static void login_process(const struct zone_config *cfg, const struct zone_login_opts *o,
			  struct iso_process *p)
{
	*p = cfg->process;
	p->env = strv_dup(cfg->process.env);
	for (size_t i = 0; o->env && o->env[i]; i++)
		zone_env_set(&p->env, o->env[i]);
	if (o->cwd)
		p->cwd = (char *)o->cwd;
	else if (!o->argv)
		p->cwd = "/root";
}

/* The program the monitor compiled at boot, if it is there: the filter
 * in force for the zone, and 1-2 ms cheaper than compiling it again. */
static void use_boot_filter(const struct zone_ctx *ctx, const char *name, struct iso_seccomp *sc)
{
	cleanup_free char *path = zone_run_file(ctx, name, "seccomp.bpf");
	char *buf = NULL;
	size_t len;
	if (sc && read_file(path, &buf, &len, NULL) == 0)
		iso_seccomp_set_bpf(sc, buf, len, NULL);
}

int zone_join_spawn(const struct zone_ctx *ctx, const char *name, const struct iso_join *j,
		    pid_t *pid, int *master, struct zerr *err)
{
	int listener = -1;
	int r = iso_join_spawn(j, pid, master, &listener, err);
	/* Without a server behind it, the process's sysinfo would fail with
	 * ENOSYS once the listener closed: better the message now. */
	struct zerr why;
	if (listener >= 0 && zone_procfs_hand_listener(ctx, name, listener, &why) < 0 &&
	    ctx->notice)
		ctx->notice(why.msg);
	if (listener >= 0)
		close(listener);
	return r;
}

int zone_wait_child(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 126;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void zone_join_prepare(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       const struct zone_status *st, struct iso_join *j)
{
	use_boot_filter(ctx, name, cfg->seccomp);
	int ns = cfg->ns_flags;
	for (size_t i = 0; i < cfg->n_ns_paths; i++)
		ns |= cfg->ns_paths[i].type;
	*j = (struct iso_join){
		.name = name,
		.init_pid = st->init_pid,
		.ns_flags = ns,
		.cgroup_procs = rctl_cgroup_procs_files(&st->cg, st->init_pid),
		.seccomp = cfg->seccomp,
		.extra_fd = -1,
	};
}

int zone_login(struct zone_ctx *ctx, const char *name, const struct zone_login_opts *o, int *status,
	       struct zerr *err)
{
	struct zone_config cfg = {0};
	struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_LOGIN, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	close(lock);
	zfault("login:opened");
	zone_seccomp_notify(&cfg);
	char *shell[] = {(char *)login_shell(st.init_pid), "-l", NULL};
	struct iso_join j;
	zone_join_prepare(ctx, name, &cfg, &st, &j);
	j.argv = o->argv ? o->argv : shell;
	j.want_pty = o->tty;
	j.cwd_optional = !o->cwd;
	login_process(&cfg, o, &j.proc);
	pid_t pid;
	int master = -1;
	/* Ignore the terminal's signals while the child runs: they reach it
	 * through the pty (or through the process group without one). */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	r = zone_join_spawn(ctx, name, &j, &pid, &master, err);
	if (r == -ENOENT)
		*status = 127;
	if (r == 0 && o->tty)
		r = zone_relay_pty(ctx, master, pid, status, err);
	else if (r == 0)
		*status = zone_wait_child(pid);
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
	return zone_relay_console(ctx, fd, err);
}

int zone_relay_pty(const struct zone_ctx *ctx, int master, pid_t child, int *status,
		   struct zerr *err)
{
	if (!ctx->term || !ctx->term->pty) {
		kill(child, SIGKILL);
		*status = zone_wait_child(child);
		return zerr_setx(err, ENOTTY, "no terminal to relay the zone's pty to");
	}
	return ctx->term->pty(master, child, status);
}

int zone_relay_console(const struct zone_ctx *ctx, int sock, struct zerr *err)
{
	if (!ctx->term || !ctx->term->console)
		return zerr_setx(err, ENOTTY, "no terminal to relay the zone's console to");
	return ctx->term->console(sock);
}
