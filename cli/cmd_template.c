/* cmd_template.c - zonectl template create|list|delete. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static int template_create(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"debootstrap", required_argument, NULL, 'd'},
		{"include", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct zone_template_opts o = {0};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f': o.from = optarg; break;
		case 'd': o.debootstrap = optarg; break;
		case 'i': o.include = optarg; break;
		case 'h': cli_print_usage(cli_find("template"), stdout); return 0;
		default: return cli_usage_error("template", "bad option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("template", "create takes one NAME");
	if (!o.from == !o.debootstrap)
		return cli_usage_error("template",
				       "create needs --from DIR|TARBALL or --debootstrap SUITE");
	struct zerr err = {0};
	return zone_template_create(&c->ctx, argv[optind], &o, &err) < 0 ? cli_fail(&err) : 0;
}

static void human(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "BKMGT";
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void age(char *buf, size_t len, int64_t created)
{
	int64_t s = time(NULL) - created;
	if (s < 0)
		s = 0;
	if (s < 3600)
		snprintf(buf, len, "%lldm", (long long)s / 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh", (long long)s / 3600);
	else
		snprintf(buf, len, "%lldd", (long long)s / 86400);
}

static int print_templates(const struct zone_template_info *t, size_t n, bool json)
{
	if (json) {
		struct jw *w = jw_new(true);
		jw_arr_open(w);
		for (size_t i = 0; i < n; i++) {
			jw_obj_open(w);
			jw_kstr(w, "name", t[i].name);
			jw_kstr(w, "source", t[i].source);
			jw_kint(w, "created", t[i].created);
			jw_kuint(w, "size", t[i].size);
			jw_key(w, "zones");
			jw_strv(w, t[i].zones);
			jw_obj_close(w);
		}
		jw_arr_close(w);
		return cli_jw_print(w, false);
	}
	printf("%-20s %-8s %-5s %-6s %s\n", "NAME", "SIZE", "AGE", "ZONES", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		char size[16], when[24];
		human(size, sizeof(size), t[i].size);
		age(when, sizeof(when), t[i].created);
		printf("%-20s %-8s %-5s %-6zu %s\n", t[i].name, size, when, strv_len(t[i].zones),
		       t[i].source);
	}
	return 0;
}

static int template_list(struct cli *c, int argc, char **argv)
{
	bool json;
	int rc = cli_listing_opts(argc, argv, "template", &json);
	if (rc >= 0)
		return rc;
	struct zerr err = {0};
	struct zone_template_info *t = NULL;
	size_t n = 0;
	if (zone_template_list(&c->ctx, &t, &n, &err) < 0)
		return cli_fail(&err);
	rc = print_templates(t, n, json);
	for (size_t i = 0; i < n; i++)
		zone_template_info_free(&t[i]);
	free(t);
	return rc;
}

int cmd_template(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_print_usage(cli_find("template"), argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	argc--, argv++;
	optind = 0;
	if (!strcmp(sub, "create"))
		return template_create(c, argc, argv);
	if (!strcmp(sub, "list"))
		return template_list(c, argc, argv);
	if (!strcmp(sub, "delete")) {
		if (argc != 2)
			return cli_usage_error("template", "delete takes one NAME");
		struct zerr err = {0};
		return zone_template_delete(&c->ctx, argv[1], &err) < 0 ? cli_fail(&err) : 0;
	}
	return cli_usage_error("template", "unknown sub-command `%s` (create, list, delete)", sub);
}
