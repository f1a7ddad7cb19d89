/* ctx.c - where zones live on disk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "runtime.h"

int zone_ctx_init(struct zone_ctx *ctx, const char *root, struct zerr *err)
{
	memset(ctx, 0, sizeof(*ctx));
	if (!root || !*root)
		root = getenv("ZONECTL_ROOT");
	if (root && *root) {
		if (root[0] != '/')
			return zerr_setx(err, EINVAL, "--root `%s`: must be an absolute path",
					 root);
		if (strpbrk(root, ",:"))
			return zerr_setx(
				err, EINVAL,
				"--root `%s`: ',' and ':' are not allowed (they end mount options)",
				root);
		ctx->lib_dir = xstrdup(root);
		ctx->run_dir = xasprintf("%s/run", root);
	} else {
		ctx->lib_dir = xstrdup("/var/lib/zonectl");
		ctx->run_dir = xstrdup("/run/zonectl");
	}
	cleanup_free char *zones = xasprintf("%s/zones", ctx->lib_dir);
	cleanup_free char *locks = xasprintf("%s/.locks", ctx->run_dir);
	int r = mkdir_p(zones, 0700, err);
	if (r == 0)
		r = mkdir_p(locks, 0700, err);
	if (r < 0)
		return r;
	cleanup_free char *setting = xasprintf("%s/cgroup-parent", ctx->lib_dir);
	char *text = NULL;
	if (read_file(setting, &text, NULL, NULL) == 0) {
		text[strcspn(text, "\n")] = '\0';
		if (*text)
			ctx->cgroup_parent = text;
		else
			free(text);
	}
	return 0;
}

void zone_ctx_free(struct zone_ctx *ctx)
{
	free(ctx->lib_dir);
	free(ctx->run_dir);
	free(ctx->cgroup_parent);
	memset(ctx, 0, sizeof(*ctx));
}

char *zone_dir(const struct zone_ctx *ctx, const char *name)
{
	return xasprintf("%s/zones/%s", ctx->lib_dir, name);
}

char *zone_file(const struct zone_ctx *ctx, const char *name, const char *file)
{
	return xasprintf("%s/zones/%s/%s", ctx->lib_dir, name, file);
}

char *zone_config_path(const struct zone_ctx *ctx, const char *name)
{
	return zone_file(ctx, name, "config.json");
}

/* zone names start with a letter or digit: ".NAME.WHAT" is no zone's */
char *zone_scratch_dir(const struct zone_ctx *ctx, const char *name, const char *what)
{
	return xasprintf("%s/zones/.%s.%s", ctx->lib_dir, name, what);
}

int zone_config_read(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     struct zerr *err)
{
	cleanup_free char *path = zone_config_path(ctx, name);
	return zone_config_load(name, path, cfg, err);
}

char *zone_run_dir(const struct zone_ctx *ctx, const char *name)
{
	return xasprintf("%s/%s", ctx->run_dir, name);
}

char *zone_run_file(const struct zone_ctx *ctx, const char *name, const char *file)
{
	return xasprintf("%s/%s/%s", ctx->run_dir, name, file);
}

bool zone_exists(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *cfg = zone_config_path(ctx, name);
	struct stat st;
	return stat(cfg, &st) == 0;
}

int zone_check_name(const struct zone_ctx *ctx, const char *name, struct zerr *err)
{
	int r = zone_name_check(name, err);
	if (r < 0)
		return r;
	if (!zone_exists(ctx, name))
		return zerr_setx(err, ENOENT,
				 "zone %s: no such zone (zonectl list shows the zones)", name);
	return 0;
}

char *zone_rootfs(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg)
{
	if (cfg->root_path[0] == '/')
		return xstrdup(cfg->root_path);
	cleanup_free char *dir = zone_dir(ctx, name);
	return xasprintf("%s/%s", dir, cfg->root_path);
}

/* ---- the names a zone's NICs take on the host ------------------------- */

/* FNV-1a of state root and name: host link names and MACs that differ
 * between zones, also between zones of two state roots. */
static uint32_t zone_key(const struct zone_ctx *ctx, const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *s = ctx->lib_dir; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

char *zone_net_dir(const struct zone_ctx *ctx)
{
	/* zone names start with a letter or digit: ".net" is nobody's */
	return xasprintf("%s/.net", ctx->run_dir);
}

void zone_net_describe(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		       struct net_zone *z)
{
	*z = (struct net_zone){
		.zone = name,
		.state_dir = zone_net_dir(ctx),
		.key = zone_key(ctx, name),
		.nics = cfg->nics,
		.n = cfg->n_nics,
	};
}

/* ---- the cgroup manager --------------------------------------------------- */

enum zone_cgroup_manager zone_cgroup_manager(const struct zone_ctx *ctx)
{
	if (ctx->cgroup_manager != ZONE_CGM_AUTO)
		return ctx->cgroup_manager;
	struct statfs sf;
	bool v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
	return v2 && rctl_systemd_booted() ? ZONE_CGM_SYSTEMD : ZONE_CGM_CGROUPFS;
}
