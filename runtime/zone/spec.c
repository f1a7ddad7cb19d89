/* spec.c - a zone's config made into what isolate/ builds the zone from
 * (struct iso_spec): the brand's mounts and the config's, the zone's own
 * cgroups on /sys/fs/cgroup, the /proc view's files, init and its
 * arguments; and the seccomp program compiled once for the zone. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "monitor.h"

void spec_free(struct iso_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct iso_mount *mt = &s->mounts[i];
		free(mt->destination);
		free(mt->type);
		free(mt->source);
		strv_free(mt->options);
	}
	free(s->mounts);
	strv_free(s->masked_paths);
	strv_free(s->init_argv);
	free((char *)s->overlay_lower);
	free((char *)s->overlay_upper);
	free((char *)s->overlay_work);
	if (s->disk_fd >= 0)
		close(s->disk_fd);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	free((char *)s->disk_dir);
	if (s->init_exec_fd >= 0)
		close(s->init_exec_fd);
}

static void add_mount(struct iso_spec *s, const char *dest, const char *type, const char *source,
		      char **options)
{
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	s->mounts[s->n_mounts++] = (struct iso_mount){xstrdup(dest), xstrdup(type), xstrdup(source),
						      options};
}

static bool has_option(char *const *options, const char *o)
{
	for (size_t i = 0; options && options[i]; i++)
		if (!strcmp(options[i], o))
			return true;
	return false;
}

/* A "cgroup" mount. On a v1 or hybrid host as runc makes it: a tmpfs,
 * and on it each hierarchy's mount name (cpu,cpuacct, memory, unified
 * ...) bound to the zone's own cgroup there, so the zone sees its
 * subtree as the whole; then the tmpfs goes read-only if asked. */
static void add_cgroup_mounts(struct monitor *m, struct iso_spec *s, const struct iso_mount *src)
{
	bool ro = has_option(src->options, "ro");
	const char *dest = src->destination;
	ssize_t v2 = rctl_cgroup_unified(&m->st.cg);
	if (v2 >= 0) {
		/* cgroup v2: the zone's own cgroup2 directory, which its
		 * cgroup namespace calls "/". Bound, not mounted anew: the
		 * child makes its mounts before it enters that namespace. */
		cleanup_free char *leaf = rctl_cgroup_home(&m->st.cg, (size_t)v2);
		add_mount(s, dest, "bind", leaf,
			  strv_dup((char *[]){"bind", ro ? "ro" : "rw", "nosuid", "nodev", "noexec",
					      NULL}));
		return;
	}
	add_mount(s, dest, "tmpfs", "tmpfs",
		  strv_dup((char *[]){"nosuid", "nodev", "noexec", "mode=755", NULL}));
	cleanup_strv char **leaves = rctl_cgroup_homes(&m->st.cg);
	cleanup_strv char **names = rctl_cgroup_mount_names(&m->st.cg);
	for (size_t i = 0; leaves[i]; i++) {
		cleanup_free char *to = xasprintf("%s/%s", dest, names[i]);
		add_mount(s, to, "bind", leaves[i],
			  strv_dup((char *[]){"bind", ro ? "ro" : "rw", "nosuid", "nodev", "noexec",
					      NULL}));
	}
	if (ro)
		add_mount(s, dest, "tmpfs", "tmpfs",
			  strv_dup((char *[]){"remount", "ro", "nosuid", "nodev", "noexec", NULL}));
}

/* A system zone's boot has an id of its own, as a machine's has: the
 * kernel's boot_id is the host's, the same for every boot of the zone,
 * so journald would file them all as one boot (systemd-nspawn does the
 * same). A random v4 UUID in RUN/NAME/boot_id, bound over the kernel's. */
