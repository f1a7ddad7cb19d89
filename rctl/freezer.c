/* freezer.c - pausing a zone: the v1 freezer hierarchy where there is
 * one, else cgroup2's cgroup.freeze. Freezing is asynchronous on both (v1
 * says FREEZING, cgroup2's cgroup.events says "frozen 0", until every task
 * has stopped), so a freeze returns only once the kernel says frozen. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define FREEZE_TIMEOUT_MS 5000

static ssize_t freezer_hier(const struct rctl_cgroup *cg, bool *v2)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && rctl_has_ctl(&cg->h[i], "freezer")) {
			*v2 = false;
			return (ssize_t)i;
		}
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *leaf = rctl_cgroup_path(cg, i);
		if (cg->h[i].v2 && rctl_file_exists(leaf, "cgroup.freeze")) {
			*v2 = true;
			return (ssize_t)i;
		}
	}
	return -1;
}

static bool is_frozen(const char *state, bool v2)
{
	return v2 ? strstr(state, "frozen 1") != NULL : !strcmp(state, "FROZEN");
}

static int wait_frozen(const struct rctl_hier *h, const char *leaf, bool v2, struct zerr *err)
{
	const char *file = v2 ? "cgroup.events" : "freezer.state";
	uint64_t deadline = now_ns() + FREEZE_TIMEOUT_MS * 1000000ull;
	for (;;) {
		cleanup_free char *state = NULL;
		int r = rctl_read(h, leaf, file, &state, err);
		if (r < 0 || is_frozen(state, v2))
			return r;
		if (now_ns() > deadline) {
			if (v2)
				rctl_write(h, leaf, "cgroup.freeze", "0", NULL);
			else
				rctl_write(h, leaf, "freezer.state", "THAWED", NULL);
			return zerr_setx(err, ETIMEDOUT,
					 "cgroup freezer: not frozen after %d ms (%s: %s)",
					 FREEZE_TIMEOUT_MS, file, state);
		}
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
}

int rctl_cgroup_freeze(const struct rctl_cgroup *cg, bool frozen, struct zerr *err)
{
	bool v2;
	ssize_t i = freezer_hier(cg, &v2);
	if (i < 0)
		return zerr_setx(err, ENOTSUP,
				 "zone %s: no freezer (v1 freezer hierarchy or "
				 "cgroup2 cgroup.freeze)",
				 cg->zone);
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
	const struct rctl_hier *h = &cg->h[i];
	int r = v2 ? rctl_write(h, leaf, "cgroup.freeze", frozen ? "1" : "0", err)
		   : rctl_write(h, leaf, "freezer.state", frozen ? "FROZEN" : "THAWED", err);
	if (r == 0 && frozen)
		r = wait_frozen(h, leaf, v2, err);
	return r < 0 ? zerr_prefix(err, "zone %s", cg->zone) : 0;
}

bool rctl_cgroup_frozen(const struct rctl_cgroup *cg)
{
	bool v2;
	ssize_t i = freezer_hier(cg, &v2);
	if (i < 0)
		return false;
	cleanup_free char *leaf = rctl_cgroup_path(cg, (size_t)i);
	cleanup_free char *state = NULL;
	if (rctl_read(&cg->h[i], leaf, v2 ? "cgroup.freeze" : "freezer.state", &state, NULL) < 0)
		return false;
	return v2 ? !strcmp(state, "1") : strcmp(state, "THAWED") != 0;
}
