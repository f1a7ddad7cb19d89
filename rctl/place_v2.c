/* place_v2.c - where a zone's cgroup goes on a cgroup v2 host.
 *
 * cgroup v2 has two rules a runtime must live with (the kernel's
 * cgroup-v2.rst, systemd's CGROUP_DELEGATION document):
 *
 *   - no internal processes: a cgroup other than the root can pass
 *     controllers to its children (cgroup.subtree_control) only while it
 *     holds no processes itself, and no process can join it after;
 *   - one writer per cgroup: whoever made a cgroup, or had it delegated
 *     to them, owns its attributes; systemd owns everything it made.
 *
 * A shell's session (/user.slice/.../session-1.scope) and a service
 * (/system.slice/runner.service) hold processes and belong to systemd, so
 * a zone nested beneath the caller, as on a hybrid host, could never get a
 * controller. The parent is chosen instead, in this order:
 *
 *   1. --cgroup-parent (or LIB/cgroup-parent): it must exist, be a domain
 *      cgroup and hold no processes (or be the root); its controllers are
 *      its owner's business, so zonectl enables nothing in it unless it is
 *      the root of a host without a cgroup manager, or delegated to us.
 *   2. The caller's cgroup when it is delegated to zonectl: a systemd unit
 *      with Delegate=yes (systemd marks it with the xattr trusted.delegate),
 *      or the root of a cgroup namespace that is not the host's (a
 *      container's). zonectl owns it; its own processes (the client and
 *      the monitor) move into the leaf zonectl.monitor so that the
 *      controllers can be enabled, as systemd-nspawn does with its
 *      "supervisor" leaf. Processes that are not zonectl's are the
 *      owner's: then the boot fails and says which.
 *   3. The hierarchy's root on a host without systemd: no one else manages
 *      the tree, and every runtime (runc, crun, Docker) enables the
 *      controllers it needs there. Zones are /zonectl/NAME.
 *   4. On a host run by systemd, a cgroup that is not delegated is
 *      systemd's: zonectl makes nothing in it and says what to do.
 *
 * On every path zonectl/ below the parent is zonectl's own, and the
 * controllers the parent offers are enabled in it; a controller the
 * parent does not offer is an error only when a limit needs it
 * (resources.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "internal.h"

bool rctl_systemd_booted(void)
{
	/* sd_booted(3)'s test */
	return access("/run/systemd/system", F_OK) == 0;
}

/* The root of the whole hierarchy has no cgroup.type; a cgroup
 * namespace's root (a container's) does. */
bool rctl_v2_is_root(const char *dir)
{
	return !rctl_file_exists(dir, "cgroup.type");
}

static bool xattr_is_1(const char *dir, const char *name)
{
	char v[8];
	ssize_t n = getxattr(dir, name, v, sizeof(v));
	return n > 0 && v[0] == '1';
}

/* systemd >= 251 marks a unit's cgroup that has Delegate=yes */
static bool delegated(const char *dir)
{
	return xattr_is_1(dir, "trusted.delegate") || xattr_is_1(dir, "user.delegate");
}

static int parent_type(const struct rctl_hier *h, const char *dir, struct zerr *err)
{
	if (rctl_v2_is_root(dir))
		return 0;
	cleanup_free char *type = NULL;
	int r = rctl_read(h, dir, "cgroup.type", &type, err);
	if (r < 0)
		return r;
	if (strcmp(type, "domain"))
		return zerr_setx(err, EINVAL,
				 "cgroup parent %s is of type \"%s\": zones need a domain cgroup "
				 "(threaded subtrees take no memory, io or pids controller)",
				 h->parent, type);
	return 0;
}

/* --cgroup-parent on a v2 host: an existing domain cgroup, inside the
 * hierarchy, with no processes of its own (or the root). */
static int check_override(struct rctl_cgroup *cg, struct rctl_hier *h, struct zerr *err)
{
	cleanup_free char *dir = rctl_abs(h, h->parent);
	char real[PATH_MAX];
	struct stat st;
	if (!realpath(dir, real)) {
		if (errno == ENOENT)
			return zerr_setx(err, ENOENT,
					 "cgroup parent %s does not exist (%s): make it first, "
					 "or leave --cgroup-parent out",
					 h->parent, dir);
		return zerr_set(err, errno, "cgroup parent %s", h->parent);
	}
	size_t ml = strlen(h->mount);
	if (strncmp(real, h->mount, ml) || (real[ml] && real[ml] != '/') || stat(real, &st) < 0 ||
	    !S_ISDIR(st.st_mode) || !rctl_file_exists(real, "cgroup.procs"))
		return zerr_setx(err, EINVAL,
				 "cgroup parent %s is not a cgroup of the hierarchy at %s",
				 h->parent, h->mount);
	int r = parent_type(h, dir, err);
	if (r < 0)
		return r;
	bool root = rctl_v2_is_root(dir);
	if (!root) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		if ((r = rctl_read_pids(h, dir, &pids, &n, err)) < 0)
			return r;
		if (n)
			return zerr_setx(
				err, EBUSY,
				"cgroup parent %s holds processes (%zu, pid %d first): cgroup v2 "
				"gives no controllers below a cgroup with processes of its own; "
				"name a cgroup without processes",
				h->parent, n, (int)pids[0]);
	}
	cg->delegated = !root && delegated(dir);
	cg->own_parent = (root && !rctl_systemd_booted()) || cg->delegated;
	return 0;
}

int rctl_place_v2(struct rctl_cgroup *cg, size_t i, const char *override, bool given,
		  struct zerr *err)
{
	struct rctl_hier *h = &cg->h[i];
	if (override) {
		free(h->parent);
		h->parent = xstrdup(override);
		return check_override(cg, h, err);
	}
	cleanup_free char *caller = rctl_abs(h, h->parent);
	if (rctl_v2_is_root(caller)) {
		cg->own_parent = !rctl_systemd_booted();
		return 0;
	}
	if (given || delegated(caller) || !strcmp(h->parent, "/")) {
		cg->own_parent = cg->delegated = true;
		return parent_type(h, caller, err);
	}
	if (rctl_systemd_booted())
		return zerr_setx(err, EPERM,
				 "this host's cgroups are systemd's, and %s is not delegated to "
				 "zonectl: use the systemd cgroup manager (--cgroup-manager "
				 "systemd, the default here), run zonectl from a unit with "
				 "Delegate=yes, or pass --cgroup-parent with a cgroup delegated "
				 "to it",
				 h->parent);
	free(h->parent);
	h->parent = xstrdup("/");
	cg->own_parent = true;
	return 0;
}
