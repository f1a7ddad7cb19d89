/*
 * state.c - the state store and the state machine.
 *
 * A zone's configuration lives in /var/lib/zonectl/zones/NAME, its runtime
 * state in /run/zonectl/NAME/state.json. Every change happens under the
 * zone's lock (zlock of /run/zonectl/.locks/NAME) and is written to a
 * temporary name and renamed, so a crash of zonectl leaves the old or the
 * new state. state.json is not fsynced (write_file_replace): it describes
 * kernel objects that a host crash takes with it, the boot id says so, and
 * the fsyncs were 12 of an OCI run's 27 ms here. config.json, which must
 * outlive a host crash, is (write_file_atomic).
 *
 * /run survives crashes and reboots on some hosts, so the state is never
 * trusted: the monitor's pid counts only while its start time and the
 * host's boot id match what was recorded. When they do not, the next
 * command that takes the lock releases whatever the dead zone left (its
 * processes, its cgroups, its console socket) and says so. A zone's mounts
 * live only in its own mount namespace and vanish with its last process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "json.h"
#include "runtime.h"

static const char *const state_names[] = {
	[ZS_CONFIGURED] = "configured", [ZS_INSTALLED] = "installed",
	[ZS_BOOTING] = "booting",       [ZS_READY] = "ready",
	[ZS_RUNNING] = "running",       [ZS_SHUTTING_DOWN] = "shutting_down",
};

const char *zone_state_name(enum zone_state s)
{
	return s <= ZS_SHUTTING_DOWN ? state_names[s] : "unknown";
}

static int state_from_name(const char *s, enum zone_state *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(s, state_names[i])) {
			*out = (enum zone_state)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- the transition table ------------------------------------------- */

#define S(x) (1u << (x))
static const struct {
	const char *verb;
	unsigned allowed;
	const char *hint; /* what to do instead, by state */
} ops[] = {
	[ZOP_BOOT] = {"boot", S(ZS_INSTALLED), NULL},
	[ZOP_HALT] = {"halt", S(ZS_READY) | S(ZS_RUNNING) | S(ZS_SHUTTING_DOWN), NULL},
	[ZOP_REBOOT] = {"reboot", S(ZS_RUNNING), NULL},
	[ZOP_DELETE] = {"delete", S(ZS_CONFIGURED) | S(ZS_INSTALLED), NULL},
	[ZOP_LOGIN] = {"log in to", S(ZS_RUNNING), NULL},
	[ZOP_CONSOLE] = {"attach to the console of",
			 S(ZS_READY) | S(ZS_RUNNING) | S(ZS_SHUTTING_DOWN), NULL},
	[ZOP_SET] = {"set resource controls of", S(ZS_INSTALLED) | S(ZS_READY) | S(ZS_RUNNING),
		     NULL},
	[ZOP_NET] = {"show the network of", ~0u, NULL},
	[ZOP_START] = {"start", S(ZS_READY), NULL},
	[ZOP_KILL] = {"signal", S(ZS_READY) | S(ZS_RUNNING) | S(ZS_SHUTTING_DOWN), NULL},
	[ZOP_PAUSE] = {"pause or resume", S(ZS_READY) | S(ZS_RUNNING), NULL},
	[ZOP_EXEC] = {"exec in", S(ZS_RUNNING), NULL},
	[ZOP_GROW] = {"change the disk of", S(ZS_INSTALLED), NULL},
};

/* What each state holds of the kernel's: nothing (down), or a monitor
 * and init with their cgroups (live: set acts on those too). */
bool zone_state_down(enum zone_state s)
{
	return s == ZS_INSTALLED || s == ZS_CONFIGURED;
}

bool zone_state_live(enum zone_state s)
{
	return s == ZS_READY || s == ZS_RUNNING;
}

bool zone_op_allowed(enum zone_op op, enum zone_state s)
{
	return (ops[op].allowed & S(s)) != 0;
}

int zone_check_op(const char *name, enum zone_op op, enum zone_state s, struct zerr *err)
{
	if (zone_op_allowed(op, s))
		return 0;
	const char *hint = "";
	if (s == ZS_INSTALLED || s == ZS_CONFIGURED)
		hint = op == ZOP_HALT || op == ZOP_KILL ? " (it is not running)"
		       : op >= ZOP_START                ? " (it has stopped)"
							: " (boot it first)";
	else if (op == ZOP_BOOT)
		hint = " (halt it first, or use reboot)";
	else if (op == ZOP_DELETE)
		hint = " (halt it first, or use delete -f)";
	else if (op == ZOP_GROW)
		return zerr_setx(err, EBUSY,
				 "zone %s: cannot change the disk of a zone that is %s: a "
				 "disk grows while the zone is halted (zonectl halt %s first)",
				 name, zone_state_name(s), name);
	else if (s == ZS_BOOTING)
		hint = " (it is booting; try again in a moment)";
	return zerr_setx(err, EBUSY, "zone %s: cannot %s a zone that is %s%s", name, ops[op].verb,
			 zone_state_name(s), hint);
}

/* ---- locking -------------------------------------------------------- */

