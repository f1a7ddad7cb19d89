/* isolate.h - one process into a zone: namespaces, rootfs and mounts,
 * pivot_root, /dev, capabilities, seccomp, no_new_privs, rlimits and fd
 * hygiene. Everything it needs comes in as plain structs; it never calls
 * runtime/ or the other layers. */
#ifndef ZONECTL_ISOLATE_H
#define ZONECTL_ISOLATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zutil.h"

/* ---- OCI process pieces -------------------------------------------- */

struct iso_caps {
	/* bit N set = capability N (linux/capability.h numbering) */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct iso_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* One argument condition of a seccomp rule (OCI linux.seccomp.syscalls[].args) */
struct iso_sc_arg {
	unsigned index;
	uint64_t value, value_two;
	char *op; /* "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ... */
};

struct iso_sc_rule {
	char **names; /* NULL-terminated */
	char *action; /* "SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", ... */
	bool has_errno;
	uint32_t errno_ret;
	struct iso_sc_arg *args;
	size_t n_args;
};

struct iso_seccomp {
	char *default_action;
	bool has_default_errno;
	uint32_t default_errno;
	char **architectures; /* NULL-terminated, "SCMP_ARCH_X86_64", ... */
	char **flags;         /* NULL-terminated, "SECCOMP_FILTER_FLAG_LOG"... */
	struct iso_sc_rule *rules;
	size_t n_rules;
	/* Syscalls handed to a user-space listener (SCMP_ACT_NOTIFY), before
	 * and over any rule of the profile for them; NULL-terminated, may be
	 * NULL. Set by the runtime, never from the config. Loading a filter
	 * with any gives back the listener's fd. */
	char **notify;
	/* The compiled program (iso_seccomp_compile): libseccomp takes 1-2 ms
	 * to build this profile, so the monitor builds it once per boot and
	 * every login loads the same program. */
	void *bpf;          /* struct sock_filter[] */
	size_t bpf_len;     /* bytes */
	unsigned bpf_flags; /* SECCOMP_FILTER_FLAG_* */
};

struct iso_process {
	char **args; /* NULL-terminated; may be NULL (zone with builtin init) */
	char **env;  /* NULL-terminated */
	char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t n_groups;
	bool terminal;
	unsigned short console_rows, console_cols; /* process.consoleSize; 0 = unset */
	bool no_new_privs;
	struct iso_caps caps;
	struct iso_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
	uint32_t umask;
	bool has_umask;
};

/* ---- mounts ---------------------------------------------------------- */

struct iso_mount {
	char *destination; /* absolute, inside the zone */
	char *type;        /* "bind", "proc", "tmpfs", ... (NULL = bind if options say so) */
	char *source;
	char **options; /* NULL-terminated OCI options: "ro", "rbind", "nosuid", "mode=755" ... */
};

/* Flags and data for mount(2) from OCI options. */
struct iso_mount_flags {
	unsigned long flags;       /* MS_* to set */
	unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) or 0 */
	bool bind, recursive, readonly;
	bool copy_up; /* tmpcopyup: what the target held is copied into the new tmpfs */
	char *data;   /* comma-joined options mount(2) passes as data */
};
int iso_mount_parse_options(char *const *options, struct iso_mount_flags *out, struct zerr *err);
void iso_mount_flags_free(struct iso_mount_flags *f);

/* One line of a user namespace's uid_map or gid_map: ids container..
 * container+size-1 inside are host..host+size-1 outside. */
struct iso_idmap {
	uint32_t container, host, size;
};
#define ISO_IDMAP_MAX 340 /* the kernel's limit of lines per map */

/* OCI linux.devices entry: a node made in the zone's root. */
struct iso_device {
	char *path; /* absolute, inside the zone */
	char type;  /* 'c', 'b', 'u' (unbuffered char), 'p' (fifo) */
	int64_t major, minor;
	uint32_t mode; /* permission bits; 0666 when not given */
	uid_t uid;
	gid_t gid;
};

/* A zone's own disk (isolate/disk.c): the ext4 image attached to a free
 * loop device that detaches itself when unused, and mounted detached;
 * returns the mount's fd (O_CLOEXEC) for iso_spec.disk_fd. */
int iso_disk_open(const char *image, struct zerr *err);

/* ---- spawning a zone's init ------------------------------------------ */

/* The startup handshake, in order. The parent and the child step through
 * these over a socketpair; see isolate/spawn.c. */
