/* cmd_rctl.c - zonectl set (resource controls, live on a running zone)
 * and zonectl stat (what zones use, from their cgroups' counters). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

int cmd_set(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (ch != 'h')
			return cli_usage_error(argv[0], "bad option");
		cli_print_usage(cli_find(argv[0]), stdout);
		return 0;
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "a zone name is required");
	if (optind + 1 >= argc)
		return cli_usage_error(argv[0], "nothing to set (KEY=VALUE...)");
	struct zerr err = {0};
	if (zone_set(&c->ctx, argv[optind], argv + optind + 1, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* ---- stat -------------------------------------------------------------- */

struct zstat {
	char *name;
	struct zone_meter *m;
	struct zone_usage prev, cur;
	bool gone;
};

struct stat_opts {
	bool json;
	double interval; /* seconds; 0 = one-shot */
	long count;      /* rounds with -i; 0 = until interrupted */
};

static double cpu_pct(const struct zstat *z)
{
	uint64_t dt = z->cur.at_ns - z->prev.at_ns;
	if (!dt || z->cur.cpu_ns < z->prev.cpu_ns)
		return 0;
	return (double)(z->cur.cpu_ns - z->prev.cpu_ns) * 100.0 / (double)dt;
}

static double cap_pct(const struct zone_usage *u)
{
	if (u->cpu_quota < 0 || !u->cpu_period)
		return -1;
	return (double)u->cpu_quota * 100.0 / (double)u->cpu_period;
}

static void human(char *buf, size_t len, int64_t v)
{
	static const char units[] = "BKMGTP";
	double d = (double)v;
	size_t i = 0;
	if (v < 0) {
		snprintf(buf, len, "-");
		return;
	}
	while (d >= 1024 && i < sizeof(units) - 2) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f%c" : "%.0f%c", d, units[i]);
}

static void print_table(struct zstat *z, size_t n)
{
	printf("%-20s %6s %6s %8s %8s %11s %9s %9s %15s\n", "NAME", "CPU%", "CAP%", "MEM",
	       "MEM-CAP", "PROCS", "OOM-KILLS", "THROTTLED", "DISK");
	for (size_t i = 0; i < n; i++) {
		if (z[i].gone)
			continue;
		const struct zone_usage *u = &z[i].cur;
		char cap[16] = "-", mem[16], memcap[16], procs[32], disk[40] = "-", du[16], ds[16];
		if (cap_pct(u) >= 0)
			snprintf(cap, sizeof(cap), "%.0f", cap_pct(u));
		human(mem, sizeof(mem), u->has_memory ? (int64_t)u->mem_bytes : -1);
		human(memcap, sizeof(memcap), u->mem_limit);
		if (u->pids_limit >= 0)
			snprintf(procs, sizeof(procs), "%" PRIu64 "/%" PRId64, u->pids,
				 u->pids_limit);
		else
			snprintf(procs, sizeof(procs), "%" PRIu64, u->pids);
		if (u->has_disk) {
			human(du, sizeof(du), (int64_t)u->disk_used);
			human(ds, sizeof(ds), (int64_t)u->disk_size);
			snprintf(disk, sizeof(disk), "%s/%s", du, ds);
		}
		printf("%-20s %6.1f %6s %8s %8s %11s %9" PRIu64 " %8.2fs %15s\n", z[i].name,
		       cpu_pct(&z[i]), cap, mem, memcap, procs, u->oom_kills,
		       (double)u->throttled_ns / 1e9, disk);
	}
}

static void zone_json(struct jw *w, const struct zstat *z, long ncpu)
{
	const struct zone_usage *u = &z->cur;
	double cpu = cpu_pct(z), cap = cap_pct(u);
	jw_obj_open(w);
	jw_key(w, "name");
	jw_str(w, z->name);
	cli_jw_pct(w, "interval_seconds", (double)(u->at_ns - z->prev.at_ns) / 1e9);
	cli_jw_pct(w, "cpu_percent", cpu);
	cli_jw_pct(w, "cpu_percent_machine", cpu / (double)ncpu);
	cli_jw_pct(w, "cpu_cap_percent", cap);
	cli_jw_pct(w, "cpu_percent_of_cap", cap > 0 ? cpu * 100.0 / cap : -1);
	jw_kuint(w, "cpu_usage_ns", u->cpu_ns);
	jw_kuint(w, "nr_throttled", u->nr_throttled);
	jw_kuint(w, "throttled_ns", u->throttled_ns);
	jw_kuint(w, "memory_bytes", u->mem_bytes);
	cli_jw_limit(w, "memory_limit", u->mem_limit);
	jw_kuint(w, "memory_cache_bytes", u->mem_cache);
	cli_jw_count(w, "memory_swap_bytes", u->has_swap, u->swap_bytes);
	cli_jw_limit(w, "memory_swap_limit", u->swap_limit);
	jw_kuint(w, "oom_kills", u->oom_kills);
	jw_kuint(w, "memory_failcnt", u->mem_failcnt);
	jw_kuint(w, "processes", u->pids);
	cli_jw_limit(w, "processes_limit", u->pids_limit);
	jw_kuint(w, "io_read_bytes", u->io_read_bytes);
	jw_kuint(w, "io_write_bytes", u->io_write_bytes);
	jw_kuint(w, "io_read_ops", u->io_read_ops);
	jw_kuint(w, "io_write_ops", u->io_write_ops);
	/* null: the zone has no disk of its own (its files are the host's) */
	cli_jw_count(w, "disk_bytes", u->has_disk, u->disk_used);
	cli_jw_count(w, "disk_size_bytes", u->has_disk, u->disk_size);
	jw_obj_close(w);
}

