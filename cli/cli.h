/* cli.h - the command table and what every verb shares. */
#ifndef ZONECTL_CLI_H
#define ZONECTL_CLI_H

#include <stdio.h>

#include "zone.h"

#define ZONECTL_VERSION "0.1.0"

struct cli {
	struct zone_ctx ctx;
	const char *prog;
	/* runc's global flags */
	bool runc_flags;      /* one of them was given: the runc command line */
	const char *log_path; /* --log */
	bool log_json;        /* --log-format json */
	bool systemd_cgroup;  /* --systemd-cgroup */
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
	const char *summary;
};

/* Our terminal relayed to a zone's pty or console (relay.c): the
 * runtime's ctx.term. */
extern const struct zone_term cli_term;

/* "zonectl: <message>" on stderr; returns 1. */
int cli_fail(const struct zerr *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Shared option handling for verbs: -h/--help prints usage; returns the
 * index of the first operand, or -1 after printing an error/usage. */
const struct cli_cmd *cli_find(const char *name);
/* The options of a listing verb: -o table|json, -h. Returns -1 to go on
 * with the operands at optind, else the exit status to return. */
int cli_listing_opts(int argc, char **argv, const char *verb, bool *json);
/* JSON members: a limit (null when negative, i.e. none) and a percentage
 * with two decimals (null when negative). */
struct jw;
void cli_jw_limit(struct jw *w, const char *key, int64_t v);
/* A count, or null when it is not known. */
void cli_jw_count(struct jw *w, const char *key, bool known, uint64_t v);
void cli_jw_pct(struct jw *w, const char *key, double v);
/* Finishes w and prints it (and a newline, if asked); 1 if w was misused. */
int cli_jw_print(struct jw *w, bool newline);
/* Sleeps s seconds, through signals. */
void cli_sleep(double s);
void cli_print_usage(const struct cli_cmd *cmd, FILE *to);

int cmd_create(struct cli *c, int argc, char **argv);
int cmd_boot(struct cli *c, int argc, char **argv);
int cmd_halt(struct cli *c, int argc, char **argv);
int cmd_reboot(struct cli *c, int argc, char **argv);
int cmd_delete(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_login(struct cli *c, int argc, char **argv);
int cmd_config(struct cli *c, int argc, char **argv);
int cmd_set(struct cli *c, int argc, char **argv);
int cmd_stat(struct cli *c, int argc, char **argv);
int cmd_net(struct cli *c, int argc, char **argv);
int cmd_ps(struct cli *c, int argc, char **argv);
int cmd_top(struct cli *c, int argc, char **argv);
int cmd_profile(struct cli *c, int argc, char **argv);
int cmd_trace(struct cli *c, int argc, char **argv);
/* Writes a profile's flame graph as SVG to path (flame.c); -1 after
 * saying why on stderr. */
int cli_flamegraph(const struct trace_report *r, const char *path);

/* The runc command line (cmd_oci.c, cmd_oci_exec.c). */
const struct cli_cmd *oci_find(const char *name);
void oci_print_commands(FILE *to);
/* Is argv (argv[0] = the verb) a call of the runc command line? */
bool oci_wanted(struct cli *c, int argc, char **argv);
int oci_main(struct cli *c, int argc, char **argv);
/* Errors of the OCI verbs: stderr, and the --log file as runc writes it. */
int oci_fail(const struct cli *c, const struct zerr *err);
int oci_usage(const struct cli *c, const char *verb, const char *fmt, const char *arg);
/* The ID operand at optind (more operands may follow if more_ok). */
const char *oci_the_id(const struct cli *c, int argc, char **argv, bool more_ok);
int cmd_oci_exec(struct cli *c, int argc, char **argv);
int cmd_oci_update(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_template(struct cli *c, int argc, char **argv);
int cmd_ci(struct cli *c, int argc, char **argv);

#endif
