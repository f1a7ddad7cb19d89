/* limits.c - zonectl set: resource controls changed on a zone, live
 * when it runs, and kept in its config only if the kernel took them. */
#include <errno.h>
#include <string.h>

#include "runtime.h"

static void keys_cleanup(struct zone_keys *k)
{
	zone_keys_free(k);
}
#define cleanup_keys __attribute__((cleanup(keys_cleanup)))

int zone_keys_rewrite(const char *name, const char *verb, char *const *specs, char **text,
		      size_t *len, struct zone_keys *k, struct zerr *err)
{
	int r;
	for (size_t i = 0; specs && specs[i]; i++)
		if ((r = zone_keys_parse(name, verb, specs[i], k, err)) < 0)
			return r;
	if (!k->groups && !k->has_disk && !k->has_autoboot)
		return 0;
	char *out;
	size_t out_len;
	if ((r = zone_keys_merge(name, verb, *text, *len, k, &out, &out_len, err)) < 0)
		return r;
	free(*text);
	*text = out;
	*len = out_len;
	return 0;
}

/* Only the groups the keys touched, with the values of the new config:
 * the devices and everything else stay as they are. */
static void touched(const struct rctl_resources *all, unsigned groups, struct rctl_resources *out)
{
	*out = (struct rctl_resources){0};
	if (groups & ZK_CPU) {
		out->has_cpu_shares = all->has_cpu_shares;
		out->cpu_shares = all->cpu_shares;
		out->has_cpu_quota = all->has_cpu_quota;
		out->cpu_quota = all->cpu_quota;
		out->has_cpu_period = all->has_cpu_period;
		out->cpu_period = all->cpu_period;
		out->has_cpu_burst = all->has_cpu_burst;
		out->cpu_burst = all->cpu_burst;
	}
	if (groups & ZK_CPUSET) {
		out->cpuset_cpus = all->cpuset_cpus;
		out->cpuset_mems = all->cpuset_mems;
	}
	if (groups & ZK_MEMORY) {
		out->has_mem_limit = all->has_mem_limit;
		out->mem_limit = all->mem_limit;
		out->has_mem_reservation = all->has_mem_reservation;
		out->mem_reservation = all->mem_reservation;
		out->has_mem_swap = all->has_mem_swap;
		out->mem_swap = all->mem_swap;
	}
	if (groups & ZK_PIDS) {
		out->has_pids_limit = all->has_pids_limit;
		out->pids_limit = all->pids_limit;
	}
	if (groups & ZK_IO) {
		out->has_blkio_weight = all->has_blkio_weight;
		out->blkio_weight = all->blkio_weight;
		out->throttles = all->throttles;
		out->n_throttles = all->n_throttles;
	}
}

static char *joined(char *const *keys)
{
	size_t n = 1;
	for (size_t i = 0; keys[i]; i++)
		n += strlen(keys[i]) + 1;
	char *s = xcalloc(1, n);
	for (size_t i = 0; keys[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, keys[i]);
	}
	return s;
}

/* The disk grows (only) while the zone is halted: its filesystem is
 * mounted in the zone's namespace only, where no host tool reaches it. */
static int set_disk(struct zone_ctx *ctx, const char *name, const struct zone_status *st,
		    uint64_t from, uint64_t to, struct zerr *err)
{
	int r = zone_check_op(name, ZOP_GROW, st->state, err);
	return r < 0 ? r : zone_disk_grow(ctx, name, from, to, err);
}

static int set_locked(struct zone_ctx *ctx, const char *name, char *const *keys,
		      const struct zone_status *st, uint64_t old_disk, struct zerr *err)
{
	cleanup_free char *path = zone_config_path(ctx, name);
	cleanup_free char *text = NULL;
	size_t len;
	int r = read_file(path, &text, &len, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s: set", name);
	cleanup_keys struct zone_keys k = {0};
	if ((r = zone_keys_rewrite(name, "set", keys, &text, &len, &k, err)) < 0)
		return r;
	cleanup_config struct zone_config cfg = {0};
	if ((r = zone_config_parse(name, text, len, &cfg, err)) < 0)
		return r;
	if (k.has_disk && (r = set_disk(ctx, name, st, old_disk, k.disk, err)) < 0)
		return r;
	if (zone_state_live(st->state) && st->has_cgroup) {
		struct rctl_resources live;
		touched(&cfg.resources, k.groups, &live);
		struct zerr e = {0};
		if ((r = rctl_cgroup_apply(&st->cg, &live, &e)) < 0) {
			cleanup_free char *what = joined(keys);
			cleanup_free char *pre = xasprintf("zone %s: ", name);
			const char *why = e.msg;
			if (!strncmp(why, pre, strlen(pre)))
				why += strlen(pre);
			return zerr_setx(err, e.code ? e.code : -r,
					 "zone %s: set %s: %s "
					 "(not applied; the old values stay)",
					 name, what, why);
		}
	}
	r = write_file_atomic(path, text, len, 0600, err);
	return r < 0 ? zerr_prefix(err, "zone %s: set", name) : 0;
}

int zone_set(struct zone_ctx *ctx, const char *name, char *const *keys, struct zerr *err)
{
	if (!keys || !keys[0])
		return zerr_setx(err, EINVAL, "zone %s: set: no KEY=VALUE given", name);
	cleanup_config struct zone_config cfg = {0};
	cleanup_status struct zone_status st = {0};
	int lock;
	int r = zone_open(ctx, name, ZOP_SET, &lock, &st, &cfg, err);
	if (r < 0)
		return r;
	r = set_locked(ctx, name, keys, &st, cfg.disk, err);
	close(lock);
	return r;
}
