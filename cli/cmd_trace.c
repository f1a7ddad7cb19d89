/* cmd_trace.c - `zonectl profile` and `zonectl trace`: one zone, several
 * or all, seen from the host. The runtime gathers (zone_trace); this file
 * parses the command line and prints: ranked stacks, folded stacks, log2
 * histograms as the classic BPF tools print them, JSON, and the flame
 * graph (flame.c). */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

enum out { OUT_TABLE, OUT_JSON, OUT_FOLDED };

struct show {
	enum out out;
	const char *svg;
	int top; /* stacks printed in the table */
	int rc;
};

static volatile int stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: wake the sleep */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* "512ns", "1.5us", "16ms", "2.1s" */
static void fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.4gus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.4gms", ns / 1e6);
	else
		snprintf(buf, len, "%.4gs", ns / 1e9);
}

static void print_hist(const struct trace_report *r, const struct trace_hist *h)
{
	int lo = TRACE_HIST_SLOTS, hi = -1;
	uint64_t max = 0, total = 0;
	for (int k = 0; k < TRACE_HIST_SLOTS; k++)
		if (h->slot[k]) {
			lo = k < lo ? k : lo;
			hi = k;
			max = h->slot[k] > max ? h->slot[k] : max;
			total += h->slot[k];
		}
	printf("zone %s: %s, %" PRIu64 " events\n", r->zones[h->zone].name, h->label, total);
	if (hi < 0)
		return;
	printf("%22s : %-10s %s\n", "range", "count", "distribution");
	for (int k = lo; k <= hi; k++) {
		char a[16], b[16], bar[41];
		fmt_ns(a, sizeof(a), k == 0 ? 0 : (double)(1ull << k));
		fmt_ns(b, sizeof(b), (double)(1ull << (k + 1)));
		int stars = (int)(40 * h->slot[k] / max);
		memset(bar, '*', (size_t)stars);
		memset(bar + stars, ' ', (size_t)(40 - stars));
		bar[40] = '\0';
		printf("%9s -> %-9s : %-10" PRIu64 " |%s|\n", a, b, h->slot[k], bar);
	}
}

static void print_stacks(const struct trace_report *r, int top, bool ns)
{
	uint64_t total = 0;
	for (size_t i = 0; i < r->nstacks; i++)
		total += r->stacks[i].value;
	printf("%10s %6s  %-12s %-13s %-15s %s\n", ns ? "OFF-CPU" : "SAMPLES", "%", "ZONE",
	       "PID(ZONE)", "COMM", "STACK (innermost first)");
	for (size_t i = 0; i < r->nstacks && (int)i < top; i++) {
		const struct trace_stack *s = &r->stacks[i];
		char v[24], pid[32];
		if (ns)
			fmt_ns(v, sizeof(v), (double)s->value);
		else
			snprintf(v, sizeof(v), "%" PRIu64, s->value);
		snprintf(pid, sizeof(pid), "%d(%d)", (int)s->pid, (int)s->zpid);
		printf("%10s %6.2f  %-12s %-13s %-15s ", v,
		       total ? 100.0 * (double)s->value / (double)total : 0, r->zones[s->zone].name,
		       pid, s->comm);
		for (size_t k = 0; k < s->nframes && k < 8; k++)
			printf("%s%s", k ? " <- " : "", s->frames[k]);
		printf("%s\n", s->nframes > 8 ? " <- ..." : s->nframes ? "" : "[no stack]");
	}
}

static void print_folded(const struct trace_report *r, FILE *to)
{
	for (size_t i = 0; i < r->nstacks; i++) {
		const struct trace_stack *s = &r->stacks[i];
		fprintf(to, "%s;%s", r->zones[s->zone].name, s->comm);
		for (size_t k = s->nframes; k-- > 0;)
			fprintf(to, ";%s", s->frames[k]);
		fprintf(to, " %" PRIu64 "\n", s->value);
	}
}