char *zone_lock_path(const struct zone_ctx *ctx, const char *name)
{
	/* a leading dot: no zone can be named so */
	return xasprintf("%s/.locks/%s", ctx->run_dir, name);
}

int zone_lock(const struct zone_ctx *ctx, const char *name, struct zerr *err)
{
	cleanup_free char *path = zone_lock_path(ctx, name);
	int fd = zlock(path, 0, err);
	return fd < 0 ? zerr_prefix(err, "zone %s", name) : fd;
}

int zone_trylock(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *path = zone_lock_path(ctx, name);
	return zlock(path, ZLOCK_TRY, NULL);
}

void zone_lock_remove(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *path = zone_lock_path(ctx, name);
	unlink(path);
}

/* ---- state.json ------------------------------------------------------ */

void zone_boot_id(char out[40])
{
	char *text = NULL;
	out[0] = '\0';
	if (read_file("/proc/sys/kernel/random/boot_id", &text, NULL, NULL) == 0) {
		snprintf(out, 40, "%s", text);
		out[strcspn(out, "\n")] = '\0';
	}
	free(text);
}

void zone_status_free(struct zone_status *st)
{
	rctl_cgroup_free(&st->cg);
	strv_free(st->net_made);
	memset(st, 0, sizeof(*st));
}

static int status_from_json(const char *name, const struct jv *doc, struct zone_status *st)
{
	const char *state, *boot_id;
	int64_t v;
	if (jv_string(jv_get(doc, "state"), "state", &state, NULL) < 0 ||
	    state_from_name(state, &st->state) < 0)
		return -EINVAL;
	if (jv_string(jv_get(doc, "boot_id"), "boot_id", &boot_id, NULL) == 0)
		snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
	if (jv_int64(jv_get(doc, "monitor_pid"), "m", &v, NULL) == 0)
		st->monitor_pid = (pid_t)v;
	if (jv_int64(jv_get(doc, "init_pid"), "i", &v, NULL) == 0)
		st->init_pid = (pid_t)v;
	uint64_t u;
	if (jv_uint64(jv_get(doc, "monitor_start"), "ms", &u, NULL) == 0)
		st->monitor_start = u;
	if (jv_uint64(jv_get(doc, "init_start"), "is", &u, NULL) == 0)
		st->init_start = u;
	if (jv_uint64(jv_get(doc, "booted_at_ns"), "b", &u, NULL) == 0)
		st->booted_at_ns = u;
	const struct jv *net = jv_get(doc, "net");
	if (net && jv_strv(net, "net", &st->net_made, NULL) < 0)
		return -EINVAL;
	int r = rctl_cgroup_from_json(name, doc, &st->cg);
	if (r == -ENOENT)
		return 0;
	st->has_cgroup = true;
	return r;
}

int zone_status_read(const struct zone_ctx *ctx, const char *name, struct zone_status *st,
		     struct zerr *err)
{
	memset(st, 0, sizeof(*st));
	st->state = ZS_INSTALLED;
	cleanup_free char *path = zone_run_file(ctx, name, "state.json");
	cleanup_free char *text = NULL;
	size_t len;
	if (read_file(path, &text, &len, NULL) < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "zone %s: read `%s`", name, path);
	cleanup_json struct jv *doc = NULL;
	if (json_parse(text, len, &doc, NULL) < 0 || status_from_json(name, doc, st) < 0) {
		/* A torn or foreign file: treat as a crashed zone so that
		 * repair releases whatever the cgroups still hold. */
		zone_status_free(st);
		st->state = ZS_BOOTING;
	}
	return 0;
}

int zone_status_write(const struct zone_ctx *ctx, const char *name, const struct zone_status *st,
		      struct zerr *err)
{
	cleanup_free char *dir = zone_run_dir(ctx, name);
	int r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return zerr_prefix(err, "zone %s", name);
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "state", zone_state_name(st->state));
	jw_kstr(w, "boot_id", st->boot_id);
	jw_kint(w, "monitor_pid", st->monitor_pid);
	jw_kuint(w, "monitor_start", st->monitor_start);
	jw_kint(w, "init_pid", st->init_pid);
	jw_kuint(w, "init_start", st->init_start);
	jw_kuint(w, "booted_at_ns", st->booted_at_ns);
	if (st->net_made) {
		jw_key(w, "net");
		jw_strv(w, st->net_made);
	}
	if (st->has_cgroup)
		rctl_cgroup_to_json(w, &st->cg);
	jw_obj_close(w);
	size_t len;
	cleanup_free char *text = jw_finish(w, &len);
	if (!text)
		return zerr_setx(err, EINVAL, "zone %s: cannot encode state", name);
	/* No fsync: after a host crash the boot id differs and the zone is
	 * repaired whatever the file says; rename keeps it whole against a
	 * crash of zonectl. */
	cleanup_free char *path = zone_run_file(ctx, name, "state.json");
	r = write_file_replace(path, text, len, 0600, err);
	return r < 0 ? zerr_prefix(err, "zone %s", name) : 0;
}

void zone_status_clear(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *dir = zone_run_dir(ctx, name);
	rm_rf(dir, NULL);
}