static int print_json(struct zstat *z, size_t n, bool pretty)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct jw *w = jw_new(pretty);
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		if (!z[i].gone)
			zone_json(w, &z[i], ncpu > 0 ? ncpu : 1);
	jw_arr_close(w);
	return cli_jw_print(w, !pretty);
}

static void sample(struct zstat *z, size_t n, bool first)
{
	for (size_t i = 0; i < n; i++) {
		if (z[i].gone)
			continue;
		if (!first)
			z[i].prev = z[i].cur;
		if (zone_meter_read(z[i].m, &z[i].cur) < 0)
			z[i].gone = true; /* halted meanwhile */
	}
}

static int stat_loop(struct zstat *z, size_t n, const struct stat_opts *o)
{
	sample(z, n, true);
	for (long round = 0; !o->count || round < o->count; round++) {
		cli_sleep(o->interval > 0 ? o->interval : 0.2);
		sample(z, n, false);
		if (o->json ? print_json(z, n, o->interval <= 0) : (print_table(z, n), 0))
			return 1;
		if (o->interval <= 0)
			break;
		if (!o->json)
			putchar('\n');
		fflush(stdout);
	}
	return 0;
}

/* Named zones must be running; with no names, every running zone. */
static int collect(struct cli *c, int argc, char **argv, struct zstat **out, size_t *n)
{
	struct zerr err = {0};
	*n = 0;
	if (optind < argc) {
		*out = xcalloc((size_t)(argc - optind), sizeof(**out));
		for (int i = optind; i < argc; i++, (*n)++) {
			(*out)[*n].name = xstrdup(argv[i]);
			if (zone_meter_open(&c->ctx, argv[i], &(*out)[*n].m, &err) < 0)
				return cli_fail(&err);
		}
		return 0;
	}
	struct zone_info *zi = NULL;
	size_t nz = 0;
	if (zone_list(&c->ctx, &zi, &nz, &err) < 0)
		return cli_fail(&err);
	*out = xcalloc(nz + 1, sizeof(**out));
	for (size_t i = 0; i < nz; i++) {
		struct zstat *s = &(*out)[*n];
		if (zi[i].state != ZS_RUNNING ||
		    zone_meter_open(&c->ctx, zi[i].name, &s->m, NULL) < 0)
			continue;
		s->name = xstrdup(zi[i].name);
		(*n)++;
	}
	for (size_t i = 0; i < nz; i++)
		zone_info_free(&zi[i]);
	free(zi);
	return 0;
}

static int stat_opts_parse(int argc, char **argv, struct stat_opts *o)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'i'},
		{"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int ch;
	char *end;
	while ((ch = getopt_long(argc, argv, "o:i:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return cli_usage_error(argv[0], "-o takes table or json, not `%s`",
						       optarg);
			o->json = !strcmp(optarg, "json");
			break;
		case 'i':
			o->interval = strtod(optarg, &end);
			if (*end || !(o->interval >= 0.1 && o->interval <= 86400))
				return cli_usage_error(
					argv[0], "-i takes seconds from 0.1 to 86400, not `%s`",
					optarg);
			break;
		case 'c':
			o->count = strtol(optarg, &end, 10);
			if (*end || o->count < 1)
				return cli_usage_error(argv[0],
						       "-c takes a count of at least 1, not `%s`",
						       optarg);
			break;
		case 'h': cli_print_usage(cli_find(argv[0]), stdout); return 0;
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	if (o->count && o->interval <= 0)
		return cli_usage_error(argv[0], "-c needs -i");
	return -1;
}

int cmd_stat(struct cli *c, int argc, char **argv)
{
	struct stat_opts o = {0};
	int r = stat_opts_parse(argc, argv, &o);
	if (r >= 0)
		return r;
	struct zstat *z = NULL;
	size_t n = 0;
	r = collect(c, argc, argv, &z, &n);
	if (r == 0)
		r = stat_loop(z, n, &o);
	for (size_t i = 0; i < n; i++) {
		zone_meter_free(z[i].m);
		free(z[i].name);
	}
	free(z);
	return r;
}
