/*
 * cmd_oci.c - the runc command line, so that podman (through conmon),
 * containerd and CRI-O can run zones: create, start, run, state, kill,
 * delete, list, exec, ps, pause, resume, update, spec, features.
 *
 * Which command line a call is (main.c asks oci_wanted): zonectl's own
 * verbs create, delete, list, ps and run have OCI namesakes. A call is an
 * OCI one when it says so (`zonectl oci VERB`), when a runc global flag
 * stands before the verb (--log, --log-format, --debug, --systemd-cgroup,
 * --criu, --rootless: conmon always passes --log), when the verb exists
 * only in runc (start, state, kill, exec, pause, resume, update, spec,
 * features), or when a shared verb carries a flag only runc's has
 * (create --bundle/-b/--pid-file/--console-socket/--no-pivot, delete
 * --force, list --format/-f/--quiet/-q, ps --format/-f, run --bundle/-b/
 * --detach/-d/--pid-file/--console-socket/--no-pivot/--keep/
 * --preserve-fds; flags after a `--` belong to a command and do not
 * count). Two shared verbs decide by more than flags: `run` is ours only
 * with a `--` before its command (so `run ID` in a bundle directory is
 * runc's), and `delete ID` of a zone of brand oci (a container) is runc's
 * unless it has our -f.
 *
 * Errors go to stderr and, with --log, to the log file as runc writes
 * them (JSON lines with --log-format json), where conmon looks for them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static void log_line(const struct cli *c, const char *msg)
{
	FILE *f = c->log_path ? fopen(c->log_path, "ae") : NULL;
	if (!f)
		return;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	if (c->log_json) {
		struct jw *w = jw_new(false);
		jw_obj_open(w);
		jw_kstr(w, "level", "error");
		jw_kstr(w, "msg", msg);
		jw_kstr(w, "time", when);
		jw_obj_close(w);
		char *line = jw_finish(w, NULL);
		if (line)
			fprintf(f, "%s\n", line);
		free(line);
	} else {
		fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, msg);
	}
	fclose(f);
}

int oci_fail(const struct cli *c, const struct zerr *err)
{
	log_line(c, err->msg[0] ? err->msg : "unknown error");
	return cli_fail(err);
}

int oci_usage(const struct cli *c, const char *verb, const char *fmt, const char *arg)
{
	struct zerr err = {0};
	zerr_setx(&err, EINVAL, "%s: ", verb);
	size_t n = strlen(err.msg);
	snprintf(err.msg + n, sizeof(err.msg) - n, fmt, arg);
	log_line(c, err.msg);
	fprintf(stderr, "zonectl %s\n", err.msg);
	return 2;
}

/* Exactly one ID after the options (more only where args follow). */
const char *oci_the_id(const struct cli *c, int argc, char **argv, bool more_ok)
{
	if (optind >= argc) {
		oci_usage(c, argv[0], "%s", "a container id is required");
		return NULL;
	}
	if (!more_ok && optind + 1 < argc) {
		oci_usage(c, argv[0], "unexpected argument `%s`", argv[optind + 1]);
		return NULL;
	}
	return argv[optind++];
}

/* ---- create, run, start --------------------------------------------------- */

static int create_opts(const struct cli *c, int argc, char **argv, struct oci_create_opts *o,
		       bool *detach)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, 'p'},
		{"console-socket", required_argument, NULL, 's'},
		{"no-pivot", no_argument, NULL, 'P'},
		{"no-new-keyring", no_argument, NULL, 'k'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{"detach", no_argument, NULL, 'd'},
		{0},
	};
	int ch;
	while ((ch = getopt_long(argc, argv, detach ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': o->bundle = optarg; break;
		case 'p': o->pid_file = optarg; break;
		case 's': o->console_socket = optarg; break;
		case 'P': o->no_pivot = true; break;
		case 'k': break; /* zonectl never makes a session keyring */
		case 'f':
			if (strcmp(optarg, "0"))
				return oci_usage(c, argv[0], "--preserve-fds %s: not supported",
						 optarg);
			break;
		case 'd':
			if (!detach)
				return oci_usage(c, argv[0], "%s", "bad option --detach");
			*detach = true;
			break;
		default: return oci_usage(c, argv[0], "%s", "bad option");
		}
	}
	return 0;
}

