/* cmd_login.c - zonectl login: zlogin's three modes.
 *   login NAME                 interactive shell on a new pty in the zone
 *   login NAME -- CMD ARGS...  a command; stdio and exit status pass through
 *   login -C NAME              the zone's console ("~." detaches)
 * Exit status: the command's own, 128+N if it was killed by signal N, 127
 * if it does not exist in the zone, 125 if zonectl could not run it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_login(struct cli *c, int argc, char **argv)
{
	bool console = false, tty = false, notty = false;
	char **env = NULL;
	const char *cwd = NULL;
	const char *name = NULL;
	int ch;
	/* Options may stand before or after NAME; "--" or the first word after
	 * NAME starts the command. */
	for (;;) {
		while ((ch = getopt(argc, argv, "+CtTe:w:h")) != -1) {
			switch (ch) {
			case 'C': console = true; break;
			case 't': tty = true; break;
			case 'T': notty = true; break;
			case 'e':
				if (!strchr(optarg, '='))
					return cli_usage_error(
						argv[0], "-e takes VAR=VALUE, not `%s`", optarg);
				strv_append(&env, optarg);
				break;
			case 'w': cwd = optarg; break;
			case 'h': cli_print_usage(cli_find("login"), stdout); return 0;
			default: return cli_usage_error(argv[0], "bad option");
			}
		}
		if (name || optind >= argc || !strcmp(argv[optind], "--") ||
		    !strcmp(argv[optind - 1], "--"))
			break;
		name = argv[optind++];
	}
	if (!name)
		return cli_usage_error(argv[0], "a zone name is required");
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	char **cmd = optind < argc ? argv + optind : NULL;
	struct zerr err = {0};
	if (console) {
		if (cmd)
			return cli_usage_error(argv[0], "-C takes no command");
		int r = zone_console(&c->ctx, name, &err);
		strv_free(env);
		return r < 0 ? cli_fail(&err) : 0;
	}
	struct zone_login_opts o = {
		.argv = cmd,
		.env = env,
		.cwd = cwd,
		/* a pty for a shell, or when asked; never when stdin is no tty */
		.tty = !notty && (tty || (!cmd && isatty(STDIN_FILENO))),
	};
	int status = 125;
	int r = zone_login(&c->ctx, name, &o, &status, &err);
	strv_free(env);
	if (r < 0)
		cli_fail(&err);
	return status;
}
