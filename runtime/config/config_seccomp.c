/* config_seccomp.c - linux.seccomp of config.json: the default action,
 * architectures, flags and the syscall rules with their argument
 * conditions, into struct iso_seccomp. See config.c for how the walk
 * works. */
#include <errno.h>
#include <string.h>

#include "config_int.h"

/* SECCOMP_RET_DATA holds 16 bits */
#define ERRNO_MAX 65535

static const struct jfield arg_fields[] = {
	JF_INT("index", struct iso_sc_arg, index, 0, 5, JF_REQUIRED),
	JF_UINT("value", struct iso_sc_arg, value, JF_REQUIRED),
	JF_UINT("valueTwo", struct iso_sc_arg, value_two),
	JF_STRING("op", struct iso_sc_arg, op, JF_REQUIRED),
	{NULL, NULL, 0},
};

static int parse_arg(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	return jv_walk(v, p, arg_fields, &((struct iso_sc_rule *)ctx)->args[i], err);
}

static int rule_names(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_sc_rule *rule = ctx;
	int r = jv_strv(v, jpath_str(p), &rule->names, err);
	if (r < 0)
		return r;
	if (!rule->names[0])
		return zerr_setx(err, EINVAL, "%s: must not be empty", p->buf);
	return 0;
}

static int rule_args(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_sc_rule *rule = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	rule->n_args = jv_len(v);
	rule->args = xcalloc(rule->n_args, sizeof(struct iso_sc_arg));
	return jv_each(v, p, parse_arg, rule, err);
}

static const struct jfield rule_fields[] = {
	{"names", rule_names, JF_REQUIRED},
	JF_STRING("action", struct iso_sc_rule, action, JF_REQUIRED),
	JF_INT_HAS("errnoRet", struct iso_sc_rule, errno_ret, has_errno, 0, ERRNO_MAX),
	{"args", rule_args, 0},
	{NULL, NULL, 0},
};

static int parse_rule(const struct jv *v, size_t i, struct jpath *p, void *ctx, struct zerr *err)
{
	return jv_walk(v, p, rule_fields, &((struct iso_seccomp *)ctx)->rules[i], err);
}

static int sc_syscalls(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct iso_seccomp *sc = ctx;
	int r = jv_expect(v, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	sc->n_rules = jv_len(v);
	sc->rules = xcalloc(sc->n_rules, sizeof(struct iso_sc_rule));
	return jv_each(v, p, parse_rule, sc, err);
}

static const struct jfield seccomp_fields[] = {
	JF_STRING("defaultAction", struct iso_seccomp, default_action, JF_REQUIRED),
	JF_INT_HAS("defaultErrnoRet", struct iso_seccomp, default_errno, has_default_errno, 0,
		   ERRNO_MAX),
	JF_STRV("architectures", struct iso_seccomp, architectures),
	JF_STRV("flags", struct iso_seccomp, flags),
	{"syscalls", sc_syscalls, 0},
	{"listenerPath", zone_cfg_unsupported, 0},
	{"listenerMetadata", zone_cfg_unsupported, 0},
	{NULL, NULL, 0},
};

/* Names, actions and operators are checked by the code that will load the
 * filter, so a profile that cannot load fails here, not at boot. Its
 * messages already name the full path ("linux.seccomp.syscalls[3]..."). */
int zone_cfg_parse_seccomp(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err)
{
	struct zone_config *cfg = ctx;
	cfg->seccomp = xcalloc(1, sizeof(struct iso_seccomp));
	int r = jv_walk(v, p, seccomp_fields, cfg->seccomp, err);
	if (r < 0)
		return r;
	return iso_seccomp_validate(cfg->seccomp, err);
}
