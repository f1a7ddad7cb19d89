/* cmd_list.c - zonectl list: NAME STATE BRAND INIT-PID UPTIME. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void uptime(char *buf, size_t len, uint64_t booted_ns)
{
	if (!booted_ns) {
		snprintf(buf, len, "-");
		return;
	}
	uint64_t now = wall_ns();
	uint64_t s = now > booted_ns ? (now - booted_ns) / 1000000000ull : 0;
	if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)s / 60,
			 (unsigned long long)s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lluh%02llum", (unsigned long long)s / 3600,
			 (unsigned long long)(s % 3600) / 60);
	else
		snprintf(buf, len, "%llud%02lluh", (unsigned long long)s / 86400,
			 (unsigned long long)(s % 86400) / 3600);
}

static void print_table(const struct zone_info *z, size_t n)
{
	printf("%-20s %-14s %-7s %-9s %s\n", "NAME", "STATE", "BRAND", "INIT-PID", "UPTIME");
	for (size_t i = 0; i < n; i++) {
		char up[32], pid[16] = "-";
		uptime(up, sizeof(up), z[i].booted_at_ns);
		if (z[i].init_pid > 0)
			snprintf(pid, sizeof(pid), "%d", z[i].init_pid);
		printf("%-20s %-14s %-7s %-9s %s\n", z[i].name, zone_state_name(z[i].state),
		       zone_brand_name(z[i].brand), pid, up);
	}
}

static int print_json(const struct zone_info *z, size_t n)
{
	struct jw *w = jw_new(true);
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(w);
		jw_kstr(w, "name", z[i].name);
		jw_kstr(w, "state", zone_state_name(z[i].state));
		jw_kstr(w, "brand", zone_brand_name(z[i].brand));
		jw_kbool(w, "autoboot", z[i].autoboot);
		cli_jw_count(w, "init_pid", z[i].init_pid > 0, (uint64_t)z[i].init_pid);
		cli_jw_count(w, "uptime_seconds", z[i].booted_at_ns,
			     (wall_ns() - z[i].booted_at_ns) / 1000000000ull);
		jw_kstr(w, "path", z[i].zone_dir);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	return cli_jw_print(w, false);
}

int cmd_list(struct cli *c, int argc, char **argv)
{
	bool json;
	int rc = cli_listing_opts(argc, argv, "list", &json);
	if (rc >= 0)
		return rc;
	struct zerr err = {0};
	struct zone_info *z = NULL;
	size_t n = 0;
	rc = 0;
	if (optind < argc) {
		z = xcalloc((size_t)(argc - optind), sizeof(*z));
		for (int i = optind; i < argc; i++) {
			if (zone_info_get(&c->ctx, argv[i], &z[n], &err) < 0) {
				rc = cli_fail(&err);
				continue;
			}
			n++;
		}
	} else if (zone_sweep(&c->ctx), zone_list(&c->ctx, &z, &n, &err) < 0) {
		return cli_fail(&err);
	}
	if (json ? print_json(z, n) : (print_table(z, n), 0))
		rc = 1;
	for (size_t i = 0; i < n; i++)
		zone_info_free(&z[i]);
	free(z);
	return rc;
}
