/*
 * run.c - `zonectl run`: one command in a throw-away zone.
 *
 * create + boot + the command + halt (+ delete) in one call. The zone's
 * config is the default one for its brand, rewritten with the job's
 * command (process.args, run by zinit -x as the zone's one service), its
 * environment, working directory and mounts (--bind, --tmpfs), and
 * zone.ephemeral when the zone is to go afterwards.
 *
 * The command's stdin, stdout and stderr are ours, passed down through
 * the monitor to init and the job: no pty, no relay, nothing between the
 * job's writes and our caller's pipe. We wait on the monitor's pipe for
 * "EXIT <status>", which it writes once the zone has halted and, with
 * --rm, is deleted. SIGINT, SIGTERM and SIGHUP are taken through a
 * signalfd and passed to the monitor as SIGTERM: the zone shuts down in
 * order and we still report the job's status. If we die instead (kill
 * -9), the monitor sees its pipe's reader gone and does the same alone.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "runtime.h"

struct job_mounts {
	struct iso_mount *m;
	size_t n;
};

static void job_mounts_free(struct job_mounts *j)
{
	for (size_t i = 0; i < j->n; i++) {
		free(j->m[i].destination);
		free(j->m[i].type);
		free(j->m[i].source);
		strv_free(j->m[i].options);
	}
	free(j->m);
}

static void add(struct job_mounts *j, const char *dst, const char *type, const char *src,
		char **options)
{
	j->m = xrealloc(j->m, (j->n + 1) * sizeof(*j->m));
	j->m[j->n++] = (struct iso_mount){xstrdup(dst), xstrdup(type), xstrdup(src), options};
}

/* "SRC:DST[:ro]": SRC made absolute on the host (it must exist), DST
 * absolute in the zone. */
static int add_bind(const char *name, const char *spec, struct job_mounts *j, struct zerr *err)
{
	cleanup_free char *s = xstrdup(spec);
	char *dst = strchr(s, ':');
	char *mode = dst ? strchr(dst + 1, ':') : NULL;
	if (dst)
		*dst++ = '\0';
	if (mode)
		*mode++ = '\0';
	if (!dst || !*s || dst[0] != '/' || (mode && strcmp(mode, "ro") && strcmp(mode, "rw")))
		return zerr_setx(err, EINVAL,
				 "zone %s: --bind %s: expected SRC:DST[:ro] with DST "
				 "absolute",
				 name, spec);
	char src[PATH_MAX];
	if (!realpath(s, src))
		return zerr_set(err, errno, "zone %s: --bind %s: `%s`", name, spec, s);
	char **options = NULL;
	strv_append(&options, "rbind");
	if (mode && !strcmp(mode, "ro"))
		strv_append(&options, "ro");
	add(j, dst, "bind", src, options);
	return 0;
}

static int job_mounts(const char *name, const struct zone_run_opts *o, struct job_mounts *j,
		      struct zerr *err)
{
	for (size_t i = 0; o->binds && o->binds[i]; i++) {
		int r = add_bind(name, o->binds[i], j, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; o->tmpfs && o->tmpfs[i]; i++) {
		if (o->tmpfs[i][0] != '/')
			return zerr_setx(err, EINVAL,
					 "zone %s: --tmpfs %s: must be an absolute path", name,
					 o->tmpfs[i]);
		char **options = NULL;
		strv_append(&options, "nosuid");
		strv_append(&options, "nodev");
		strv_append(&options, "mode=1777");
		add(j, o->tmpfs[i], "tmpfs", "tmpfs", options);
	}
	return 0;
}

static int create_job(struct zone_ctx *ctx, const char *name, const struct zone_run_opts *o,
		      struct zerr *err)
{
	struct job_mounts j = {0};
	int r = job_mounts(name, o, &j, err);
	char *text = zone_config_default(name, o->template_name ? ZONE_BRAND_WHOLE : o->brand);
	size_t len = strlen(text);
	struct config_edit e = {
		.template_name = o->template_name,
		.ephemeral = o->rm,
		.args = o->argv,
		.env = o->env,
		.cwd = o->workdir,
		.mounts = j.m,
		.n_mounts = j.n,
	};
	if (r == 0)
		r = zone_config_edit(name, &text, &len, &e, err);
	job_mounts_free(&j);
	if (r < 0) {
		free(text);
		return r;
	}
	struct zone_create_opts co = {.set = o->set, .net = zone_job_net(ctx, o->net)};
	return zone_create_text(ctx, name, &co, text, len, err);
}

/* Until the monitor's "EXIT n" (or its death). Signals to us go to the
 * monitor as SIGTERM: the zone shuts down in order. */
static int wait_job(const char *name, int fd, pid_t monitor, int sfd, int *status, struct zerr *err)
{
	char buf[64] = "";
	size_t have = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				kill(monitor, SIGTERM);
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (have += (size_t)n) == sizeof(buf) - 1)
			break;
	}
	buf[have] = '\0';
	while (waitpid(monitor, NULL, 0) < 0 && errno == EINTR)
		;
	if (sscanf(buf, "EXIT %d", status) == 1)
		return 0;
	return zerr_setx(err, EPIPE, "zone %s: the monitor died before the job ended", name);
}

static void job_name(const struct zone_run_opts *o, char name[ZONE_NAME_MAX + 1])
{
	if (o->name) {
		snprintf(name, ZONE_NAME_MAX + 1, "%.*s", ZONE_NAME_MAX, o->name);
		return;
	}
	unsigned char id[8] = {0};
	(void)!getrandom(id, sizeof(id), 0);
	snprintf(name, ZONE_NAME_MAX + 1, "run-%02x%02x%02x%02x%02x%02x%02x%02x", id[0], id[1],
		 id[2], id[3], id[4], id[5], id[6], id[7]);
}

int zone_run(struct zone_ctx *ctx, const struct zone_run_opts *o, int *status, struct zerr *err)
{
	char name[ZONE_NAME_MAX + 1];
	job_name(o, name);
	int r = zone_name_check(o->name ? o->name : name, err);
	if (r < 0)
		return r;
	if (!o->argv || !o->argv[0])
		return zerr_setx(err, EINVAL, "zone %s: run: no command", name);
	/* from here a signal must not leave an ephemeral zone without a monitor */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int fd = -1;
	pid_t monitor = 0;
	r = create_job(ctx, name, o, err);
	if (r < 0) {
		/* nothing of ours to remove: the name may be someone else's zone */
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	r = zone_boot_job(ctx, name, &fd, &monitor, err);
	if (r == 0) {
		r = wait_job(name, fd, monitor, sfd, status, err);
		close(fd);
	}
	if (r < 0 && o->rm && zone_exists(ctx, name))
		zone_delete(ctx, name, true, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
