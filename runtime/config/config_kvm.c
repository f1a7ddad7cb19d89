/* config_kvm.c - "zone": {"kvm": {...}}, the guest of a kvm zone, and
 * `create --kvm kernel=PATH,initrd=PATH[,disk=IMG][,mem=256M][,vcpus=1]
 * [,accel=auto|kvm|tcg][,cmdline=...]` written into it. cmdline comes last
 * on the command line and takes the rest of the spec, commas included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "runtime.h"

#define KVM_MEM_DEFAULT (256ULL << 20)
#define KVM_VCPUS_MAX 64

static const char *const accel_names[] = {
	[ZONE_ACCEL_AUTO] = "auto",
	[ZONE_ACCEL_KVM] = "kvm",
	[ZONE_ACCEL_TCG] = "tcg",
};

const char *zone_accel_name(enum zone_accel a)
{
	return (unsigned)a < sizeof(accel_names) / sizeof(accel_names[0]) ? accel_names[a] : "?";
}

static int accel_from_name(const char *s, enum zone_accel *a)
{
	for (size_t i = 0; i < sizeof(accel_names) / sizeof(accel_names[0]); i++)
		if (!strcmp(s, accel_names[i])) {
			*a = (enum zone_accel)i;
			return 0;
		}
	return -EINVAL;
}

static int set_path(char **dst, const char *key, const char *value, struct zerr *err)
{
	if (value[0] != '/')
		return zerr_setx(err, EINVAL, "%s: must be an absolute path, got `%s`", key, value);
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

static int kvm_set(struct zone_kvm *k, const char *key, const char *value, struct zerr *err)
{
	if (!strcmp(key, "kernel"))
		return set_path(&k->kernel, key, value, err);
	if (!strcmp(key, "initrd"))
		return set_path(&k->initrd, key, value, err);
	if (!strcmp(key, "disk"))
		return set_path(&k->disk, key, value, err);
	if (!strcmp(key, "cmdline")) {
		free(k->cmdline);
		k->cmdline = xstrdup(value);
		return 0;
	}
	if (!strcmp(key, "mem")) {
		if (parse_size(value, &k->mem) < 0 || k->mem < (16ULL << 20))
			return zerr_setx(err, EINVAL,
					 "mem: expected a size of at least 16M, got `%s`", value);
		return 0;
	}
	if (!strcmp(key, "vcpus")) {
		char *end;
		unsigned long n = strtoul(value, &end, 10);
		if (*value < '1' || *value > '9' || *end || n > KVM_VCPUS_MAX)
			return zerr_setx(err, EINVAL, "vcpus: expected 1..%d, got `%s`",
					 KVM_VCPUS_MAX, value);
		k->vcpus = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "accel"))
		return accel_from_name(value, &k->accel) < 0
			       ? zerr_setx(err, EINVAL,
					   "accel: expected auto, kvm or tcg, got `%s`", value)
			       : 0;
	return zerr_setx(err, EINVAL,
			 "unknown key `%s` (kernel, initrd, disk, mem, vcpus, accel, cmdline)",
			 key);
}

static void kvm_defaults(struct zone_kvm *k)
{
	*k = (struct zone_kvm){.mem = KVM_MEM_DEFAULT, .vcpus = 1, .accel = ZONE_ACCEL_AUTO};
}

static int kvm_values_check(const struct zone_kvm *k, struct zerr *err)
{
	if (!k->kernel)
		return zerr_setx(err, EINVAL,
				 "kernel: required (the guest's kernel, a path on the host)");
	return 0;
}

static int parse_spec(const char *spec, struct zone_kvm *k, struct zerr *err)
{
	cleanup_free char *copy = xstrdup(spec);
	char *s = copy;
	int r = 0;
	while (r == 0 && s && *s) {
		char *eq = strchr(s, '=');
		if (!eq)
			return zerr_setx(err, EINVAL, "expected KEY=VALUE, got `%s`", s);
		*eq = '\0';
		char *value = eq + 1, *next = NULL;
		if (strcmp(s, "cmdline") && (next = strchr(value, ',')))
			*next++ = '\0';
		r = kvm_set(k, s, value, err);
		s = next;
	}
	return r < 0 ? r : kvm_values_check(k, err);
}

/* ---- the "kvm" object ------------------------------------------------ */

