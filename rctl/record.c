/* record.c - what of a zone's cgroup plan is kept (state.json), so that
 * everything in this layer works again from it after a crash: the four
 * fields of each hierarchy, the systemd scope and whether the zone's
 * processes live in a payload subtree; nothing the kernel could tell
 * otherwise. */
#include <errno.h>

#include "internal.h"
#include "json.h"

void rctl_cgroup_to_json(struct jw *w, const struct rctl_cgroup *cg)
{
	if (cg->unit)
		jw_kstr(w, "unit", cg->unit);
	if (cg->payload)
		jw_kbool(w, "cgroup_payload", true);
	if (cg->leaf_name)
		jw_kstr(w, "cgroup_leaf", cg->leaf_name);
	jw_key(w, "cgroups");
	jw_arr_open(w);
	for (size_t i = 0; i < cg->n; i++) {
		jw_obj_open(w);
		jw_kstr(w, "controllers", cg->h[i].controllers);
		jw_kstr(w, "mount", cg->h[i].mount);
		jw_kstr(w, "parent", cg->h[i].parent);
		jw_kbool(w, "v2", cg->h[i].v2);
		if (cg->h[i].made)
			jw_kstr(w, "made", cg->h[i].made);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static int hier_from_json(const struct jv *v, struct rctl_hier *h)
{
	const char *cs, *ms, *ps;
	if (jv_string(jv_get(v, "controllers"), "c", &cs, NULL) < 0 ||
	    jv_string(jv_get(v, "mount"), "m", &ms, NULL) < 0 ||
	    jv_string(jv_get(v, "parent"), "p", &ps, NULL) < 0 ||
	    jv_bool(jv_get(v, "v2"), "v2", &h->v2, NULL) < 0)
		return -EINVAL;
	h->controllers = xstrdup(cs);
	h->mount = xstrdup(ms);
	h->parent = xstrdup(ps);
	const char *made;
	if (jv_string(jv_get(v, "made"), "made", &made, NULL) == 0)
		h->made = xstrdup(made);
	return 0;
}

int rctl_cgroup_from_json(const char *zone, const struct jv *doc, struct rctl_cgroup *cg)
{
	const struct jv *arr = jv_get(doc, "cgroups");
	if (!arr || jv_type(arr) != JV_ARRAY)
		return -ENOENT;
	size_t n = jv_len(arr);
	*cg = (struct rctl_cgroup){.zone = xstrdup(zone), .h = xcalloc(n ? n : 1, sizeof(*cg->h))};
	for (size_t i = 0; i < n; i++) {
		if (hier_from_json(jv_at(arr, i), &cg->h[i]) < 0)
			return -EINVAL;
		cg->n++;
	}
	const char *unit;
	if (jv_string(jv_get(doc, "unit"), "unit", &unit, NULL) == 0)
		cg->unit = xstrdup(unit);
	const char *leaf;
	if (jv_string(jv_get(doc, "cgroup_leaf"), "leaf", &leaf, NULL) == 0)
		cg->leaf_name = xstrdup(leaf);
	jv_bool(jv_get(doc, "cgroup_payload"), "p", &cg->payload, NULL);
	return 0;
}
