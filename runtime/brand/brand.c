/*
 * brand.c - what a brand adds to a zone's root.
 *
 * sparse (the default): the host's /usr (and /bin, /sbin, /lib* where they
 * are real directories rather than merged-/usr links) is mounted read-only,
 * so a zone costs no copy of the operating system. The zone owns /var,
 * /tmp, /root and /home outright. Its /etc is an overlay: the host's /etc
 * below, the zone's own layer above, seeded at create with what must be
 * the zone's alone (shadow without the host users' hashes, a new
 * machine-id, hostname, hosts) and with whiteouts over the host's secrets
 * (ssh host keys, TLS private keys). Copying /etc instead takes ~0.4 s on
 * this disk; the overlay takes a mkdir. Writes copy up into the zone's
 * layer, so nothing a zone does reaches the host's /etc.
 *
 * whole: the root is an overlay mounted by the zone's init in its own
 * mount namespace (isolate/), so no host mount exists to leak: the
 * template's root (LIB/templates/T/root) below, the zone's upper/ and
 * work/ above. A clone costs three mkdirs whatever the template's size;
 * delete removes the zone's layer and nothing of the template.
 *
 * oci: the root is root.path of the config, used as it is.
 *
 * kvm: a sparse root (qemu, its libraries and firmware come from the
 * host's /usr, read-only) plus the guest's kernel, initrd and disk bound
 * read-only under /guest, and run/NAME/kvm (QMP) as /run/zonectl; qemu
 * is the zone's init (kvm.c).
 *
 * Everything that differs by brand is in the table at the end (struct
 * brand_ops, runtime.h): the rest of runtime/ asks brand_of(), never
 * which brand a zone is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "netbind.h"
#include "runtime.h"

static const char *const host_dirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/* Host secrets hidden from every sparse zone's /etc. */
static const char *const hidden[] = {"ssl/private", "ssh/ssh_host_*"};

static int mkdirs(const char *root, const char *const *dirs, size_t n, struct zerr *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *d = dirs[i];
		mode_t mode = 0755;
		if (!strcmp(d, "tmp") || !strcmp(d, "var/tmp"))
			mode = 01777;
		else if (!strcmp(d, "root"))
			mode = 0700;
		cleanup_free char *p = xasprintf("%s/%s", root, d);
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return zerr_set(err, errno, "mkdir `%s`", p);
		chmod(p, mode);
	}
	return 0;
}

static int link_host_dirs(const char *root, struct zerr *err)
{
	for (size_t i = 0; i < sizeof(host_dirs) / sizeof(host_dirs[0]); i++) {
		char target[256], host[64];
		snprintf(host, sizeof(host), "/%s", host_dirs[i]);
		ssize_t n = readlink(host, target, sizeof(target) - 1);
		cleanup_free char *p = xasprintf("%s/%s", root, host_dirs[i]);
		if (n > 0) {
			target[n] = '\0';
			if (symlink(target, p) < 0 && errno != EEXIST)
				return zerr_set(err, errno, "symlink `%s`", p);
		} else if (access(host, F_OK) == 0 && mkdir(p, 0755) < 0 && errno != EEXIST) {
			return zerr_set(err, errno, "mkdir `%s`", p);
		}
	}
	return 0;
}

/* Host users keep their hashes: every password field becomes "*" (locked)
 * unless it is already a lock marker. */
static char *lock_passwords(const char *text)
{
	size_t cap = strlen(text) + 1024, n = 0;
	char *out = xmalloc(cap);
	const char *line = text;
	while (*line) {
		const char *end = strchrnul(line, '\n');
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (n + (size_t)(end - line) + 4 >= cap)
			out = xrealloc(out, cap = cap * 2 + (size_t)(end - line));
		if (c1 && c2) {
			bool locked = c1[1] == '*' || c1[1] == '!';
			memcpy(out + n, line, (size_t)(c1 + 1 - line));
			n += (size_t)(c1 + 1 - line);
			if (locked) {
				memcpy(out + n, c1 + 1, (size_t)(c2 - c1 - 1));
				n += (size_t)(c2 - c1 - 1);
			} else
				out[n++] = '*';
			memcpy(out + n, c2, (size_t)(end - c2));
			n += (size_t)(end - c2);
		} else {
			memcpy(out + n, line, (size_t)(end - line));
			n += (size_t)(end - line);
		}
		if (*end == '\n')
			out[n++] = '\n';
		line = *end ? end + 1 : end;
	}
	out[n] = '\0';
	return out;
}

