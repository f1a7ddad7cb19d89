/* cli.h - the command table and what every verb shares. */
#ifndef ZONECTL_CLI_H
#define ZONECTL_CLI_H

#include "zone.h"

#define ZONECTL_VERSION "0.1.0"

struct cli {
	struct zone_ctx ctx;
	const char *prog;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
	const char *summary;
};

/* "zonectl: <message>" on stderr; returns 1. */
int cli_fail(const struct zerr *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Shared option handling for verbs: -h/--help prints usage; returns the
 * index of the first operand, or -1 after printing an error/usage. */
const struct cli_cmd *cli_find(const char *name);
/* Finishes w and prints it: 0, or 1 if the writer was misused. */
struct jw;
int cli_put_json(struct jw *w);
/* The options of a listing verb: -o table|json, -h. Returns -1 to go on
 * with the operands at optind, else the exit status to return. */
int cli_listing_opts(int argc, char **argv, const char *verb, bool *json);
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
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_template(struct cli *c, int argc, char **argv);
int cmd_ci(struct cli *c, int argc, char **argv);

#endif