enum iso_stage {
	ISO_STAGE_CLONED = 1,  /* child exists in its namespaces */
	ISO_STAGE_MAPPED,      /* parent wrote the user namespace's maps */
	ISO_STAGE_PARENT_DONE, /* parent finished its part (cgroups, net) */
	ISO_STAGE_ROOT_READY,  /* child pivoted, mounted, dropped privileges */
	ISO_STAGE_RELEASE,     /* parent says: exec init */
	ISO_STAGE_ERROR,       /* either side failed; a message follows */
};

struct iso_ns_path {
	int type;   /* CLONE_NEW* */
	char *path; /* join this namespace instead of making one */
};

struct iso_spec {
	const char *name;   /* zone name, used in every message */
	const char *rootfs; /* absolute host path of the zone's root */
	/* Set: the root is an overlay of these (absolute host paths) mounted
	 * on rootfs in the child's mount namespace, instead of a bind of
	 * rootfs: nothing is mounted in the host's. */
	const char *overlay_lower, *overlay_upper, *overlay_work;
	/* >= 0: a detached mount (iso_disk_open) the child moves over
	 * disk_dir (the zone's directory, which holds rootfs and the
	 * overlays' upper layers) before anything else, in its own mount
	 * namespace. The caller closes it after iso_spawn. */
	int disk_fd;
	const char *disk_dir;
	bool root_readonly;
	const char *hostname; /* NULL = leave */
	const char *domainname;
	/* CLONE_NEW* to create. CLONE_NEWCGROUP is unshared by the child only
	 * after the parent has placed it in its cgroups (on_cloned), so that
	 * the namespace's root is the zone's cgroup in every hierarchy. */
	int ns_flags;
	/* >= 0: a cgroup2 directory init is born in (clone3's
	 * CLONE_INTO_CGROUP), so that it never runs outside the zone's
	 * cgroup; on_cloned still places it in the v1 hierarchies. */
	int cgroup_fd;
	struct iso_ns_path *ns_paths; /* namespaces to join */
	size_t n_ns_paths;

	/* Mounts are done in this order after the root is bound: the brand's
	 * mounts, then the standard /proc /dev /sys, then config mounts. */
	struct iso_mount *mounts;
	size_t n_mounts;
	char **masked_paths;   /* NULL-terminated */
	char **readonly_paths; /* NULL-terminated */
	bool default_dev;      /* make the minimal /dev ourselves */
	/* With CLONE_NEWUSER in ns_flags: the maps the parent writes before
	 * the child goes on (linux.uidMappings, gidMappings). */
	const struct iso_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	const struct iso_device *devices; /* linux.devices, made after the mounts */
	size_t n_devices;
	const char *rootfs_propagation; /* "private" (default), "slave", "shared" */
	bool no_pivot;                  /* move the root over / and chroot (runc --no-pivot) */
	char **sysctl;                  /* NULL-terminated "key=value", written after the pivot */

	/* The program that becomes PID 1: either an fd of an executable to
	 * fexecve (our embedded init, sealed memfd) with init_argv, or
	 * proc.args resolved inside the zone. */
	int init_exec_fd;                  /* -1 = exec proc.args[0] */
	char **init_argv;                  /* argv for init_exec_fd */
	struct iso_process proc;           /* credentials, caps, rlimits, env, cwd */
	const struct iso_seccomp *seccomp; /* NULL = no filter */

	int console_fd; /* pty slave: init's stdio, ctty, /dev/console; -1 = inherit 0-2 */
	/* The OCI create: init is made a child of our parent (CLONE_PARENT)
	 * and does not die with us, so the caller's subreaper (conmon,
	 * containerd-shim) reaps it and gets its exit status. Before release
	 * it still dies if we do: it waits on the handshake socket. */
	bool detach;

	/* Called in the parent between ISO_STAGE_CLONED and
	 * ISO_STAGE_PARENT_DONE: v1 cgroup membership, the network, uid maps. */
	int (*on_cloned)(pid_t pid, void *arg, struct zerr *err);
	void *on_cloned_arg;
};

/* A zone's init between iso_spawn and iso_release: it exists in its
 * namespaces, its root is ready and it waits for the word to exec. */
struct iso_init {
	pid_t pid;     /* in the caller's pid namespace */
	int pidfd;     /* pidfd of pid */
	int sync_fd;   /* our end of the handshake socketpair */
	int notify_fd; /* seccomp listener of init's filter (spec->seccomp->notify), or -1 */
};

