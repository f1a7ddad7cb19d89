/* systemd.c - zones on a host whose cgroup tree belongs to systemd.
 *
 * systemd is the one writer of every cgroup it made (its CGROUP_DELEGATION
 * document): a runtime does not mkdir in its tree, it asks systemd over
 * D-Bus for a unit of its own and is delegated that unit's subtree. Each
 * zone gets a transient scope (StartTransientUnit, as systemd-nspawn,
 * runc and crun do), started with the monitor as its one process, in a
 * slice (machine.slice by default), with Delegate=yes so that the subtree
 * is zonectl's, and CollectMode=inactive-or-failed so that a scope that
 * ended or failed is gone at once, never left behind. What happens below
 * the scope is place_v2.c's delegated case: the monitor moves into
 * zonectl.monitor, the zone's cgroup is zonectl/NAME, and limits go on the
 * zone's own cgroup; nothing of the scope's is written.
 *
 * The scope ends when its last process does: a halt, a monitor killed
 * with -9 (init dies with it) and `machinectl terminate` (systemd's
 * SIGTERM to every process of the scope) all leave no unit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "internal.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
/* systemd's limit on a unit's name */
#define UNIT_NAME_MAX 255

static void bus_unrefp(sd_bus **b)
{
	sd_bus_flush_close_unref(*b);
}
#define cleanup_bus __attribute__((cleanup(bus_unrefp)))
static void msg_unrefp(sd_bus_message **m)
{
	sd_bus_message_unref(*m);
}
#define cleanup_msg __attribute__((cleanup(msg_unrefp)))

/* systemd's unit_name_is_valid(), for the names we make and are given:
 * [A-Za-z0-9:_.\-] and an escaped form we never use, a dot before the
 * type, nothing after it. */
bool rctl_unit_name_valid(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	if (n <= s || n > UNIT_NAME_MAX || strcmp(name + n - s, suffix))
		return false;
	for (size_t i = 0; i < n - s; i++) {
		char c = name[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
		    !strchr(":_.-", c))
			return false;
	}
	return name[0] != '.' && name[0] != '-';
}

static int bus_fail(struct zerr *err, int r, const sd_bus_error *e, const char *what)
{
	if (e && sd_bus_error_is_set(e))
		return zerr_setx(err, -r, "systemd: %s: %s", what, e->message);
	return zerr_set(err, -r, "systemd: %s", what);
}

static int bus_open(sd_bus **bus, struct zerr *err)
{
	int r = sd_bus_open_system(bus);
	return r < 0 ? bus_fail(err, r, NULL, "cannot reach the system bus (D-Bus)") : 0;
}

int rctl_systemd_check(struct zerr *err)
{
	if (!rctl_systemd_booted())
		return zerr_setx(err, ENOTSUP,
				 "--cgroup-manager systemd: systemd is not this host's "
				 "init (no /run/systemd/system)");
	cleanup_bus sd_bus *bus = NULL;
	return bus_open(&bus, err);
}

/* The job systemd answers with, done: JobRemoved with its path. */
struct job_wait {
	const char *path;
	char result[32];
	bool done;
};

static int on_job_removed(sd_bus_message *m, void *arg, sd_bus_error *e)
{
	(void)e;
	struct job_wait *w = arg;
	uint32_t id;
	const char *path, *unit, *result;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->path ||
	    strcmp(path, w->path))
		return 0;
	snprintf(w->result, sizeof(w->result), "%s", result);
	w->done = true;
	return 0;
}

/* CPUWeight and IOWeight, for the weights res has. */
static int append_weights(sd_bus_message *m, const struct rctl_resources *res)
{
	int r = 0;
	if (res && res->has_cpu_shares && res->cpu_shares)
		r = sd_bus_message_append(m, "(sv)", "CPUWeight", "t",
					  rctl_cpu_weight(res->cpu_shares));
	if (r >= 0 && res && res->has_blkio_weight && res->blkio_weight)
		r = sd_bus_message_append(m, "(sv)", "IOWeight", "t",
					  (uint64_t)rctl_io_weight(res->blkio_weight));
	return r;
}

