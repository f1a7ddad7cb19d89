/* cmd_ps.c - zonectl ps (every process, with its zone: ps -Z, prstat -Z)
 * and zonectl top (what each zone uses, refreshed in place). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

/* ---- ps ----------------------------------------------------------------- */

static const char *user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);
	if (pw)
		return pw->pw_name;
	snprintf(buf, len, "%u", uid);
	return buf;
}

static void ps_table(const struct zone_proc *p, size_t n, bool show_zone)
{
	long hz = sysconf(_SC_CLK_TCK);
	if (show_zone)
		printf("%-16s ", "ZONE");
	printf("%7s %7s %-10s %s %8s %s\n", "PID", "PPID", "USER", "S", "TIME", "CMD");
	for (size_t i = 0; i < n; i++) {
		char ubuf[16];
		uint64_t s = p[i].cpu_ticks / (uint64_t)(hz > 0 ? hz : 100);
		if (show_zone)
			printf("%-16s ", p[i].zone);
		printf("%7d %7d %-10s %c %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 " %s\n", p[i].pid,
		       p[i].ppid, user_name(p[i].uid, ubuf, sizeof(ubuf)), p[i].state, s / 3600,
		       s / 60 % 60, s % 60, p[i].cmd);
	}
}

static int ps_json(const struct zone_proc *p, size_t n)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct jw *w = jw_new(true);
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++) {
		char st[2] = {p[i].state, '\0'};
		jw_obj_open(w);
		jw_kint(w, "pid", p[i].pid);
		jw_kint(w, "ppid", p[i].ppid);
		jw_kstr(w, "zone", p[i].zone);
		jw_kuint(w, "uid", p[i].uid);
		jw_kstr(w, "state", st);
		jw_kuint(w, "cpu_ticks", p[i].cpu_ticks);
		jw_kuint(w, "clock_ticks_per_second", (uint64_t)(hz > 0 ? hz : 100));
		jw_kuint(w, "rss_bytes", p[i].rss_bytes);
		jw_kstr(w, "command", p[i].cmd);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	return cli_jw_print(w, false);
}

static int output_opt(const char *cmd, const char *arg, bool *json)
{
	if (strcmp(arg, "json") && strcmp(arg, "table"))
		return cli_usage_error(cmd, "-o takes table or json, not `%s`", arg);
	*json = !strcmp(arg, "json");
	return -1;
}

int cmd_ps(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", no_argument, NULL, 'Z'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool show_zone = false, json = false;
	int ch, r;
	while ((ch = getopt_long(argc, argv, "Zo:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'Z': show_zone = true; break;
		case 'o':
			if ((r = output_opt(argv[0], optarg, &json)) >= 0)
				return r;
			break;
		case 'h': cli_print_usage(cli_find(argv[0]), stdout); return 0;
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(argv[0], "at most one zone name");
	struct zerr err = {0};
	struct zone_proc *p = NULL;
	size_t n = 0;
	int rc = 0;
	if (zone_ps(&c->ctx, optind < argc ? argv[optind] : NULL, &p, &n, &err) < 0)
		rc = cli_fail(&err);
	else if (json)
		rc = ps_json(p, n);
	else
		ps_table(p, n, show_zone);
	zone_ps_free(p, n);
	return rc;
}

/* ---- top ------------------------------------------------------------------ */

struct top_row {
	char *name;
	struct zone_meter *m;
	struct zone_usage prev, cur;
	bool ok;
};

static void top_sample(struct top_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rows[i].prev = rows[i].cur;
		rows[i].ok = zone_meter_read(rows[i].m, &rows[i].cur) == 0;
	}
}

/* Every running zone, with a meter each. */
static struct top_row *top_rows(struct cli *c, size_t *n, struct zerr *err)
{
	struct zone_info *all = NULL;
	size_t nz = 0;
	*n = 0;
	if (zone_list(&c->ctx, &all, &nz, err) < 0)
		return NULL;
	struct top_row *rows = xcalloc(nz + 1, sizeof(*rows));
	for (size_t i = 0; i < nz; i++) {
		if (all[i].state == ZS_RUNNING &&
		    zone_meter_open(&c->ctx, all[i].name, &rows[*n].m, NULL) == 0)
			rows[(*n)++].name = xstrdup(all[i].name);
		zone_info_free(&all[i]);
	}
	free(all);
	return rows;
}

static double top_cpu(const struct top_row *r)
{
	uint64_t dt = r->cur.at_ns - r->prev.at_ns;
	if (!dt || r->cur.cpu_ns < r->prev.cpu_ns)
		return 0;
	return (double)(r->cur.cpu_ns - r->prev.cpu_ns) * 100.0 / (double)dt;
}

static void mib(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1fM", (double)v / 1048576.0);
}

static void top_table(const struct top_row *rows, size_t n, bool tty)
{
	if (tty)
		fputs("\033[H\033[J", stdout);
	printf("%-20s %7s %9s %9s %6s %12s %12s\n", "ZONE", "CPU%", "MEM", "MEM-CAP", "PROCS",
	       "NET-RX", "NET-TX");
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];
		if (!r->ok)
			continue;
		char mem[16], cap[16], rx[24] = "-", tx[24] = "-";
		mib(mem, sizeof(mem), (int64_t)r->cur.mem_bytes);
		mib(cap, sizeof(cap), r->cur.mem_limit);
		if (r->cur.has_net) {
			snprintf(rx, sizeof(rx), "%" PRIu64, r->cur.net_rx);
			snprintf(tx, sizeof(tx), "%" PRIu64, r->cur.net_tx);
		}
		printf("%-20s %7.1f %9s %9s %6" PRIu64 " %12s %12s\n", r->name, top_cpu(r), mem,
		       cap, r->cur.pids, rx, tx);
	}
	fflush(stdout);
}