static void print_table(const struct trace_report *r, int top)
{
	const char *tool = trace_tool_name(r->tool);
	printf("%s of", tool);
	for (size_t i = 0; i < r->nzones; i++)
		printf("%s %s%s", i ? "," : "", r->zones[i].name,
		       r->zones[i].halted ? " (halted)" : "");
	if (r->tool == TRACE_PROFILE)
		printf(": %u Hz per CPU", r->hz);
	printf(", %.1f s\n", r->secs);
	if (r->tool == TRACE_PROFILE || r->tool == TRACE_OFFCPU)
		print_stacks(r, top, r->tool == TRACE_OFFCPU);
	if (r->tool == TRACE_SYSCALLS && r->nsys) {
		printf("%-12s %-20s %12s %12s %12s %12s\n", "ZONE", "SYSCALL", "COUNT", "TOTAL",
		       "AVG", "MAX");
		for (size_t i = 0; i < r->nsys && (int)i < top; i++) {
			const struct trace_sys *s = &r->sys[i];
			char t[16], a[16], m[16];
			fmt_ns(t, sizeof(t), (double)s->total_ns);
			fmt_ns(a, sizeof(a), s->count ? (double)s->total_ns / (double)s->count : 0);
			fmt_ns(m, sizeof(m), (double)s->max_ns);
			printf("%-12s %-20s %12" PRIu64 " %12s %12s %12s\n", r->zones[s->zone].name,
			       s->name, s->count, t, a, m);
		}
	}
	for (size_t i = 0; i < r->nzones && r->tool == TRACE_TCP; i++) {
		const struct trace_tcp *t = &r->zones[i].tcp;
		printf("zone %s: tcp connects %" PRIu64 ", retransmits %" PRIu64
		       ", resets sent %" PRIu64 ", resets received %" PRIu64 "\n",
		       r->zones[i].name, t->connects, t->retrans, t->rst_sent, t->rst_recv);
	}
	for (size_t i = 0; i < r->nhists; i++)
		if (r->tool != TRACE_OFFCPU)
			print_hist(r, &r->hists[i]);
	for (size_t i = 0; i < r->nzones && r->tool == TRACE_RUNQLAT; i++) {
		char t[16];
		fmt_ns(t, sizeof(t), (double)r->zones[i].throttled_ns);
		if (r->zones[i].capped)
			printf("zone %s: its CPU cap throttled it in %" PRIu64
			       " periods, %s in all\n",
			       r->zones[i].name, r->zones[i].throttled, t);
		else
			printf("zone %s: no CPU cap\n", r->zones[i].name);
	}
	if (r->lost)
		printf("(%" PRIu64 " samples lost their stacks: the stack map was full)\n",
		       r->lost);
	fflush(stdout);
}

