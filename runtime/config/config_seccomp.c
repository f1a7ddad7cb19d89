/* config_seccomp.c - linux.seccomp of config.json: the default action,
 * architectures, flags and the syscall rules with their argument
 * conditions, into struct iso_seccomp. See config.c for how the walk
 * works. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "config_int.h"

/* SECCOMP_RET_DATA holds 16 bits */
static int errno_value(const struct jv *v, const struct jpath *p,
		       uint32_t *dst, bool *has, struct zerr *err)
{
	int64_t n = 0;
	int r = jv_int_range(v, jpath_str(p), 0, 65535, &n, err);
	if (r < 0)
		return r;
	*dst = (uint32_t)n;
	*has = true;
	return 0;
}

static int arg_index(const struct jv *v, struct jpath *p, void *ctx,
		     struct zerr *err)
{
	int64_t n = 0;
	int r = jv_int_range(v, jpath_str(p), 0, 5, &n, err);
	if (r == 0)
		((struct iso_sc_arg *)ctx)->index = (unsigned)n;
	return r;
}

static int arg_value(const struct jv *v, struct jpath *p, void *ctx,
		     struct zerr *err)
{
	return jv_uint64(v, jpath_str(p), &((struct iso_sc_arg *)ctx)->value, err);
}

static int arg_value_two(const struct jv *v, struct jpath *p, void *ctx,
			 struct zerr *err)
{
	return jv_uint64(v, jpath_str(p), &((struct iso_sc_arg *)ctx)->value_two,
			 err);
}

static int arg_op(const struct jv *v, struct jpath *p, void *ctx,
		  struct zerr *err)
{
	return zone_cfg_strdup(v, p, &((struct iso_sc_arg *)ctx)->op, err);
}

static const struct jfield arg_fields[] = {
	{ "index", arg_index, JF_REQUIRED },
	{ "value", arg_value, JF_REQUIRED },
	{ "valueTwo", arg_value_two, 0 },
	{ "op", arg_op, JF_REQUIRED },
	{ NULL, NULL, 0 },
};

static int parse_arg(const struct jv *v, size_t i, struct jpath *p, void *ctx,
		     struct zerr *err)
{
	return jv_walk(v, p, arg_fields, &((struct iso_sc_rule *)ctx)->args[i],
		       err);
}

static int rule_names(const struct jv *v, struct jpath *p, void *ctx,
		      struct zerr *err)
{
	struct iso_sc_rule *rule = ctx;
	int r = jv_strv(v, jpath_str(p), &rule->names, err);
	if (r < 0)
		return r;
	if (!rule->names[0])
		return zerr_setx(err, EINVAL, "%s: must not be empty", p->buf);
	return 0;
}

static int rule_action(const struct jv *v, struct jpath *p, void *ctx,
		       struct zerr *err)
{
	return zone_cfg_strdup(v, p, &((struct iso_sc_rule *)ctx)->action, err);
}

static int rule_errno(const struct jv *v, struct jpath *p, void *ctx,
		      struct zerr *err)
{
	struct iso_sc_rule *rule = ctx;
	return errno_value(v, p, &rule->errno_ret, &rule->has_errno, err);
}

static int rule_args(const struct jv *v, struct jpath *p, void *ctx,
		     struct zerr *err)
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
	{ "names", rule_names, JF_REQUIRED },
	{ "action", rule_action, JF_REQUIRED },
	{ "errnoRet", rule_errno, 0 },
	{ "args", rule_args, 0 },
	{ NULL, NULL, 0 },
};

static int parse_rule(const struct jv *v, size_t i, struct jpath *p, void *ctx,
		      struct zerr *err)
{
	return jv_walk(v, p, rule_fields, &((struct iso_seccomp *)ctx)->rules[i],
		       err);
}

static int sc_default_action(const struct jv *v, struct jpath *p, void *ctx,
			     struct zerr *err)
{
	return zone_cfg_strdup(v, p, &((struct iso_seccomp *)ctx)->default_action,
			       err);
}

static int sc_default_errno(const struct jv *v, struct jpath *p, void *ctx,
			    struct zerr *err)
{
	struct iso_seccomp *sc = ctx;
	return errno_value(v, p, &sc->default_errno, &sc->has_default_errno, err);
}

static int sc_architectures(const struct jv *v, struct jpath *p, void *ctx,
			    struct zerr *err)
{
	return jv_strv(v, jpath_str(p),
		       &((struct iso_seccomp *)ctx)->architectures, err);
}

static int sc_flags(const struct jv *v, struct jpath *p, void *ctx,
		    struct zerr *err)
{
	return jv_strv(v, jpath_str(p), &((struct iso_seccomp *)ctx)->flags, err);
}

static int sc_syscalls(const struct jv *v, struct jpath *p, void *ctx,
		       struct zerr *err)
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
	{ "defaultAction", sc_default_action, JF_REQUIRED },
	{ "defaultErrnoRet", sc_default_errno, 0 },
	{ "architectures", sc_architectures, 0 },
	{ "flags", sc_flags, 0 },
	{ "syscalls", sc_syscalls, 0 },
	{ "listenerPath", zone_cfg_unsupported, 0 },
	{ "listenerMetadata", zone_cfg_unsupported, 0 },
	{ NULL, NULL, 0 },
};

/* Names, actions and operators are checked by the code that will load the
 * filter, so a profile that cannot load fails here, not at boot. Its
 * messages already name the full path ("linux.seccomp.syscalls[3]..."). */
int zone_cfg_parse_seccomp(const struct jv *v, struct jpath *p, void *ctx,
			   struct zerr *err)
{
	struct zone_config *cfg = ctx;
	cfg->seccomp = xcalloc(1, sizeof(struct iso_seccomp));
	int r = jv_walk(v, p, seccomp_fields, cfg->seccomp, err);
	if (r < 0)
		return r;
	return iso_seccomp_validate(cfg->seccomp, err);
}

