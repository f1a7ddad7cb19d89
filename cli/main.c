/* main.c - zonectl: global options, then one verb from the table. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

#define VERSION ZONECTL_VERSION

static const struct cli_cmd commands[] = {
	{"create", cmd_create,
	 "create NAME [--config FILE] [--brand sparse|whole|oci|kvm] [--template NAME] [--init PATH] [--kvm kernel=PATH,...] [--set KEY=VALUE[,...]]... [--net KEY=VALUE[,...]]...",
	 "store a zone's configuration and install its root"},
	{"boot", cmd_boot, "boot NAME | boot --all-autoboot",
	 "start a zone (or every autoboot zone); returns once it runs"},
	{"halt", cmd_halt, "halt NAME|--all [-t SECONDS]",
	 "stop a zone: SIGTERM to its init, SIGKILL after SECONDS (default 10)"},
	{"reboot", cmd_reboot, "reboot NAME [-t SECONDS]", "halt and boot a running zone"},
	{"delete", cmd_delete, "delete [-f] NAME", "remove an installed zone (-f: halt it first)"},
	{"list", cmd_list, "list [-o table|json] [NAME...]",
	 "zones with state, brand, init pid and uptime"},
	{"login", cmd_login, "login [-C] [-t|-T] [-e VAR=VALUE] [-w DIR] NAME [-- COMMAND ARGS...]",
	 "a shell or a command in a running zone; -C attaches to its console"},
	{"config", cmd_config, "config NAME", "print a zone's config.json"},
	{"set", cmd_set, "set NAME KEY=VALUE[,...]...",
	 "change resource controls (cpu-shares, cpu-cap, cpu-burst, cpuset, memory, swap, "
	 "memory-reservation, processes, io-weight, io-*-bps, io-*-iops, disk, autoboot); live on a "
	 "running zone (disk: grows while halted)"},
	{"stat", cmd_stat, "stat [-o table|json] [-i SECONDS [-c COUNT]] [NAME...]",
	 "CPU, memory, processes, I/O, throttling, OOM kills and disk use of running zones"},
	{"net", cmd_net, "net [-o table|json] NAME...",
	 "a zone's NICs: addresses, MAC, host links, traffic and spoofed frames dropped"},
	{"ps", cmd_ps, "ps [-Z] [-o table|json] [NAME]",
	 "the host's processes (or one zone's), with the zone each belongs to (-Z)"},
	{"top", cmd_top, "top [-o table|json] [-n ITERATIONS] [-d SECONDS]",
	 "CPU %, memory, processes and network bytes per running zone, refreshed in place"},
	{"profile", cmd_profile,
	 "profile [-F HZ] [-d SECONDS] [-i SECONDS] [--kernel] [-o table|folded|json] [--svg FILE] "
	 "[--top N] NAME...|--all",
	 "where zones spend their CPU: on-CPU stacks sampled from the host (default 49 Hz, 5 s)"},
	{"trace", cmd_trace,
	 "trace [-d SECONDS] [-i SECONDS] [--kernel] [-o table|json|folded] [--top N] "
	 "NAME...|--all runqlat|offcpu|syscalls|tcp|io",
	 "why zones wait: per-zone histograms from the host's kernel (until -d or Ctrl-C)"},
	{"run", cmd_run,
	 "run [--rm] [--name NAME] [--template T | --brand sparse] [--bind SRC:DST[:ro]]... "
	 "[--tmpfs DST]... [-e|--env K=V]... [-w|--workdir DIR] [--set KEY=VALUE[,...]]... "
	 "[--net KEY=VALUE[,...]]... -- COMMAND ARGS...",
	 "create, boot, run one command with our stdio, halt (--rm: delete); exits with its status"},
	{"template", cmd_template,
	 "template create NAME --from DIR|TARBALL | --debootstrap SUITE "
	 "[--include PKG,...] | template list [-o table|json] | template delete NAME",
	 "root trees that zones of brand whole clone"},
	{"ci", cmd_ci, "ci gitlab config|prepare|run SCRIPT STAGE|cleanup",
	 "a GitLab Runner custom executor: each job in its own zone"},
};

const struct cli_cmd *cli_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cli_print_usage(const struct cli_cmd *cmd, FILE *to)
{
	fprintf(to, "usage: zonectl %s\n  %s\n", cmd->usage, cmd->summary);
}

int cli_fail(const struct zerr *err)
{
	fprintf(stderr, "zonectl: %s\n", err->msg[0] ? err->msg : "unknown error");
	return 1;
}

int cli_listing_opts(int argc, char **argv, const char *verb, bool *json)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*json = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (!strcmp(optarg, "json"))
				*json = true;
			else if (strcmp(optarg, "table"))
				return cli_usage_error(argv[0], "-o takes table or json, not `%s`",
						       optarg);
			break;
		case 'h': cli_print_usage(cli_find(verb), stdout); return 0;
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	return -1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "zonectl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	const struct cli_cmd *c = cli_find(cmd);
	fprintf(stderr, "\n");
	if (c)
		fprintf(stderr, "usage: zonectl %s\n", c->usage);
	return 2;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: zonectl [--root DIR] [--cgroup-manager systemd|cgroupfs] "
		    "[--cgroup-parent PATH] COMMAND [ARGS...]\n\n"
		    "Zones on Linux: namespaces and cgroups on the host's one kernel.\n\n"
		    "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(to,
		"\nOCI runtime commands (runc's command line; `zonectl oci VERB` always,\n"
		"or with a runc global flag, or with runc's own flags of create/delete/list):\n");
	oci_print_commands(to);
	fprintf(to,
		"\nGlobal options:\n"
		"  --root DIR            state root (default /var/lib/zonectl and /run/zonectl;\n"
		"                        also $ZONECTL_ROOT)\n"
		"  --cgroup-manager systemd|cgroupfs\n"
		"                        who makes zones' cgroups (default: systemd where\n"
		"                        it is init on a cgroup v2 host, else zonectl)\n"
		"  --cgroup-parent PATH  parent of zonectl/NAME (zonectl(8), CGROUPS);\n"
		"                        under systemd, the slice (default machine.slice)\n"
		"  --log FILE, --log-format text|json, --debug, --systemd-cgroup, --criu PATH\n"
		"                        runc's global flags: the OCI command line\n"
		"  -h, --help            this text; `zonectl COMMAND -h` for one command\n"
		"  --version             the version\n\nSee zonectl(8) and zonectl-config(5).\n");
}

static void notice(const char *msg)
{
	fprintf(stderr, "zonectl: %s\n", msg);
}

/* runc's global flags: the caller (conmon, containerd) gives them. */
static int runc_flag(struct cli *c, int o, const char *arg)
{
	c->runc_flags = true;
	switch (o) {
	case 'l': c->log_path = arg; break;
	case 'f':
		if (strcmp(arg, "json") && strcmp(arg, "text")) {
			fprintf(stderr, "zonectl: --log-format `%s`: text or json\n", arg);
			return 2;
		}
		c->log_json = !strcmp(arg, "json");
		break;
	case 's': c->systemd_cgroup = true; break;
	case 'R':
		if (strcmp(arg, "false") && strcmp(arg, "auto")) {
			fprintf(stderr, "zonectl: --rootless %s: zonectl runs as root only\n", arg);
			return 2;
		}
		break;
	default: break; /* --debug; --criu (no checkpoints here) */
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"cgroup-parent", required_argument, NULL, 'c'},
		{"cgroup-manager", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'f'},
		{"debug", no_argument, NULL, 'd'},
		{"systemd-cgroup", no_argument, NULL, 's'},
		{"criu", required_argument, NULL, 'C'},
		{"rootless", required_argument, NULL, 'R'},
		{0},
	};
	const char *root = NULL, *cgparent = NULL;
	enum zone_cgroup_manager cgm = ZONE_CGM_AUTO;
	struct cli c = {.prog = argv[0]};
	int o, rc;
	/* "+": stop at the verb; its options are its own. */
	while ((o = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (o) {
		case 'r': root = optarg; break;
		case 'c': cgparent = optarg; break;
		case 'm':
			if (!strcmp(optarg, "systemd"))
				cgm = ZONE_CGM_SYSTEMD;
			else if (!strcmp(optarg, "cgroupfs"))
				cgm = ZONE_CGM_CGROUPFS;
			else {
				fprintf(stderr,
					"zonectl: --cgroup-manager `%s`: systemd or cgroupfs\n",
					optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		case 'v':
		case 'V': printf("zonectl version %s\nspec: 1.0.2\n", VERSION); return 0;
		case 'l':
		case 'f':
		case 'd':
		case 's':
		case 'C':
		case 'R':
			if ((rc = runc_flag(&c, o, optarg)))
				return rc;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (!cli_find(argv[0]) && !oci_find(argv[0]) && strcmp(argv[0], "oci")) {
		fprintf(stderr, "zonectl: unknown command `%s` (zonectl --help lists them)\n",
			argv[0]);
		return 2;
	}
	struct zerr err = {0};
	if (zone_ctx_init(&c.ctx, root, &err) < 0)
		return cli_fail(&err);
	/* after the state root is known: `delete ID` looks at the zone */
	bool oci = !strcmp(argv[0], "oci") || oci_wanted(&c, argc, argv);
	if (!strcmp(argv[0], "oci")) {
		argc--;
		argv++;
	}
	const struct cli_cmd *cmd = oci ? NULL : cli_find(argv[0]);
	if (cgparent) {
		free(c.ctx.cgroup_parent);
		c.ctx.cgroup_parent = xstrdup(cgparent);
	}
	/* runc's --systemd-cgroup asks the same as ours; without it runc's
	 * command line means cgroupfs (linux.cgroupsPath is then a path),
	 * whatever the host, as its clients expect */
	c.ctx.cgroup_manager = c.systemd_cgroup              ? ZONE_CGM_SYSTEMD
			       : oci && cgm == ZONE_CGM_AUTO ? ZONE_CGM_CGROUPFS
							     : cgm;
	c.ctx.notice = notice;
	c.ctx.term = &cli_term;
	optind = 0;
	int r = oci ? oci_main(&c, argc, argv) : cmd->fn(&c, argc, argv);
	zone_ctx_free(&c.ctx);
	return r;
}
