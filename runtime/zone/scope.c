/* scope.c - a zone on a host run by systemd: the systemd scope its
 * monitor and processes live in (rctl/systemd.c starts it), and its entry
 * in systemd-machined, so that `machinectl list` shows it and `machinectl
 * poweroff` and `terminate` reach it.
 *
 * Names. A zone's scope is zonectl-NAME.scope in the slice --cgroup-parent
 * names (machine.slice by default); an OCI container's is runc's choice,
 * from cgroupsPath "slice:prefix:name": prefix-name.scope in slice, as
 * podman (machine.slice:libpod:ID) and kubelet's systemd driver write it.
 * A machine's name must be a valid host name: a zone name's '_' becomes
 * '-' there (zonectl's names are otherwise host names already).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <sys/random.h>

#include "runtime.h"

/* runc's reading of cgroupsPath under the systemd driver */
static int oci_scope(const char *name, const char *path, char **slice, char **unit,
		     struct zerr *err)
{
	const char *c1 = strchr(path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return zerr_setx(err, EINVAL,
				 "zone %s: config: linux.cgroupsPath `%s`: the systemd "
				 "cgroup manager wants \"slice:prefix:name\"",
				 name, path);
	*slice = c1 == path ? xstrdup("system.slice") : xstrndup(path, (size_t)(c1 - path));
	*unit = xasprintf("%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	return 0;
}

int zone_scope_start(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
		     char **unit, struct zerr *err)
{
	cleanup_free char *slice = NULL, *scope = NULL;
	int r = rctl_systemd_check(err);
	if (r < 0)
		return zerr_prefix(err, "zone %s", name);
	if (cfg->brand == ZONE_BRAND_OCI && cfg->cgroups_path && *cfg->cgroups_path) {
		if ((r = oci_scope(name, cfg->cgroups_path, &slice, &scope, err)) < 0)
			return r;
	} else {
		slice = xstrdup(ctx->cgroup_parent ? ctx->cgroup_parent : "machine.slice");
		scope = xasprintf("zonectl-%s.scope", name);
	}
	cleanup_free char *what = xasprintf("zonectl zone %s", name);
	char *before[] = {"zonectl.service", NULL};
	if ((r = rctl_systemd_scope(scope, slice, getpid(), what, before, &cfg->resources, err)) <
	    0)
		return zerr_prefix(err, "zone %s", name);
	*unit = scope;
	scope = NULL;
	return 0;
}

/* ---- systemd-machined ------------------------------------------------------ */

static bool hostname_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      (s[i] == '.' && s[i + 1] != '.')))
			return false;
	return true;
}

char *zone_machine_name(const char *name)
{
	char *m = xstrdup(name);
	for (char *s = m; *s; s++)
		if (*s == '_')
			*s = '-';
	if (!hostname_ok(m)) {
		free(m);
		return NULL;
	}
	return m;
}

int zone_machine_register(const char *name, pid_t leader, const char *root, struct zerr *err)
{
	cleanup_free char *machine = zone_machine_name(name);
	if (!machine)
		return zerr_setx(err, EINVAL, "zone %s: not a valid machine name", name);
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);
	if (r < 0)
		return zerr_set(err, -r, "zone %s: machined: the system bus", name);
	uint8_t id[16];
	if (getrandom(id, sizeof(id), 0) != sizeof(id))
		memset(id, 0, sizeof(id));
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.machine1",
					   "/org/freedesktop/machine1",
					   "org.freedesktop.machine1.Manager", "RegisterMachine");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", machine);
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', id, sizeof(id));
	if (r >= 0)
		r = sd_bus_message_append(m, "ssus", "zonectl", "container", (uint32_t)leader,
					  root);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		zerr_setx(err, -r, "zone %s: register with systemd-machined as %s: %s", name,
			  machine, sd_bus_error_is_set(&e) ? e.message : strerror(-r));
	sd_bus_error_free(&e);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}
