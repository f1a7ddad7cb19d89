/* cgroup_v1.c - v1 controller hierarchies through libcgroup.
 *
 * libcgroup builds paths from its own table of mounts, so every call here
 * names the cgroup relative to the hierarchy's root, and one struct cgroup
 * carries one controller: the zone's path differs per hierarchy (memory may
 * sit below /process_api/x while cpu sits at /). */
#include <errno.h>
#include <libcgroup.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void lcg_freep(struct cgroup **g)
{
	if (*g)
		cgroup_free(g);
}
#define cleanup_lcg __attribute__((cleanup(lcg_freep)))

/* cgroup_init reads /proc/cgroups and /proc/mounts: once per process. */
static int lcg_init(struct zerr *err)
{
	static bool done;
	static int ret;
	if (!done) {
		ret = cgroup_init();
		done = true;
	}
	if (ret)
		return zerr_setx(err, EIO, "libcgroup: cgroup_init: %s", cgroup_strerror(ret));
	return 0;
}

static int lcg_errno(int ret)
{
	switch (ret) {
	case ECGOTHER: {
		int e = cgroup_get_last_errno();
		return e ? e : EIO;
	}
	case ECGROUPNOTEXIST:
	case ECGROUPVALUENOTEXIST: return ENOENT;
	case ECGROUPNOTOWNER:
	case ECGROUPNOTALLOWED: return EPERM;
	default: return 0;
	}
}

/* "cgroup memory: <what>: <reason>", the reason from errno where libcgroup
 * passes one through, else libcgroup's own words. */
static int lcg_fail(const struct rctl_hier *h, int ret, const char *what, struct zerr *err)
{
	int e = lcg_errno(ret);
	if (e)
		return zerr_set(err, e, "%s: %s", rctl_label(h), what);
	return zerr_setx(err, EIO, "%s: %s: %s", rctl_label(h), what, cgroup_strerror(ret));
}

/* libcgroup finds a hierarchy by any one of its controllers; name= is not
 * one it knows. */
static char *first_ctl(const struct rctl_hier *h)
{
	for (const char *s = h->controllers; s && *s;) {
		size_t len = strcspn(s, ",");
		if (len && strncmp(s, "name=", 5))
			return xstrndup(s, len);
		s += len + (s[len] == ',');
	}
	return xstrdup("");
}

static struct cgroup *lcg_new(const struct rctl_hier *h, const char *rel,
			      struct cgroup_controller **ctl)
{
	cleanup_free char *name = first_ctl(h);
	struct cgroup *g = cgroup_new_cgroup(rel);
	if (g && !(*ctl = cgroup_add_controller(g, name)))
		cgroup_free(&g);
	return g;
}

int rctl_v1_mkdir(const struct rctl_hier *h, const char *rel, struct zerr *err)
{
	struct cgroup_controller *ctl;
	int r = lcg_init(err);
	if (r < 0)
		return r;
	cleanup_lcg struct cgroup *g = lcg_new(h, rel, &ctl);
	if (!g)
		return zerr_setx(err, EINVAL, "%s: libcgroup rejects %s", rctl_label(h), rel);
	/* ignore_ownership: root owns the files already, and chowning each of
	 * them costs more than the mkdir itself */
	int ret = cgroup_create_cgroup(g, 1);
	if (ret) {
		cleanup_free char *what = xasprintf("mkdir %s/%s", h->mount, rel);
		return lcg_fail(h, ret, what, err);
	}
	return 0;
}

/* One cgroup_modify_cgroup for kvs[from, from+n): values are written in the
 * order they were added. */
static int write_batch(const struct rctl_hier *h, const char *rel, const struct rctl_kvs *kvs,
		       size_t from, size_t n)
{
	struct cgroup_controller *ctl;
	cleanup_lcg struct cgroup *g = lcg_new(h, rel, &ctl);
	if (!g)
		return ECGINVAL;
	for (size_t k = from; k < from + n; k++) {
		int ret = cgroup_add_value_string(ctl, kvs->v[k].file, kvs->v[k].value);
		if (ret)
			return ret;
	}
	return cgroup_modify_cgroup(g);
}

/* How many of kvs[from..] go in one batch: libcgroup takes a file once per
 * batch, and blkio.throttle.* is written once per device. */
static size_t batch_len(const struct rctl_kvs *kvs, size_t from)
{
	size_t n = 0;
	for (; from + n < kvs->n; n++)
		for (size_t k = from; k < from + n; k++)
			if (!strcmp(kvs->v[k].file, kvs->v[from + n].file))
				return n;
	return n;
}