/* create, or run (which may take --detach and waits for the process). */
static int create_or_run(struct cli *c, int argc, char **argv, bool run)
{
	struct oci_create_opts o = {0};
	bool detach = false;
	int rc = create_opts(c, argc, argv, &o, run ? &detach : NULL);
	const char *id = rc ? NULL : oci_the_id(c, argc, argv, false);
	if (!id)
		return rc ? rc : 2;
	struct zerr err = {0};
	int status = 0;
	int r = run ? oci_run(&c->ctx, id, &o, detach, &status, &err)
		    : oci_create(&c->ctx, id, &o, &err);
	return r < 0 ? oci_fail(c, &err) : status;
}

static int o_create(struct cli *c, int argc, char **argv)
{
	return create_or_run(c, argc, argv, false);
}

static int o_run(struct cli *c, int argc, char **argv)
{
	return create_or_run(c, argc, argv, true);
}

/* A verb that takes only an ID. */
static int id_verb(struct cli *c, int argc, char **argv,
		   int (*fn)(struct zone_ctx *, const char *, struct zerr *))
{
	if (getopt(argc, argv, "+") != -1)
		return oci_usage(c, argv[0], "%s", "bad option");
	const char *id = oci_the_id(c, argc, argv, false);
	if (!id)
		return 2;
	struct zerr err = {0};
	return fn(&c->ctx, id, &err) < 0 ? oci_fail(c, &err) : 0;
}

static int o_start(struct cli *c, int argc, char **argv)
{
	return id_verb(c, argc, argv, oci_start);
}

static int pause_one(struct zone_ctx *ctx, const char *id, struct zerr *err)
{
	return oci_pause(ctx, id, true, err);
}

static int resume_one(struct zone_ctx *ctx, const char *id, struct zerr *err)
{
	return oci_pause(ctx, id, false, err);
}

static int o_pause(struct cli *c, int argc, char **argv)
{
	return id_verb(c, argc, argv, pause_one);
}

static int o_resume(struct cli *c, int argc, char **argv)
{
	return id_verb(c, argc, argv, resume_one);
}

static int print_state(struct zone_ctx *ctx, const char *id, struct zerr *err)
{
	char *json = NULL;
	int r = oci_state(ctx, id, &json, err);
	if (r == 0)
		fputs(json, stdout);
	free(json);
	return r;
}

static int o_state(struct cli *c, int argc, char **argv)
{
	return id_verb(c, argc, argv, print_state);
}

/* ---- kill, delete ------------------------------------------------------------- */

