/* config_zone.c - the top-level "zone" object of config.json: what is
 * a zone's alone (brand, init, autoboot, the OCI bundle it came from, its
 * template, whether it is ephemeral, its NICs, its /proc view, its kvm
 * guest, the size of its disk). Unknown keys are errors, as everywhere in
 * the config. */
#include <errno.h>
#include <string.h>

#include "config_int.h"

static int zone_brand(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (zone_brand_from_name(s, &((struct zone_config *)ctx)->brand) < 0)
		return zerr_setx(err, EINVAL, "%s: unknown brand `%s` (sparse, whole, oci or kvm)",
				 p->buf, s);
	return 0;
}

static int zone_init(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	const char *s;
	int r = jv_string(v, jpath_str(p), &s, err);
	if (r < 0)
		return r;
	if (!strcmp(s, "builtin")) {
		cfg->init = ZONE_INIT_BUILTIN;
	} else if (!strcmp(s, "none")) {
		cfg->init = ZONE_INIT_NONE;
	} else if (s[0] == '/') {
		cfg->init = ZONE_INIT_PATH;
		cfg->init_path = xstrdup(s);
	} else {
		return zerr_setx(err, EINVAL,
				 "%s: expected \"builtin\", \"none\" or an "
				 "absolute path, got `%s`",
				 p->buf, s);
	}
	return 0;
}

static int zone_procfs(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	static const char *const names[] = {
		[ZONE_PROCFS_ZONE] = "zone",
		[ZONE_PROCFS_HOST] = "host",
	};
	const char *s = NULL;
	int r = jv_string(v, jpath_str(p), &s, err);
	for (size_t i = 0; r == 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			((struct zone_config *)ctx)->procfs = (enum zone_procfs)i;
			return 0;
		}
	return r < 0 ? r
		     : zerr_setx(err, EINVAL, "%s: expected \"zone\" or \"host\", got `%s`", p->buf,
				 s);
}

static int zone_template(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = zone_cfg_strdup(v, p, &cfg->template_name, err);
	if (r == 0 && zone_name_check(cfg->template_name, NULL) < 0)
		return zerr_setx(err, EINVAL, "%s: `%s` is not a valid template name", p->buf,
				 cfg->template_name);
	return r;
}

/* "disk": bytes, as a number or a size string ("2G"). */
static int zone_disk(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	uint64_t n = 0;
	if (jv_type(v) == JV_STRING) {
		const char *s;
		int r = jv_string(v, jpath_str(p), &s, err);
		if (r < 0)
			return r;
		if (parse_size(s, &n) < 0)
			return zerr_setx(err, EINVAL, "%s: `%s` is not a size (like 512M or 2G)",
					 p->buf, s);
	} else {
		int64_t i;
		int r = jv_int64(v, jpath_str(p), &i, err);
		if (r < 0)
			return r;
		if (i < 0)
			return zerr_setx(err, EINVAL, "%s: must not be negative", p->buf);
		n = (uint64_t)i;
	}
	if (n && n < ZONE_DISK_MIN)
		return zerr_setx(err, EINVAL,
				 "%s: must be at least 16M (or 0 for no disk of its own)", p->buf);
	((struct zone_config *)ctx)->disk = n;
	return 0;
}

const struct jfield zone_cfg_zone_fields[] = {
	{"brand", zone_brand, 0},
	JF_ABSPATH("bundle", struct zone_config, bundle),
	JF_BOOL("autoboot", struct zone_config, autoboot),
	{"template", zone_template, 0},
	JF_BOOL("ephemeral", struct zone_config, ephemeral),
	{"init", zone_init, 0},
	{"net", zone_cfg_parse_net, 0},
	{"procfs", zone_procfs, 0},
	{"kvm", zone_cfg_parse_kvm, 0},
	{"disk", zone_disk, 0},
	{NULL, NULL, 0},
};