static int append_props(sd_bus_message *m, const char *slice, pid_t pid, const char *description,
			char *const *before, const struct rctl_resources *res)
{
	int r;
	if ((r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = append_weights(m, res)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "Description", "s", description)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "Slice", "s", slice)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "Delegate", "b", 1)) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed")) < 0 ||
	    (r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid)) < 0)
		return r;
	/* at shutdown, stopped after these (zonectl.service halts zones
	 * first, cleanly, before systemd's SIGTERM reaches them) */
	for (size_t i = 0; before && before[i]; i++)
		if ((r = sd_bus_message_append(m, "(sv)", "Before", "as", 1, before[i])) < 0)
			return r;
	return sd_bus_message_close_container(m);
}

int rctl_systemd_scope(const char *unit, const char *slice, pid_t pid, const char *description,
		       char *const *before, const struct rctl_resources *res, struct zerr *err)
{
	if (!rctl_unit_name_valid(unit, ".scope"))
		return zerr_setx(err, EINVAL, "systemd: `%s` is not a valid scope name", unit);
	if (!rctl_unit_name_valid(slice, ".slice"))
		return zerr_setx(err, EINVAL,
				 "systemd: `%s` is not a valid slice name "
				 "(letters, digits, \":_.-\", ending in .slice)",
				 slice);
	cleanup_bus sd_bus *bus = NULL;
	int r = bus_open(&bus, err);
	if (r < 0)
		return r;
	struct job_wait w = {0};
	sd_bus_slot *slot = NULL;
	r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				on_job_removed, &w);
	if (r < 0)
		return bus_fail(err, r, NULL, "watch for JobRemoved");
	cleanup_msg sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	if ((r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
						"StartTransientUnit")) < 0 ||
	    (r = sd_bus_message_append(m, "ss", unit, "fail")) < 0 ||
	    (r = append_props(m, slice, pid, description, before, res)) < 0 ||
	    (r = sd_bus_message_append(m, "a(sa(sv))", 0)) < 0) {
		sd_bus_slot_unref(slot);
		return bus_fail(err, r, NULL, "build StartTransientUnit");
	}
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		zerr_setx(err, -r, "systemd: start %s in %s: %s", unit, slice,
			  sd_bus_error_is_set(&e) ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		sd_bus_slot_unref(slot);
		return r;
	}
	if ((r = sd_bus_message_read(reply, "o", &w.path)) < 0) {
		sd_bus_slot_unref(slot);
		return bus_fail(err, r, NULL, "read StartTransientUnit's job");
	}
	while (!w.done) {
		if ((r = sd_bus_process(bus, NULL)) < 0)
			break;
		if (r == 0 && (r = sd_bus_wait(bus, 30 * 1000000ULL)) <= 0) {
			r = r ? r : -ETIMEDOUT;
			break;
		}
	}
	sd_bus_slot_unref(slot);
	if (!w.done)
		return bus_fail(err, r, NULL, "no answer to the start of the scope");
	if (strcmp(w.result, "done"))
		return zerr_setx(err, EIO, "systemd: start %s: %s", unit, w.result);
	return 0;
}

int rctl_systemd_stop(const char *unit, struct zerr *err)
{
	cleanup_bus sd_bus *bus = NULL;
	int r = bus_open(&bus, err);
	if (r < 0)
		return r;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	cleanup_msg sd_bus_message *reply = NULL;
	r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, &reply, "ss",
			       unit, "fail");
	/* a unit that is gone already is what we wanted */
	if (r < 0 && sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		r = 0;
	if (r < 0)
		bus_fail(err, r, &e, "stop the scope");
	sd_bus_error_free(&e);
	return r;
}

int rctl_systemd_weights(const char *unit, const struct rctl_resources *res, struct zerr *err)
{
	bool cpu = res && res->has_cpu_shares && res->cpu_shares;
	bool io = res && res->has_blkio_weight && res->blkio_weight;
	if (!cpu && !io)
		return 0;
	cleanup_bus sd_bus *bus = NULL;
	int r = bus_open(&bus, err);
	if (r < 0)
		return r;
	cleanup_msg sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	if ((r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
						"SetUnitProperties")) < 0 ||
	    (r = sd_bus_message_append(m, "sb", unit, 1)) < 0 ||
	    (r = sd_bus_message_open_container(m, 'a', "(sv)")) < 0 ||
	    (r = append_weights(m, res)) < 0 || (r = sd_bus_message_close_container(m)) < 0)
		return bus_fail(err, r, NULL, "build SetUnitProperties");
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		zerr_setx(err, -r, "systemd: set the weights of %s: %s", unit,
			  sd_bus_error_is_set(&e) ? e.message : strerror(-r));
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}