static int write_run(const struct rctl_hier *h, const char *rel, const struct rctl_kvs *kvs,
		     size_t from, size_t n, struct zerr *err)
{
	int batch = write_batch(h, rel, kvs, from, n);
	if (!batch)
		return 0;
	/* libcgroup has one status for the whole batch; replay the writes one
	 * at a time (they are idempotent) to name the file that fails */
	for (size_t k = from; k < from + n; k++) {
		int ret = write_batch(h, rel, kvs, k, 1);
		if (ret) {
			cleanup_free char *what = xasprintf("%s = %s", kvs->v[k].file,
							    kvs->v[k].value);
			return lcg_fail(h, ret, what, err);
		}
	}
	return lcg_fail(h, batch, "write", err);
}

int rctl_v1_write_kvs(const struct rctl_hier *h, const char *rel, const struct rctl_kvs *kvs,
		      struct zerr *err)
{
	if (!kvs->n)
		return 0;
	int r = lcg_init(err);
	if (r < 0)
		return r;
	for (size_t from = 0; from < kvs->n;) {
		size_t n = batch_len(kvs, from);
		if ((r = write_run(h, rel, kvs, from, n, err)) < 0)
			return r;
		from += n;
	}
	return 0;
}

/* Done directly: libcgroup's only way to inherit is
 * cgroup_create_cgroup_from_parent, which reads every control file of the
 * parent and copies them all (memory limits included) into the child.
 * Fills dir from the nearest non-empty ancestor; *val gets the value. */
static int cpuset_fill(const struct rctl_hier *h, const char *dir, const char *file, char **val,
		       struct zerr *err)
{
	int r = rctl_read(h, dir, file, val, err);
	if (r < 0 || **val)
		return r;
	free(*val);
	*val = NULL;
	size_t mlen = strlen(h->mount);
	const char *slash = strrchr(dir, '/');
	if (strlen(dir) <= mlen || !slash || (size_t)(slash - dir) < mlen)
		return zerr_setx(err, EINVAL, "%s: %s/%s is empty", rctl_label(h), dir, file);
	cleanup_free char *parent = xstrndup(dir, (size_t)(slash - dir));
	if ((r = cpuset_fill(h, parent, file, val, err)) < 0)
		return r;
	return rctl_write(h, dir, file, *val, err);
}

int rctl_v1_cpuset_inherit(const struct rctl_hier *h, const char *dir, struct zerr *err)
{
	cleanup_free char *cpus = NULL, *mems = NULL;
	int r = cpuset_fill(h, dir, "cpuset.cpus", &cpus, err);
	return r < 0 ? r : cpuset_fill(h, dir, "cpuset.mems", &mems, err);
}

/* OCI leaves access out to mean "rwm"; the field may fill all 4 bytes. */
static int device_access(const char in[4], char out[4])
{
	size_t n = 0;
	for (size_t k = 0; k < 4 && in[k]; k++) {
		if (!strchr("rwm", in[k]))
			return -EINVAL;
		if (!memchr(out, in[k], n))
			out[n++] = in[k];
	}
	if (!n) {
		memcpy(out, "rwm", 3);
		n = 3;
	}
	out[n] = '\0';
	return 0;
}

static void device_number(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* v1 reads a bare "a" as every device with every access, whatever follows
 * it; an "a" rule that is narrower than that is written as a "c" and a "b"
 * rule so that it means no more than it says. */
static int write_rule(const struct rctl_hier *h, const char *dir, const struct rctl_device *d,
		      struct zerr *err)
{
	const char *file = d->allow ? "devices.allow" : "devices.deny";
	char acc[4] = "", maj[24], min[24], rule[80];
	if (device_access(d->access, acc) < 0 || !strchr("acb", d->type) || !d->type)
		return zerr_setx(err, EINVAL, "%s: bad device rule `%c %.4s`", rctl_label(h),
				 d->type ? d->type : '?', d->access);
	bool whole = d->major < 0 && d->minor < 0 && strlen(acc) == 3;
	if (d->type == 'a' && whole)
		return rctl_write(h, dir, file, "a", err);
	device_number(maj, sizeof(maj), d->major);
	device_number(min, sizeof(min), d->minor);
	const char *types = d->type == 'a' ? "cb" : (d->type == 'c' ? "c" : "b");
	for (const char *t = types; *t; t++) {
		snprintf(rule, sizeof(rule), "%c %s:%s %s", *t, maj, min, acc);
		int r = rctl_write(h, dir, file, rule, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Direct writes: libcgroup holds one value per file name and controller,
 * and a device list is many ordered writes to the same two files. */
int rctl_v1_devices(const struct rctl_hier *h, const char *dir, const struct rctl_device *d,
		    size_t n, struct zerr *err)
{
	int r = rctl_write(h, dir, "devices.deny", "a", err);
	for (size_t k = 0; k < n && r == 0; k++)
		r = write_rule(h, dir, &d[k], err);
	return r;
}