static int kvm_member(const struct jv *v, const char *path, const char *parent, struct zone_kvm *k,
		      const char *key, struct zerr *err)
{
	if (!strcmp(key, "vcpus") && jv_type(v) == JV_NUMBER) {
		int64_t n;
		int r = jv_int_range(v, path, 1, KVM_VCPUS_MAX, &n, err);
		k->vcpus = (unsigned)n;
		return r;
	}
	if (!strcmp(key, "mem") && jv_type(v) == JV_NUMBER) {
		int r = jv_uint64(v, path, &k->mem, err);
		return r < 0 || k->mem >= (16ULL << 20)
			       ? r
			       : zerr_setx(err, EINVAL, "%s: at least 16M", path);
	}
	const char *s;
	int r = jv_string(v, path, &s, err);
	if (r == 0 && (r = kvm_set(k, key, s, err)) < 0)
		zerr_prefix(err, "%s", parent);
	return r;
}

int zone_cfg_parse_kvm(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	int r = jv_expect(v, jpath_str(p), JV_OBJECT, err);
	if (r < 0)
		return r;
	kvm_defaults(&cfg->kvm);
	cfg->has_kvm = true;
	cleanup_free char *parent = xstrdup(jpath_str(p));
	for (size_t i = 0; i < jv_len(v); i++) {
		size_t mark = jpath_key(p, jv_key(v, i));
		if ((r = kvm_member(jv_val(v, i), jpath_str(p), parent, &cfg->kvm, jv_key(v, i),
				    err)) < 0)
			return r;
		jpath_pop(p, mark);
	}
	r = kvm_values_check(&cfg->kvm, err);
	return r < 0 ? zerr_prefix(err, "%s", parent) : 0;
}

/* A kvm zone without a guest is a valid document (the default one for
 * brand kvm) that cannot run: zone_check_runnable says so. */
int zone_cfg_check_kvm(const struct zone_config *cfg, struct zerr *err)
{
	if (cfg->brand != ZONE_BRAND_KVM && cfg->has_kvm)
		return zerr_setx(err, EINVAL, "zone.kvm: only a zone of brand kvm has a guest");
	return 0;
}

void zone_kvm_free(struct zone_kvm *k)
{
	free(k->kernel);
	free(k->initrd);
	free(k->disk);
	free(k->cmdline);
}

/* ---- create --kvm ---------------------------------------------------- */

static void write_kvm(struct jw *w, const struct zone_kvm *k)
{
	jw_obj_open(w);
	jw_kstr(w, "kernel", k->kernel);
	if (k->initrd)
		jw_kstr(w, "initrd", k->initrd);
	if (k->disk)
		jw_kstr(w, "disk", k->disk);
	jw_kuint(w, "mem", k->mem);
	jw_kuint(w, "vcpus", k->vcpus);
	jw_kstr(w, "accel", zone_accel_name(k->accel));
	if (k->cmdline)
		jw_kstr(w, "cmdline", k->cmdline);
	jw_obj_close(w);
}

static void write_zone(struct jw *w, const struct jv *zone, const struct zone_kvm *k)
{
	jw_obj_open(w);
	for (size_t i = 0; zone && i < jv_len(zone); i++)
		if (strcmp(jv_key(zone, i), "kvm")) {
			jw_key(w, jv_key(zone, i));
			jw_value(w, jv_val(zone, i));
		}
	jw_key(w, "kvm");
	write_kvm(w, k);
	jw_obj_close(w);
}

int zone_kvm_rewrite(const char *name, const char *spec, char **text, size_t *len, struct zerr *err)
{
	if (!spec)
		return 0;
	struct zone_kvm k;
	kvm_defaults(&k);
	int r = parse_spec(spec, &k, err);
	cleanup_json struct jv *doc = NULL;
	if (r < 0 || (r = json_parse(*text, *len, &doc, err)) < 0 || jv_type(doc) != JV_OBJECT) {
		zone_kvm_free(&k);
		return r < 0 ? zerr_prefix(err, "zone %s: --kvm", name)
			     : zerr_setx(err, EINVAL,
					 "zone %s: config: top level: expected an object", name);
	}
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	for (size_t i = 0; i < jv_len(doc); i++)
		if (strcmp(jv_key(doc, i), "zone")) {
			jw_key(w, jv_key(doc, i));
			jw_value(w, jv_val(doc, i));
		}
	jw_key(w, "zone");
	write_zone(w, jv_get(doc, "zone"), &k);
	jw_obj_close(w);
	zone_kvm_free(&k);
	char *out = jw_finish(w, len);
	if (!out)
		return zerr_setx(err, EINVAL, "zone %s: --kvm: could not write the config", name);
	free(*text);
	*text = out;
	return 0;
}