static const char *const sig_names[] = {
	[SIGHUP] = "HUP",   [SIGINT] = "INT",       [SIGQUIT] = "QUIT", [SIGILL] = "ILL",
	[SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",   [SIGFPE] = "FPE",
	[SIGKILL] = "KILL", [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",     [SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT",     [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",     [SIGURG] = "URG",   [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGIO] = "IO",     [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
};

/* "TERM", "SIGTERM", "15"; -1 if none of these. */
static int parse_signal(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (!*end && end != s)
		return n > 0 && n <= SIGRTMAX ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 1; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (sig_names[i] && !strcasecmp(s, sig_names[i]))
			return (int)i;
	return -1;
}

/* The options of a verb with one boolean flag (kill --all, delete
 * --force), then the ID; NULL with *rc set after a usage error. */
static const char *flag_and_id(const struct cli *c, int argc, char **argv, const char *name,
			       bool *set, bool more_ok, int *rc)
{
	const struct option opts[] = {{name, no_argument, NULL, name[0]}, {0}};
	const char short_opts[] = {'+', name[0], '\0'};
	int ch;
	*rc = 2;
	while ((ch = getopt_long(argc, argv, short_opts, opts, NULL)) != -1) {
		if (ch != name[0]) {
			oci_usage(c, argv[0], "%s", "bad option");
			return NULL;
		}
		*set = true;
	}
	return oci_the_id(c, argc, argv, more_ok);
}

static int o_kill(struct cli *c, int argc, char **argv)
{
	bool all = false;
	int rc, sig = SIGTERM;
	const char *id = flag_and_id(c, argc, argv, "all", &all, true, &rc);
	if (!id)
		return rc;
	if (optind < argc && (sig = parse_signal(argv[optind++])) < 0)
		return oci_usage(c, argv[0], "unknown signal `%s`", argv[optind - 1]);
	if (optind < argc)
		return oci_usage(c, argv[0], "unexpected argument `%s`", argv[optind]);
	struct zerr err = {0};
	return oci_kill(&c->ctx, id, sig, all, &err) < 0 ? oci_fail(c, &err) : 0;
}

static int o_delete(struct cli *c, int argc, char **argv)
{
	bool force = false;
	int rc;
	const char *id = flag_and_id(c, argc, argv, "force", &force, false, &rc);
	if (!id)
		return rc;
	struct zerr err = {0};
	return oci_delete(&c->ctx, id, force, &err) < 0 ? oci_fail(c, &err) : 0;
}

/* ---- list, ps ------------------------------------------------------------------ */

static int format_opt(const struct cli *c, char **argv, const char *arg, bool *json)
{
	if (strcmp(arg, "json") && strcmp(arg, "table"))
		return oci_usage(c, argv[0], "--format `%s`: table or json", arg);
	*json = !strcmp(arg, "json");
	return 0;
}

static void list_print(const struct oci_info *l, size_t n, bool json, bool quiet)
{
	if (json) {
		struct jw *w = jw_new(true);
		jw_arr_open(w);
		for (size_t i = 0; i < n; i++) {
			jw_obj_open(w);
			jw_kstr(w, "ociVersion", "1.0.2");
			jw_kstr(w, "id", l[i].id);
			jw_kint(w, "pid", l[i].pid);
			jw_kstr(w, "status", l[i].status);
			jw_kstr(w, "bundle", l[i].bundle);
			jw_kstr(w, "created", l[i].created);
			jw_kstr(w, "owner", "root");
			jw_obj_close(w);
		}
		jw_arr_close(w);
		char *text = jw_finish(w, NULL);
		fputs(text ? text : "[]\n", stdout);
		free(text);
		return;
	}
	if (!quiet)
		printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		if (quiet)
			printf("%s\n", l[i].id);
		else
			printf("%-20s %-8d %-10s %-40s %-31s %s\n", l[i].id, l[i].pid, l[i].status,
			       l[i].bundle, l[i].created ? l[i].created : "", "root");
	}
}

static int o_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0}};
	bool json = false, quiet = false;
	int ch, rc;
	while ((ch = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (ch == 'q')
			quiet = true;
		else if (ch != 'f')
			return oci_usage(c, argv[0], "%s", "bad option");
		else if ((rc = format_opt(c, argv, optarg, &json)))
			return rc;
	}
	if (optind < argc)
		return oci_usage(c, argv[0], "unexpected argument `%s`", argv[optind]);
	struct zerr err = {0};
	struct oci_info *l;
	size_t n;
	if (oci_list(&c->ctx, &l, &n, &err) < 0)
		return oci_fail(c, &err);
	list_print(l, n, json, quiet);
	oci_list_free(l, n);
	return 0;
}

/* Table: ps(1) on the container's pids, with the caller's ps options. */
static int ps_table(const pid_t *pids, size_t n, int argc, char **argv)
{
	char **av = NULL;
	strv_append(&av, "ps");
	if (optind >= argc)
		strv_append(&av, "-f");
	for (int i = optind; i < argc; i++)
		strv_append(&av, argv[i]);
	char *list = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%d", list, i ? "," : "", pids[i]);
		free(list);
		list = next;
	}
	strv_append(&av, "-p");
	strv_append(&av, n ? list : "0");
	fflush(stdout);
	execvp("ps", av);
	perror("zonectl: ps");
	return 1;
}