static int top_json(const struct top_row *rows, size_t n)
{
	struct jw *w = jw_new(false);
	jw_arr_open(w);
	for (size_t i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];
		if (!r->ok)
			continue;
		jw_obj_open(w);
		jw_kstr(w, "name", r->name);
		cli_jw_pct(w, "cpu_percent", top_cpu(r));
		jw_kuint(w, "memory_bytes", r->cur.mem_bytes);
		cli_jw_limit(w, "memory_limit", r->cur.mem_limit);
		jw_kuint(w, "processes", r->cur.pids);
		cli_jw_count(w, "net_rx_bytes", r->cur.has_net, r->cur.net_rx);
		cli_jw_count(w, "net_tx_bytes", r->cur.has_net, r->cur.net_tx);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	return cli_jw_print(w, true);
}

struct top_opts {
	bool json;
	long iterations; /* 0 = until interrupted */
	double delay;
};

static int top_opts_parse(int argc, char **argv, struct top_opts *o)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"iterations", required_argument, NULL, 'n'},
		{"delay", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int ch, r;
	char *end;
	while ((ch = getopt_long(argc, argv, "o:n:d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if ((r = output_opt(argv[0], optarg, &o->json)) >= 0)
				return r;
			break;
		case 'n':
			o->iterations = strtol(optarg, &end, 10);
			if (*end || o->iterations < 1)
				return cli_usage_error(argv[0],
						       "-n takes a count of at least 1, not `%s`",
						       optarg);
			break;
		case 'd':
			o->delay = strtod(optarg, &end);
			if (*end || !(o->delay >= 0.1 && o->delay <= 86400))
				return cli_usage_error(
					argv[0], "-d takes seconds from 0.1 to 86400, not `%s`",
					optarg);
			break;
		case 'h': cli_print_usage(cli_find(argv[0]), stdout); return 0;
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "no operands expected");
	return -1;
}

int cmd_top(struct cli *c, int argc, char **argv)
{
	struct top_opts o = {.delay = 2};
	int r = top_opts_parse(argc, argv, &o);
	if (r >= 0)
		return r;
	/* A script gets one round unless it asks for more. */
	if (o.json && !o.iterations)
		o.iterations = 1;
	struct zerr err = {0};
	size_t n;
	struct top_row *rows = top_rows(c, &n, &err);
	if (!rows)
		return cli_fail(&err);
	bool tty = isatty(STDOUT_FILENO);
	top_sample(rows, n);
	/* The first figures come from a short first interval. */
	cli_sleep(o.delay < 0.5 ? o.delay : 0.5);
	for (long i = 0; !o.iterations || i < o.iterations; i++) {
		if (i)
			cli_sleep(o.delay);
		top_sample(rows, n);
		if (o.json ? top_json(rows, n) : (top_table(rows, n, tty), 0)) {
			r = 1;
			break;
		}
		if (!tty && !o.json)
			putchar('\n');
	}
	for (size_t i = 0; i < n; i++) {
		zone_meter_free(rows[i].m);
		free(rows[i].name);
	}
	free(rows);
	return r < 0 ? 0 : r;
}