static int put(const char *dir, const char *file, const char *text, mode_t mode, gid_t gid,
	       struct zerr *err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return zerr_set(err, errno, "write `%s`", p);
	fchmod(fd, mode);
	if (gid != (gid_t)-1)
		(void)!fchown(fd, 0, gid);
	return 0;
}

static int seed_shadow(const char *upper, const char *file, struct zerr *err)
{
	cleanup_free char *host = xasprintf("/etc/%s", file);
	cleanup_free char *text = NULL;
	if (read_file(host, &text, NULL, NULL) < 0)
		return 0;
	struct stat st;
	gid_t gid = stat(host, &st) == 0 ? st.st_gid : (gid_t)-1;
	cleanup_free char *locked = lock_passwords(text);
	return put(upper, file, locked, 0640, gid, err);
}

static int whiteout(const char *upper, const char *rel, struct zerr *err)
{
	cleanup_free char *p = xasprintf("%s/%s", upper, rel);
	cleanup_free char *parent = xstrdup(p);
	*strrchr(parent, '/') = '\0';
	int r = mkdir_p(parent, 0755, err);
	if (r < 0)
		return r;
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "whiteout `%s`", p);
	return 0;
}

/* "ssh/ssh_host_*": every host file matching the pattern's last part. */
static int hide(const char *upper, const char *pattern, struct zerr *err)
{
	const char *star = strchr(pattern, '*');
	if (!star) {
		cleanup_free char *host = xasprintf("/etc/%s", pattern);
		return access(host, F_OK) == 0 ? whiteout(upper, pattern, err) : 0;
	}
	const char *slash = strrchr(pattern, '/');
	cleanup_free char *dir = xstrndup(pattern, (size_t)(slash - pattern));
	cleanup_free char *prefix = xstrndup(slash + 1, (size_t)(star - slash - 1));
	cleanup_free char *host = xasprintf("/etc/%s", dir);
	DIR *d = opendir(host);
	if (!d)
		return 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		cleanup_free char *rel = xasprintf("%s/%s", dir, de->d_name);
		r = whiteout(upper, rel, err);
	}
	closedir(d);
	return r;
}

/* A machine of its own: a new machine-id (journald files, DHCP client
 * ids) and its name as host name. */
static int seed_identity(const char *name, const char *etc, struct zerr *err)
{
	unsigned char id[16];
	char hex[34];
	if (getrandom(id, sizeof(id), 0) != sizeof(id))
		return zerr_set(err, errno, "getrandom");
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[32] = '\n';
	hex[33] = '\0';
	cleanup_free char *hostname = xasprintf("%s\n", name);
	int r = put(etc, "machine-id", hex, 0444, (gid_t)-1, err);
	return r < 0 ? r : put(etc, "hostname", hostname, 0644, (gid_t)-1, err);
}

static int seed_etc(const char *name, const char *upper, struct zerr *err)
{
	cleanup_free char *hosts = xasprintf(
		"127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		"ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
		name);
	int r = seed_identity(name, upper, err);
	if (r == 0)
		r = put(upper, "hosts", hosts, 0644, (gid_t)-1, err);
	if (r == 0)
		r = seed_shadow(upper, "shadow", err);
	if (r == 0)
		r = seed_shadow(upper, "gshadow", err);
	for (size_t i = 0; r == 0 && i < sizeof(hidden) / sizeof(hidden[0]); i++)
		r = hide(upper, hidden[i], err);
	return r;
}

static int install_whole(const char *name, const char *dir, const struct zone_config *cfg,
			 struct zerr *err)
{
	if (cfg->root_path[0] == '/')
		return zerr_setx(
			err, EINVAL,
			"zone %s: a whole zone's root.path must be relative to the zone's directory, not `%s`",
			name, cfg->root_path);
	cleanup_free char *root = xasprintf("%s/%s", dir, cfg->root_path);
	cleanup_free char *upper = xasprintf("%s/upper", dir);
	cleanup_free char *work = xasprintf("%s/work", dir);
	cleanup_free char *etc = xasprintf("%s/etc", upper);
	int r = mkdir_p(root, 0755, err);
	if (r == 0 && (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(etc, 0755) < 0))
		r = zerr_set(err, errno, "mkdir `%s`", upper);
	/* zones cloned from one template are distinct machines */
	if (r == 0)
		r = seed_identity(name, etc, err);
	return r < 0 ? zerr_prefix(err, "zone %s: install", name) : 0;
}