static int o_ps(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	bool json = false;
	int ch, rc;
	while ((ch = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (ch != 'f')
			return oci_usage(c, argv[0], "%s", "bad option");
		if ((rc = format_opt(c, argv, optarg, &json)))
			return rc;
	}
	const char *id = oci_the_id(c, argc, argv, true);
	if (!id)
		return 2;
	struct zerr err = {0};
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (oci_pids(&c->ctx, id, &pids, &n, &err) < 0)
		return oci_fail(c, &err);
	if (!json)
		return ps_table(pids, n, argc, argv);
	printf("[");
	for (size_t i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", pids[i]);
	printf("]\n");
	return 0;
}

/* ---- spec, features --------------------------------------------------------- */

static int o_spec(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
					     {"rootless", no_argument, NULL, 'r'},
					     {0}};
	const char *bundle = ".";
	int ch;
	while ((ch = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (ch == 'r')
			return oci_usage(c, argv[0], "%s",
					 "--rootless: not supported (zonectl runs as root)");
		if (ch != 'b')
			return oci_usage(c, argv[0], "%s", "bad option");
		bundle = optarg;
	}
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	struct zerr err = {0};
	struct stat sb;
	if (stat(path, &sb) == 0) {
		zerr_setx(&err, EEXIST, "spec: `%s` exists already: remove it first", path);
		return oci_fail(c, &err);
	}
	cleanup_free char *doc = oci_spec_default();
	if (write_file_atomic(path, doc, strlen(doc), 0644, &err) < 0)
		return oci_fail(c, &err);
	return 0;
}

static int o_features(struct cli *c, int argc, char **argv)
{
	if (argc > 1)
		return oci_usage(c, argv[0], "unexpected argument `%s`", argv[1]);
	char *doc = oci_features();
	fputs(doc, stdout);
	free(doc);
	return 0;
}

/* ---- the table ---------------------------------------------------------------- */

static const struct cli_cmd oci_commands[] = {
	{"create", o_create,
	 "create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--no-pivot] ID",
	 "make the container: its process waits in its namespaces and cgroups (created)"},
	{"start", o_start, "start ID", "let a created container's process run"},
	{"run", o_run, "run [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--detach] ID",
	 "create and start; without --detach, wait for it, then delete it"},
	{"state", o_state, "state ID", "the OCI state of a container, as JSON"},
	{"kill", o_kill, "kill [--all] ID [SIGNAL]",
	 "send a signal (default TERM) to the container's process"},
	{"delete", o_delete, "delete [--force] ID",
	 "remove a created or stopped container (--force: running too)"},
	{"list", o_list, "list [--format table|json] [--quiet]", "the containers"},
	{"exec", cmd_oci_exec,
	 "exec [--process FILE] [--tty] [--detach] [--cwd DIR] [--env VAR=VALUE]... "
	 "[--user UID[:GID]] [--additional-gids GID,...] [--cap CAP]... [--pid-file FILE] [--console-socket SOCK] ID [COMMAND ARGS...]",
	 "run another process in a running container"},
	{"ps", o_ps, "ps [--format table|json] ID [PS-OPTIONS...]", "the container's processes"},
	{"pause", o_pause, "pause ID", "freeze every process of the container"},
	{"resume", o_resume, "resume ID", "thaw a paused container"},
	{"update", cmd_oci_update,
	 "update [--memory N] [--memory-swap N] [--memory-reservation N] [--cpu-shares N] "
	 "[--cpu-quota N] [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] "
	 "[--blkio-weight N] [-r FILE] ID",
	 "change a container's resource limits"},
	{"spec", o_spec, "spec [--bundle DIR]", "write a config.json to start from"},
	{"features", o_features, "features", "what this runtime supports, as JSON"},
};

const struct cli_cmd *oci_find(const char *name)
{
	for (size_t i = 0; i < sizeof(oci_commands) / sizeof(oci_commands[0]); i++)
		if (!strcmp(oci_commands[i].name, name))
			return &oci_commands[i];
	return NULL;
}

void oci_print_commands(FILE *to)
{
	for (size_t i = 0; i < sizeof(oci_commands) / sizeof(oci_commands[0]); i++)
		fprintf(to, "  %-8s %s\n", oci_commands[i].name, oci_commands[i].summary);
}

static bool has_flag(int argc, char **argv, const char *const *flags)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		for (size_t k = 0; flags[k]; k++)
			if (!strcmp(argv[i], flags[k]) ||
			    (!strncmp(argv[i], flags[k], strlen(flags[k])) &&
			     argv[i][strlen(flags[k])] == '='))
				return true;
	return false;
}

static bool has_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return true;
	return false;
}

