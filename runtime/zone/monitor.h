/* monitor.h - what the monitor's files share (zone/monitor.c: the boot
 * and the watch; zone/spec.c: the config made into an iso_spec; zone/
 * console.c: the console and control sockets). */
#ifndef ZONECTL_MONITOR_H
#define ZONECTL_MONITOR_H

#include "netbind.h"
#include "runtime.h"

struct monitor {
	const struct zone_ctx *ctx;
	const char *name;
	struct zone_config *cfg;
	const struct monitor_opts *oci; /* NULL: zonectl boot */
	struct zone_status st;
	int lockfd, report_fd;
	int master, slave;
	int listen_fd, client_fd, log_fd, sig_fd, ctl_fd;
	struct iso_init init;
	bool init_created;
	bool pfs_on; /* procfs "zone": the view is mounted and served */
	struct zone_view pfs;
	bool attached; /* a job: the client's stdio, status through the pipe */
	char tail[64]; /* the console's last bytes, for a brand's watch (console_watch) */
};

/* spec.c */
int build_spec(struct monitor *m, struct iso_spec *s, char *rootfs, struct zerr *err);
void spec_free(struct iso_spec *s);
/* Compiles the zone's filter once, for init and for every later login
 * (run/NAME/seccomp.bpf). */
int compile_seccomp(struct monitor *m, struct zerr *err);
/* The /proc view's first files, before the root that mounts them is built. */
int prepare_procfs(struct monitor *m, struct zerr *err);

/* console.c */
int open_console(struct monitor *m, struct zerr *err);
/* A listening unix socket run/NAME/<file>, for root only. */
int listen_at(struct monitor *m, const char *file, int type, int *fd, struct zerr *err);
int listen_console(struct monitor *m, struct zerr *err);
/* The OCI create's pty master, to --console-socket; we keep no end. */
int send_console(struct monitor *m, struct zerr *err);
/* A line of ours on the console (its log and an attached client). */
void console_note(struct monitor *m, const char *msg);
void console_out(struct monitor *m);
void console_in(struct monitor *m);
void console_accept(struct monitor *m);
/* `start` on ctl.sock: one request, one answer ("OK" or the error). */
void ctl_accept(struct monitor *m);

/* monitor.c: iso_spec's on_cloned (init exists, not yet released: its
 * cgroups, network and the prestart/createRuntime hooks), and release
 * (the startContainer hooks, init released, poststart). */
int on_cloned(pid_t pid, void *arg, struct zerr *err);
int release(struct monitor *m, struct zerr *err);

#endif