static int overlay_whole(const struct zone_ctx *ctx, const char *name,
			 const struct zone_config *cfg, char **lower, char **upper, char **work,
			 struct zerr *err)
{
	cleanup_free char *tdir = zone_template_dir(ctx, cfg->template_name);
	cleanup_free char *dir = zone_dir(ctx, name);
	struct stat st;
	*lower = xasprintf("%s/root", tdir);
	*upper = xasprintf("%s/upper", dir);
	*work = xasprintf("%s/work", dir);
	if (!zone_template_exists(ctx, cfg->template_name) || stat(*lower, &st) < 0)
		return zerr_setx(err, ENOENT,
				 "zone %s: template %s is gone (zonectl template list)", name,
				 cfg->template_name);
	/* the overlay's root takes the upper layer's mode and owner (on a
	 * zone.disk the upper layer is in the image: it keeps the 0755
	 * root:root it was made with, a template root's usual mode) */
	if (!cfg->disk &&
	    (chmod(*upper, st.st_mode & 07777) < 0 || chown(*upper, st.st_uid, st.st_gid) < 0))
		return zerr_set(err, errno, "zone %s: `%s`", name, *upper);
	return 0;
}

static int install_oci(const char *name, const char *dir, const struct zone_config *cfg,
		       struct zerr *err)
{
	(void)name, (void)dir, (void)cfg, (void)err;
	return 0; /* root.path is the bundle's rootfs, used where it is */
}

static int install_sparse(const char *name, const char *dir, const struct zone_config *cfg,
			  struct zerr *err)
{
	if (cfg->root_path[0] == '/')
		return zerr_setx(
			err, EINVAL,
			"zone %s: a %s zone's root.path must be relative to the zone's directory, not `%s`",
			name, zone_brand_name(cfg->brand), cfg->root_path);
	static const char *const dirs[] = {
		"",        "usr",       "etc",         "var",       "var/tmp",
		"var/log", "var/lib",   "var/cache",   "var/spool", "var/mail",
		"var/opt", "var/local", "var/backups", "tmp",       "root",
		"home",    "proc",      "dev",         "sys",       "run",
		"mnt",     "opt",       "srv",         "media",     "guest",
	};
	cleanup_free char *root = xasprintf("%s/%s", dir, cfg->root_path);
	cleanup_free char *upper = xasprintf("%s/etc.upper", dir);
	cleanup_free char *work = xasprintf("%s/etc.work", dir);
	int r = mkdir_p(root, 0755, err);
	if (r == 0)
		r = mkdirs(root, dirs, sizeof(dirs) / sizeof(dirs[0]), err);
	if (r == 0)
		r = link_host_dirs(root, err);
	if (r == 0) {
		cleanup_free char *run = xasprintf("%s/var/run", root);
		cleanup_free char *lock = xasprintf("%s/var/lock", root);
		if ((symlink("/run", run) < 0 && errno != EEXIST) ||
		    (symlink("/run/lock", lock) < 0 && errno != EEXIST))
			r = zerr_set(err, errno, "symlink in `%s/var`", root);
	}
	if (r == 0 && (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0))
		r = zerr_set(err, errno, "mkdir `%s`", upper);
	if (r == 0)
		r = seed_etc(name, upper, err);
	return r < 0 ? zerr_prefix(err, "zone %s: install", name) : 0;
}

static void add_mount(struct iso_mount **m, size_t *n, const char *dest, const char *type,
		      const char *source, char **options)
{
	*m = xrealloc(*m, (*n + 1) * sizeof(**m));
	(*m)[*n] = (struct iso_mount){xstrdup(dest), xstrdup(type), xstrdup(source), options};
	(*n)++;
}

static char **opts(const char *first, ...)
{
	char **v = NULL;
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		strv_append(&v, s);
	va_end(ap);
	return v;
}

