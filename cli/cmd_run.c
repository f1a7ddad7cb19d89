/* cmd_run.c - zonectl run: one command in a throw-away zone. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct run_args {
	struct zone_run_opts o;
	char **binds, **tmpfs, **env, **set, **net;
};

static void run_args_free(struct run_args *a)
{
	strv_free(a->binds);
	strv_free(a->tmpfs);
	strv_free(a->env);
	strv_free(a->set);
	strv_free(a->net);
}

static int parse(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{"rm", no_argument, NULL, 'r'},
		{"name", required_argument, NULL, 'N'},
		{"template", required_argument, NULL, 't'},
		{"brand", required_argument, NULL, 'b'},
		{"bind", required_argument, NULL, 'v'},
		{"tmpfs", required_argument, NULL, 'T'},
		{"env", required_argument, NULL, 'e'},
		{"workdir", required_argument, NULL, 'w'},
		{"set", required_argument, NULL, 's'},
		{"net", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int ch;
	bool brand_set = false;
	/* the command line rule (cmd_oci.c): ours has its command after `--` */
	bool dashdash = false;
	for (int i = 1; i < argc && !dashdash; i++)
		dashdash = !strcmp(argv[i], "--");
	if (!dashdash && !(argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))))
		return cli_usage_error(
			argv[0], "the command goes after `--` (zonectl run [OPTIONS] -- "
				 "COMMAND...); without `--`, `run [--bundle DIR] ID` is the OCI "
				 "runtime's run");
	/* "+": the command's own options are not ours */
	while ((ch = getopt_long(argc, argv, "+e:w:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': a->o.rm = true; break;
		case 'N': a->o.name = optarg; break;
		case 't': a->o.template_name = optarg; break;
		case 'b':
			if (zone_brand_from_name(optarg, &a->o.brand) < 0 ||
			    (a->o.brand != ZONE_BRAND_SPARSE && a->o.brand != ZONE_BRAND_WHOLE))
				return cli_usage_error(
					argv[0], "--brand takes sparse or whole, not `%s`", optarg);
			brand_set = true;
			break;
		case 'v': strv_append(&a->binds, optarg); break;
		case 'T': strv_append(&a->tmpfs, optarg); break;
		case 'e': strv_append(&a->env, optarg); break;
		case 'w': a->o.workdir = optarg; break;
		case 's': strv_append(&a->set, optarg); break;
		case 'n': strv_append(&a->net, optarg); break;
		case 'h': cli_print_usage(cli_find(argv[0]), stdout); return 0;
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	if (a->o.brand == ZONE_BRAND_WHOLE && !a->o.template_name)
		return cli_usage_error(argv[0], "--brand whole needs --template NAME");
	if (brand_set && a->o.brand == ZONE_BRAND_SPARSE && a->o.template_name)
		return cli_usage_error(argv[0],
				       "--template makes a whole zone, not --brand sparse");
	if (optind >= argc)
		return cli_usage_error(argv[0], "a command is required after `--`");
	a->o.binds = a->binds;
	a->o.tmpfs = a->tmpfs;
	a->o.env = a->env;
	a->o.set = a->set;
	a->o.net = a->net;
	a->o.argv = argv + optind;
	return -1;
}

int cmd_run(struct cli *c, int argc, char **argv)
{
	struct run_args a = {0};
	int rc = parse(argc, argv, &a);
	if (rc < 0) {
		struct zerr err = {0};
		int status = 0;
		/* the job's status is ours; a zone that could not run it is 125,
		 * as for podman and docker run */
		if (zone_run(&c->ctx, &a.o, &status, &err) < 0) {
			cli_fail(&err);
			status = 125;
		}
		rc = status;
	}
	run_args_free(&a);
	return rc;
}