static int add_boot_id(struct monitor *m, struct iso_spec *s, struct zerr *err)
{
	uint8_t u[16];
	if (getrandom(u, sizeof(u), 0) != sizeof(u))
		return zerr_set(err, errno, "zone %s: a boot id", m->name);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	char text[40];
	int n = 0;
	for (int i = 0; i < 16; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%02x",
			      i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
	text[n++] = '\n';
	cleanup_free char *dir = zone_run_dir(m->ctx, m->name);
	cleanup_free char *path = zone_run_file(m->ctx, m->name, "boot_id");
	if (mkdir_p(dir, 0700, err) < 0)
		return zerr_prefix(err, "zone %s", m->name);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	if (fd < 0 || write_all(fd, text, (size_t)n) < 0)
		return zerr_set(err, errno, "zone %s: write `%s`", m->name, path);
	add_mount(s, "/proc/sys/kernel/random/boot_id", "bind", path,
		  strv_dup((char *[]){"bind", "ro", "nosuid", "nodev", "noexec", NULL}));
	return 0;
}

int build_spec(struct monitor *m, struct iso_spec *s, char *rootfs, struct zerr *err)
{
	const struct zone_config *c = m->cfg;
	*s = (struct iso_spec){
		.name = m->name,
		.rootfs = rootfs,
		.root_readonly = c->root_readonly,
		.hostname = c->hostname                    ? c->hostname
			    : (c->ns_flags & CLONE_NEWUTS) ? m->name
							   : NULL,
		.domainname = c->domainname,
		.ns_flags = c->ns_flags,
		.ns_paths = c->ns_paths,
		.n_ns_paths = c->n_ns_paths,
		.masked_paths = strv_dup(c->masked_paths),
		.readonly_paths = c->readonly_paths,
		.default_dev = true,
		.rootfs_propagation = c->rootfs_propagation,
		.init_exec_fd = -1,
		.disk_fd = -1,
		.cgroup_fd = -1,
		.proc = c->process,
		.seccomp = c->seccomp,
		.console_fd = m->attached ? -1 : m->slave,
		.on_cloned = on_cloned,
		.on_cloned_arg = m,
		.detach = m->oci != NULL,
		.no_pivot = m->oci && m->oci->no_pivot,
		.sysctl = c->sysctl,
		.devices = c->devices,
		.n_devices = c->n_devices,
		.uid_maps = c->uid_maps,
		.n_uid_maps = c->n_uid_maps,
		.gid_maps = c->gid_maps,
		.n_gid_maps = c->n_gid_maps,
	};
	if (rctl_cgroup_unified(&m->st.cg) >= 0 &&
	    (s->cgroup_fd = rctl_cgroup_v2_open(&m->st.cg)) < 0)
		return zerr_set(err, errno, "zone %s: open its cgroup2 directory", m->name);
	if (c->disk) {
		cleanup_free char *image = zone_disk_image(m->ctx, m->name);
		s->disk_dir = zone_dir(m->ctx, m->name);
		if ((s->disk_fd = iso_disk_open(image, err)) < 0)
			return s->disk_fd;
	}
	const struct brand_ops *b = brand_of(c->brand);
	if (b->overlay) {
		char *lower, *upper, *work;
		int r = b->overlay(m->ctx, m->name, c, &lower, &upper, &work, err);
		s->overlay_lower = lower;
		s->overlay_upper = upper;
		s->overlay_work = work;
		if (r < 0)
			return r;
	}
	/* a shared-IP zone is on the host's stack: its /proc/net would
	 * list every socket of the host */
	for (size_t i = 0; i < c->n_nics; i++)
		if (c->nics[i].type == NET_SHARED) {
			strv_append(&s->masked_paths, "/proc/net");
			break;
		}
	int r = brand_mounts(m->ctx, m->name, c, &s->mounts, &s->n_mounts, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct iso_mount *src = &c->mounts[i];
		if (src->type && (!strcmp(src->type, "cgroup") || !strcmp(src->type, "cgroup2"))) {
			add_cgroup_mounts(m, s, src);
			continue;
		}
		add_mount(s, src->destination, src->type, src->source, strv_dup(src->options));
	}
	/* a network of its own: resolvers it can reach */
	cleanup_free char *resolv = NULL;
	if ((r = zone_resolv_conf(m->ctx, m->name, c, &resolv, err)) < 0)
		return r;
	if (resolv)
		add_mount(s, "/etc/resolv.conf", "bind", resolv,
			  strv_dup((char *[]){"bind", "ro", "nosuid", "nodev", "noexec", NULL}));
	/* Last: over the /proc and /sys the config mounted. */
	if (m->pfs_on)
		zone_view_mounts(&m->pfs, &s->mounts, &s->n_mounts);
	if (c->init == ZONE_INIT_BUILTIN) {
		if ((s->init_exec_fd = zinit_exec_fd(err)) < 0)
			return s->init_exec_fd;
		strv_append(&s->init_argv, "zinit");
		strv_append(&s->init_argv, "-n");
		strv_append(&s->init_argv, m->name);
		if (m->attached)
			strv_append(&s->init_argv, "-x");
		if (c->process.args) {
			strv_append(&s->init_argv, "--");
			for (size_t i = 0; c->process.args[i]; i++)
				strv_append(&s->init_argv, c->process.args[i]);
		}
	} else if (c->init == ZONE_INIT_PATH) {
		strv_append(&s->init_argv, c->init_path);
		s->proc.args = s->init_argv;
		return add_boot_id(m, s, err);
	}
	return 0;
}

/* Compiles the zone's filter once, for init and for every later login
 * (run/NAME/seccomp.bpf). No fsync: a zone that crashed is booted anew. */
int compile_seccomp(struct monitor *m, struct zerr *err)
{
	struct iso_seccomp *sc = m->cfg->seccomp;
	if (!sc)
		return 0;
	int r = iso_seccomp_compile(sc, err);
	if (r < 0)
		return r;
	cleanup_free char *path = zone_run_file(m->ctx, m->name, "seccomp.bpf");
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, sc->bpf, sc->bpf_len) < 0)
		return zerr_set(err, errno, "write `%s`", path);
	return 0;
}

/* The view's first files, before the root that mounts them is built. */
int prepare_procfs(struct monitor *m, struct zerr *err)
{
	if (m->cfg->procfs != ZONE_PROCFS_ZONE)
		return 0;
	m->pfs_on = true;
	zone_seccomp_notify(m->cfg);
	zone_view_fill(&m->pfs, m->ctx, m->name, m->cfg, &m->st.cg);
	return pfs_prepare(&m->pfs.z, err);
}