/* The last operand names an OCI container (a zone of brand oci). */
static bool names_container(struct cli *c, int argc, char **argv)
{
	const char *id = argc > 1 ? argv[argc - 1] : NULL;
	struct zone_info info = {0};
	if (!id || id[0] == '-' || zone_name_check(id, NULL) < 0 ||
	    zone_info_get(&c->ctx, id, &info, NULL) < 0)
		return false;
	bool oci = info.brand == ZONE_BRAND_OCI;
	zone_info_free(&info);
	return oci;
}

bool oci_wanted(struct cli *c, int argc, char **argv)
{
	static const char *const create_flags[] = {
		"--bundle",         "-b", "--pid-file", "--console-socket", "--no-pivot",
		"--no-new-keyring", NULL};
	static const char *const delete_flags[] = {"--force", NULL};
	static const char *const list_flags[] = {"--format", "-f", "--quiet", "-q", NULL};
	static const char *const ps_flags[] = {"--format", "-f", NULL};
	static const char *const run_flags[] = {"--bundle",   "-b",
						"--detach",   "-d",
						"--pid-file", "--console-socket",
						"--no-pivot", "--no-new-keyring",
						"--keep",     "--preserve-fds",
						NULL};
	static const char *const native_run_flags[] = {
		"--rm", "--name",    "--template", "--brand", "--bind", "--tmpfs", "--env",
		"-e",   "--workdir", "-w",         "--set",   "--net",  NULL};
	if (!oci_find(argv[0]))
		return false;
	if (c->runc_flags || !cli_find(argv[0]))
		return true;
	if (!strcmp(argv[0], "create"))
		return has_flag(argc, argv, create_flags);
	/* delete: runc's for a container (so a stopped one goes, whatever
	 * its hooks do, as runc's delete ID does) */
	if (!strcmp(argv[0], "delete"))
		return has_flag(argc, argv, delete_flags) ||
		       (!has_flag(argc, argv, (const char *const[]){"-f", NULL}) &&
			names_container(c, argc, argv));
	if (!strcmp(argv[0], "ps"))
		return has_flag(argc, argv, ps_flags);
	/* run: ours always has its command after `--`; without one it is
	 * runc's `run [--bundle DIR] ID` (runc's tutorial types `runc run
	 * ID` in a bundle directory), unless it carries options of ours,
	 * which cmd_run then refuses for the missing `--` */
	if (!strcmp(argv[0], "run"))
		return has_flag(argc, argv, run_flags) ||
		       (!has_dashdash(argc, argv) && !has_flag(argc, argv, native_run_flags));
	return !strcmp(argv[0], "list") && has_flag(argc, argv, list_flags);
}

int oci_main(struct cli *c, int argc, char **argv)
{
	const struct cli_cmd *cmd = argc > 0 ? oci_find(argv[0]) : NULL;
	if (!cmd) {
		if (argc > 0)
			fprintf(stderr, "zonectl oci: unknown command `%s`; ", argv[0]);
		else
			fprintf(stderr, "zonectl oci: a command is required; ");
		fprintf(stderr, "the OCI commands are:\n");
		oci_print_commands(stderr);
		return 2;
	}
	/* Only right after the verb: later, -h may be the command's own. */
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: zonectl %s\n  %s\n", cmd->usage, cmd->summary);
		return 0;
	}
	return cmd->fn(c, argc, argv);
}