static void json_stacks(struct jw *w, const struct trace_report *r)
{
	jw_key(w, "stacks");
	jw_arr_open(w);
	for (size_t i = 0; i < r->nstacks; i++) {
		const struct trace_stack *s = &r->stacks[i];
		jw_obj_open(w);
		jw_kstr(w, "zone", r->zones[s->zone].name);
		jw_kint(w, "pid", s->pid);
		jw_kint(w, "zone_pid", s->zpid);
		jw_kstr(w, "comm", s->comm);
		jw_kuint(w, r->tool == TRACE_OFFCPU ? "ns" : "samples", s->value);
		jw_key(w, "frames");
		jw_arr_open(w);
		for (size_t k = 0; k < s->nframes; k++)
			jw_str(w, s->frames[k]);
		jw_arr_close(w);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void json_rest(struct jw *w, const struct trace_report *r)
{
	jw_key(w, "histograms");
	jw_arr_open(w);
	for (size_t i = 0; i < r->nhists; i++) {
		jw_obj_open(w);
		jw_kstr(w, "zone", r->zones[r->hists[i].zone].name);
		jw_kstr(w, "what", r->hists[i].label);
		jw_key(w, "buckets"); /* [low, high) nanoseconds */
		jw_arr_open(w);
		for (int k = 0; k < TRACE_HIST_SLOTS; k++)
			if (r->hists[i].slot[k]) {
				jw_obj_open(w);
				jw_kuint(w, "low_ns", k ? 1ull << k : 0);
				jw_kuint(w, "high_ns", 1ull << (k + 1));
				jw_kuint(w, "count", r->hists[i].slot[k]);
				jw_obj_close(w);
			}
		jw_arr_close(w);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_key(w, "syscalls");
	jw_arr_open(w);
	for (size_t i = 0; i < r->nsys; i++) {
		jw_obj_open(w);
		jw_kstr(w, "zone", r->zones[r->sys[i].zone].name);
		jw_kstr(w, "syscall", r->sys[i].name);
		jw_kuint(w, "count", r->sys[i].count);
		jw_kuint(w, "total_ns", r->sys[i].total_ns);
		jw_kuint(w, "max_ns", r->sys[i].max_ns);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static int print_json(const struct trace_report *r)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "tool", trace_tool_name(r->tool));
	jw_kuint(w, "milliseconds", (uint64_t)(r->secs * 1000 + 0.5));
	if (r->tool == TRACE_PROFILE)
		jw_kuint(w, "hz", r->hz);
	jw_key(w, "zones");
	jw_arr_open(w);
	for (size_t i = 0; i < r->nzones; i++) {
		const struct trace_zone *z = &r->zones[i];
		jw_obj_open(w);
		jw_kstr(w, "name", z->name);
		jw_kbool(w, "halted", z->halted);
		jw_kbool(w, "cpu_capped", z->capped);
		jw_kuint(w, "throttled_periods", z->throttled);
		jw_kuint(w, "throttled_ns", z->throttled_ns);
		if (r->tool == TRACE_TCP) {
			jw_key(w, "tcp");
			jw_obj_open(w);
			jw_kuint(w, "connects", z->tcp.connects);
			jw_kuint(w, "retransmits", z->tcp.retrans);
			jw_kuint(w, "resets_sent", z->tcp.rst_sent);
			jw_kuint(w, "resets_received", z->tcp.rst_recv);
			jw_obj_close(w);
		}
		jw_obj_close(w);
	}
	jw_arr_close(w);
	if (r->tool == TRACE_PROFILE || r->tool == TRACE_OFFCPU)
		json_stacks(w, r);
	json_rest(w, r);
	jw_kuint(w, "lost", r->lost);
	jw_obj_close(w);
	return cli_jw_print(w, true);
}

static int show(const struct trace_report *r, void *arg)
{
	struct show *s = arg;
	if (s->out == OUT_JSON)
		s->rc |= print_json(r);
	else if (s->out == OUT_FOLDED)
		print_folded(r, stdout);
	else
		print_table(r, s->top);
	if (r->last && s->svg && cli_flamegraph(r, s->svg) < 0)
		s->rc = 1;
	if (r->last)
		for (size_t i = 0; i < r->nzones; i++)
			if (r->zones[i].halted)
				fprintf(stderr, "zonectl: zone %s halted: its trace ends here\n",
					r->zones[i].name);
	fflush(stdout);
	return 0;
}

/* A positive number of seconds (fractions allowed). */
static int seconds(const char *verb, const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end || !(v > 0) || v > 86400)
		return cli_usage_error(verb, "%s takes a duration in seconds above 0, not `%s`",
				       opt, s);
	*out = v;
	return 0;
}

static int trace_main(struct cli *c, int argc, char **argv, bool profile)
{
	static const struct option opts[] = {
		{"frequency", required_argument, NULL, 'F'},
		{"duration", required_argument, NULL, 'd'},
		{"interval", required_argument, NULL, 'i'},
		{"kernel", no_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"svg", required_argument, NULL, 's'},
		{"top", required_argument, NULL, 'n'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *verb = argv[0];
	struct zone_trace_opts o = {.hz = 49, .secs = profile ? 5 : -1, .stop = &stopping};
	struct show s = {.top = 20};
	bool all = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "F:d:i:ko:n:ah", opts, NULL)) != -1) {
		char *end;
		long v;
		switch (ch) {
		case 'F':
			v = strtol(optarg, &end, 10);
			if (!profile || *end || v < 1 || v > 10000)
				return cli_usage_error(
					verb,
					profile ? "-F takes samples per second, 1 to 10000, not `%s`"
						: "-F is profile's: %s",
					optarg);
			o.hz = (unsigned)v;
			break;
		case 'd':
			if (seconds(verb, "-d", optarg, &o.secs))
				return 2;
			break;
		case 'i':
			if (seconds(verb, "-i", optarg, &o.interval_s))
				return 2;
			break;
		case 'k': o.kernel = true; break;
		case 'a': all = true; break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || v < 1)
				return cli_usage_error(
					verb, "--top takes a count above 0, not `%s`", optarg);
			s.top = (int)v;
			break;
		case 's':
			if (!profile)
				return cli_usage_error(verb, "--svg is profile's");
			s.svg = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				s.out = OUT_JSON;
			else if (!strcmp(optarg, "folded"))
				s.out = OUT_FOLDED;
			else if (strcmp(optarg, "table"))
				return cli_usage_error(
					verb, "-o takes table, folded or json, not `%s`", optarg);
			break;
		case 'h': cli_print_usage(cli_find(verb), stdout); return 0;
		default: return cli_usage_error(verb, "bad option");
		}
	}
	char **names = argv + optind;
	int n = argc - optind;
	if (profile)
		o.tool = TRACE_PROFILE;
	else {
		if (n < 1)
			return cli_usage_error(
				verb, "which tracer? runqlat, offcpu, syscalls, tcp or io");
		if (trace_tool_parse(argv[argc - 1], &o.tool) < 0 || o.tool == TRACE_PROFILE)
			return cli_usage_error(
				verb, "no tracer `%s`: runqlat, offcpu, syscalls, tcp or io",
				argv[argc - 1]);
		n--;
	}
	if (s.out == OUT_FOLDED && o.tool != TRACE_PROFILE && o.tool != TRACE_OFFCPU)
		return cli_usage_error(verb, "-o folded is for stacks: profile and offcpu");
	if (n == 0 && !all)
		return cli_usage_error(verb, "which zone? name one or more, or --all");
	if (n > 0 && all)
		return cli_usage_error(verb, "--all or names, not both");
	cleanup_strv char **list = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		list[i] = xstrdup(names[i]);
	catch_signals();
	struct zerr err = {0};
	if (zone_trace(&c->ctx, list, &o, show, &s, &err) < 0)
		return cli_fail(&err);
	return s.rc;
}

int cmd_profile(struct cli *c, int argc, char **argv)
{
	return trace_main(c, argc, argv, true);
}

int cmd_trace(struct cli *c, int argc, char **argv)
{
	return trace_main(c, argc, argv, false);
}