static void bind_ro(struct iso_mount **m, size_t *n, const char *dest, const char *source)
{
	add_mount(m, n, dest, "bind", source,
		  opts("bind", "ro", "nodev", "nosuid", "noexec", NULL));
}

static void run_tmpfs(struct iso_mount **m, size_t *n)
{
	add_mount(m, n, "/run", "tmpfs", "tmpfs",
		  opts("nosuid", "nodev", "mode=755", "size=65536k", NULL));
}

static int mounts_whole(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
			struct iso_mount **m, size_t *n, struct zerr *err)
{
	(void)ctx, (void)name, (void)cfg, (void)err;
	run_tmpfs(m, n);
	return 0;
}

static int mounts_sparse(const struct zone_ctx *ctx, const char *name,
			 const struct zone_config *cfg, struct iso_mount **m, size_t *n,
			 struct zerr *err)
{
	(void)cfg, (void)err;
	cleanup_free char *dir = zone_dir(ctx, name);
	add_mount(m, n, "/usr", "bind", "/usr", opts("bind", "ro", "nodev", NULL));
	for (size_t i = 0; i < sizeof(host_dirs) / sizeof(host_dirs[0]); i++) {
		char host[64];
		struct stat st;
		snprintf(host, sizeof(host), "/%s", host_dirs[i]);
		if (lstat(host, &st) == 0 && S_ISDIR(st.st_mode))
			add_mount(m, n, host, "bind", host, opts("bind", "ro", "nodev", NULL));
	}
	cleanup_free char *lower = xstrdup("lowerdir=/etc");
	cleanup_free char *upper = xasprintf("upperdir=%s/etc.upper", dir);
	cleanup_free char *work = xasprintf("workdir=%s/etc.work", dir);
	add_mount(m, n, "/etc", "overlay", "overlay", opts(lower, upper, work, NULL));
	run_tmpfs(m, n);
	return 0;
}

/* After the sparse root's: the guest's files, and QMP's directory on the
 * /run tmpfs. */
static int mounts_kvm(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		      struct iso_mount **m, size_t *n, struct zerr *err)
{
	int r = mounts_sparse(ctx, name, cfg, m, n, err);
	if (r < 0)
		return r;
	const struct zone_kvm *k = &cfg->kvm;
	cleanup_free char *qmp = zone_run_file(ctx, name, "kvm");
	if (mkdir(qmp, 0700) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "zone %s: mkdir `%s`", name, qmp);
	bind_ro(m, n, "/guest/kernel", k->kernel);
	if (k->initrd)
		bind_ro(m, n, "/guest/initrd", k->initrd);
	if (k->disk)
		bind_ro(m, n, "/guest/disk", k->disk);
	add_mount(m, n, KVM_RUN_DIR, "bind", qmp, opts("bind", "nodev", "nosuid", "noexec", NULL));
	return 0;
}

/* ---- the table ------------------------------------------------------------ */

static const struct brand_ops brands[] = {
	[ZONE_BRAND_SPARSE] =
		{
			.install = install_sparse,
			.mounts = mounts_sparse,
			.durable_config = true,
		},
	[ZONE_BRAND_WHOLE] =
		{
			.install = install_whole,
			.mounts = mounts_whole,
			.overlay = overlay_whole,
			.durable_config = true,
			.from_template = true,
		},
	/* a copy of the bundle's config, for a container that does not
	 * outlive the host: no fsync */
	[ZONE_BRAND_OCI] = {.install = install_oci},
	[ZONE_BRAND_KVM] =
		{
			.check = kvm_check,
			.install = install_sparse,
			.mounts = mounts_kvm,
			.durable_config = true,
			.boot_prepare = kvm_boot_prepare,
			.net_setup = net_guest_setup,
			.console_alarm = kvm_console_alarm,
			.powerdown = kvm_powerdown,
		},
};

const struct brand_ops *brand_of(enum zone_brand b)
{
	return &brands[(size_t)b < sizeof(brands) / sizeof(brands[0]) ? b : ZONE_BRAND_SPARSE];
}

int brand_mounts(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		 struct iso_mount **mounts, size_t *n, struct zerr *err)
{
	*mounts = NULL;
	*n = 0;
	const struct brand_ops *b = brand_of(cfg->brand);
	return b->mounts ? b->mounts(ctx, name, cfg, mounts, n, err) : 0;
}
