/* list.c - what zones there are and what state each is in. Listing
 * repairs crashed zones it can lock without waiting, so `zonectl list`
 * never shows a dead zone as running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "runtime.h"

void zone_info_free(struct zone_info *info)
{
	free(info->zone_dir);
	info->zone_dir = NULL;
}

/* What listing needs of a zone's config. */
struct facts {
	enum zone_brand brand;
	bool autoboot, ephemeral;
};

/* The config's brand, autoboot and ephemeral. Parsing a 12 KB config is
 * most of what listing a zone costs (1000 zones: ~150 ms), so the three
 * facts are kept in zones/NAME/.facts under the config's inode, size and
 * mtime, and the config is parsed again only when those changed: whoever
 * wrote it, by whatever command. The file is a cache (no fsync): lost or
 * torn, it is rebuilt. */
static int config_facts(const struct zone_ctx *ctx, const char *name, struct facts *f)
{
	cleanup_free char *cfg_path = zone_config_path(ctx, name);
	cleanup_free char *path = zone_file(ctx, name, ".facts");
	struct stat st;
	if (stat(cfg_path, &st) < 0)
		return -errno;
	char key[96], buf[160];
	snprintf(key, sizeof(key), "%llu %lld %lld.%09ld", (unsigned long long)st.st_ino,
		 (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	unsigned brand, autoboot, ephemeral;
	int used = 0;
	if (n > 0) {
		buf[n] = '\0';
		size_t k = strlen(key);
		if (!strncmp(buf, key, k) && buf[k] == '\n' &&
		    sscanf(buf + k + 1, "%u %u %u\n%n", &brand, &autoboot, &ephemeral, &used) ==
			    3 &&
		    used == n - (ssize_t)k - 1 && brand <= ZONE_BRAND_KVM) {
			*f = (struct facts){(enum zone_brand)brand, autoboot, ephemeral};
			return 0;
		}
	}
	cleanup_config struct zone_config cfg = {0};
	int r = zone_config_read(ctx, name, &cfg, NULL);
	if (r < 0)
		return r;
	*f = (struct facts){cfg.brand, cfg.autoboot, cfg.ephemeral};
	n = snprintf(buf, sizeof(buf), "%s\n%u %u %u\n", key, (unsigned)f->brand,
		     (unsigned)f->autoboot, (unsigned)f->ephemeral);
	write_file_replace(path, buf, (size_t)n, 0600, NULL);
	return 0;
}

int zone_info_get(struct zone_ctx *ctx, const char *name, struct zone_info *info, struct zerr *err)
{
	int r = zone_check_name(ctx, name, err);
	if (r < 0)
		return r;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->zone_dir = zone_dir(ctx, name);
	struct facts f;
	if (config_facts(ctx, name, &f) == 0) {
		info->brand = f.brand;
		info->autoboot = f.autoboot;
	}
	struct zone_status st;
	cleanup_close int lock = zone_trylock(ctx, name);
	bool locked = lock >= 0;
	if ((r = zone_status_read(ctx, name, &st, err)) < 0) {
		zone_info_free(info);
		return r;
	}
	if (locked)
		zone_repair(ctx, name, &st, NULL);
	info->state = st.state;
	if (!zone_state_down(st.state)) {
		info->init_pid = st.init_pid;
		info->monitor_pid = st.monitor_pid;
		info->booted_at_ns = st.booted_at_ns;
	}
	zone_status_free(&st);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct zone_info *)a)->name, ((const struct zone_info *)b)->name);
}

/* ".NAME.creating" or ".NAME.deleting" left by a create or delete that was
 * killed: removed under NAME's lock, so never while one is in progress. */