/* Creates the zone's init and walks the handshake up to
 * ISO_STAGE_ROOT_READY (the OCI "created" state). On failure nothing of
 * the child remains and err says which step failed. */
int iso_spawn(const struct iso_spec *spec, struct iso_init *init, struct zerr *err);
/* Lets init exec; returns once the exec has happened (or failed: then the
 * child is gone and err says why). Closes init->sync_fd. */
int iso_release(struct iso_init *init, struct zerr *err);
/* Kills a not yet released init and reaps it. */
void iso_abort(struct iso_init *init);

/* ---- joining a running zone (login / exec) --------------------------- */

struct iso_join {
	const char *name;    /* zone name */
	pid_t init_pid;      /* a process in the zone; its namespaces are joined */
	int ns_flags;        /* which namespaces to join */
	char **cgroup_procs; /* NULL-terminated list of cgroup.procs files to join */
	struct iso_process proc;
	const struct iso_seccomp *seccomp;
	char **argv; /* what to run */
	/* Terminal: if want_pty, a new pty is opened inside the zone's devpts
	 * and its master is returned through *pty_master. */
	bool want_pty;
	int extra_fd; /* -1, or an fd to keep open as fd 3 */
	/* proc.cwd was not asked for (a shell's /root): if it does not
	 * exist in the zone, start in / instead of failing */
	bool cwd_optional;
	/* The joiner exits once the member has exec'd, so the member is
	 * reparented to the caller's subreaper; *pid is then the member's. */
	bool detach;
};

/* Forks a process that joins the zone and execs argv. Returns its pid (a
 * child of the caller); with want_pty, *pty_master gets the master side;
 * *listener the seccomp listener of its filter (j->seccomp->notify), or -1. */
int iso_join_spawn(const struct iso_join *j, pid_t *pid, int *pty_master, int *listener,
		   struct zerr *err);

/* ---- pieces the spawn and join paths share; exported for runtime and
 *      tests. ------------------------------------------------------------ */

/* Applies caps, no_new_privs, rlimits, uid/gid, seccomp, in the right order
 * relative to one another; the last step before exec. */
int iso_apply_process(const struct iso_process *p, const struct iso_seccomp *sc, int *listener,
		      struct zerr *err);
int iso_apply_rlimits(const struct iso_rlimit *r, size_t n, struct zerr *err);
int iso_apply_caps(const struct iso_caps *caps, struct zerr *err);
/* Builds (unless compiled already) and loads the filter. With sc->notify,
 * *listener gets the notification fd (else -1); listener may be NULL only
 * without sc->notify. */
int iso_seccomp_load(const struct iso_seccomp *sc, int *listener, struct zerr *err);
/* Builds the filter into sc->bpf without loading it. */
int iso_seccomp_compile(struct iso_seccomp *sc, struct zerr *err);
/* Takes a program compiled earlier (read back from a file): checks its
 * shape, then owns buf. */
int iso_seccomp_set_bpf(struct iso_seccomp *sc, void *buf, size_t len, struct zerr *err);
/* Checks names, actions, operators and architectures without loading. */
int iso_seccomp_validate(const struct iso_seccomp *sc, struct zerr *err);
/* The default profile: denies what a zone's root must not do (mount, module
 * loading, kexec, bpf, perf_event_open, keyrings, open_by_handle_at, the new
 * mount API, reboot of the host ...). Static storage; do not free. */
const struct iso_seccomp *iso_seccomp_default(void);
void iso_seccomp_free(struct iso_seccomp *sc);

/* "CAP_CHOWN" -> 0; -1 if unknown. */
int iso_cap_from_name(const char *name);
/* 0 -> "CAP_CHOWN"; static storage. */
const char *iso_cap_name(int cap);
int iso_cap_last(void);
/* The OCI/containerd default set minus CAP_MKNOD and CAP_NET_RAW. */
uint64_t iso_caps_default(void);

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 if unknown. */
int iso_rlimit_from_name(const char *name);
const char *iso_rlimit_name(int resource);

/* Closes every fd >= from except keep (may be -1). */
void iso_close_fds_from(int from, int keep);

/* Sealed memfd copy of an executable: nothing in a zone can write through
 * /proc/PID/exe to the file behind it (the CVE-2019-5736 class). */
int iso_sealed_exec_fd(const char *path, struct zerr *err);
/* The same for an executable image in memory (our embedded init). */
int iso_sealed_exec_mem(const void *buf, size_t len, struct zerr *err);

void iso_process_free(struct iso_process *p);

#endif