static void sweep(const struct zone_ctx *ctx, const char *dir, const char *entry)
{
	const char *dot = strrchr(entry, '.');
	if (entry[0] != '.' || !dot || dot == entry ||
	    (strcmp(dot, ".creating") && strcmp(dot, ".deleting")))
		return;
	char name[ZONE_NAME_MAX + 1];
	size_t len = (size_t)(dot - entry - 1);
	if (len == 0 || len > ZONE_NAME_MAX)
		return;
	memcpy(name, entry + 1, len);
	name[len] = '\0';
	if (zone_name_check(name, NULL) < 0)
		return;
	int lock = zone_lock(ctx, name, NULL);
	if (lock < 0)
		return;
	cleanup_free char *path = xasprintf("%s/%s", dir, entry);
	rm_rf(path, NULL);
	close(lock);
}

/* Locks of zones that no longer exist (a delete killed before it removed
 * the lock): removed while held, as delete does, so a waiter retries. */
static void sweep_locks(const struct zone_ctx *ctx)
{
	cleanup_free char *dir = xasprintf("%s/.locks", ctx->run_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (zone_name_check(de->d_name, NULL) < 0 || zone_exists(ctx, de->d_name))
			continue;
		int lock = zone_lock(ctx, de->d_name, NULL);
		if (lock < 0)
			continue;
		cleanup_free char *creating = zone_scratch_dir(ctx, de->d_name, "creating");
		if (!zone_exists(ctx, de->d_name) && access(creating, F_OK) < 0)
			zone_lock_remove(ctx, de->d_name);
		close(lock);
	}
	if (d)
		closedir(d);
}

/* An ephemeral zone is installed only for the moment between `run`'s
 * create and boot, unless that `run` (or the zone's monitor) was killed:
 * one installed for longer than EPHEMERAL_GRACE_S has nobody to delete
 * it. */
#define EPHEMERAL_GRACE_S 10

static void sweep_ephemeral(struct zone_ctx *ctx, const char *dir, const char *name)
{
	cleanup_free char *path = xasprintf("%s/%s/config.json", dir, name);
	struct stat sb;
	if (stat(path, &sb) < 0 || sb.st_mtime > time(NULL) - EPHEMERAL_GRACE_S)
		return;
	struct facts f;
	struct zone_info info = {0};
	if (config_facts(ctx, name, &f) < 0 || !f.ephemeral ||
	    zone_info_get(ctx, name, &info, NULL) < 0)
		return;
	bool orphan = info.state == ZS_INSTALLED;
	zone_info_free(&info);
	if (orphan && zone_delete(ctx, name, false, NULL) == 0 && ctx->notice) {
		char msg[ZONE_NAME_MAX + 96];
		snprintf(msg, sizeof(msg),
			 "zone %s: ephemeral, and nobody was left to delete it: deleted", name);
		ctx->notice(msg);
	}
}

void zone_sweep(struct zone_ctx *ctx)
{
	cleanup_free char *dir = xasprintf("%s/zones", ctx->lib_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.')
			sweep(ctx, dir, de->d_name);
		else if (zone_name_check(de->d_name, NULL) == 0)
			sweep_ephemeral(ctx, dir, de->d_name);
	if (d)
		closedir(d);
	sweep_locks(ctx);
	zone_net_sweep(ctx);
}

int zone_list(struct zone_ctx *ctx, struct zone_info **out, size_t *n, struct zerr *err)
{
	cleanup_free char *dir = xasprintf("%s/zones", ctx->lib_dir);
	DIR *d = opendir(dir);
	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "open `%s`", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || zone_name_check(de->d_name, NULL) < 0)
			continue;
		struct zone_info info;
		if (zone_info_get(ctx, de->d_name, &info, NULL) < 0)
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = info;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), by_name);
	return 0;
}

int zone_config_text(struct zone_ctx *ctx, const char *name, char **text, struct zerr *err)
{
	int r = zone_check_name(ctx, name, err);
	if (r < 0)
		return r;
	cleanup_free char *path = zone_config_path(ctx, name);
	r = read_file(path, text, NULL, err);
	return r < 0 ? zerr_prefix(err, "zone %s", name) : 0;
}
