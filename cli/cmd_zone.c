/* cmd_zone.c - create, boot, halt, reboot, delete, config. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

static int help(char **argv)
{
	cli_print_usage(cli_find(argv[0]), stdout);
	return 0;
}

/* Exactly one NAME operand after the options. */
static const char *one_name(int argc, char **argv)
{
	if (optind >= argc) {
		cli_usage_error(argv[0], "a zone name is required");
		return NULL;
	}
	if (optind + 1 < argc) {
		cli_usage_error(argv[0], "unexpected argument `%s`", argv[optind + 1]);
		return NULL;
	}
	return argv[optind];
}

int cmd_create(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"brand", required_argument, NULL, 'b'},
		{"template", required_argument, NULL, 't'},
		{"set", required_argument, NULL, 's'},
		{"net", required_argument, NULL, 'n'},
		{"kvm", required_argument, NULL, 'k'},
		{"init", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct zone_create_opts o = {0};
	struct zerr err = {0};
	cleanup_strv char **set = NULL, **net = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "f:b:t:s:n:k:i:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			strv_append(&net, optarg);
			o.net = net;
			break;
		case 's':
			strv_append(&set, optarg);
			o.set = set;
			break;
		case 'f': o.config_path = optarg; break;
		case 't': o.template_name = optarg; break;
		case 'k': o.kvm = optarg; break;
		case 'i':
			if (optarg[0] != '/')
				return cli_usage_error(argv[0],
						       "--init takes an absolute path in the zone "
						       "(like /sbin/init), not `%s`",
						       optarg);
			o.init = optarg;
			break;
		case 'b':
			if (zone_brand_from_name(optarg, &o.brand) < 0)
				return cli_usage_error(
					argv[0], "unknown brand `%s` (sparse, whole, oci, kvm)",
					optarg);
			o.brand_set = true;
			break;
		case 'h': return help(argv);
		default: return cli_usage_error(argv[0], "bad option");
		}
	}
	const char *name = one_name(argc, argv);
	if (!name)
		return 2;
	if (o.brand_set && o.brand == ZONE_BRAND_WHOLE && !o.template_name && !o.config_path)
		return cli_usage_error(argv[0], "--brand whole needs --template NAME");
	if (zone_create(&c->ctx, name, &o, &err) < 0)
		return cli_fail(&err);
	return 0;
}

/* A verb with no options and one NAME. NULL with *rc set when the command
 * is already answered (help printed, or a usage error). */
static const char *name_only(int argc, char **argv, int *rc)
{
	if (want_help(argc, argv)) {
		*rc = help(argv);
		return NULL;
	}
	if (getopt(argc, argv, "") != -1) {
		*rc = cli_usage_error(argv[0], "bad option");
		return NULL;
	}
	const char *name = one_name(argc, argv);
	*rc = 2;
	return name;
}

static int simple(struct cli *c, int argc, char **argv,
		  int (*fn)(struct zone_ctx *, const char *, struct zerr *))
{
	int rc;
	const char *name = name_only(argc, argv, &rc);
	if (!name)
		return rc;
	struct zerr err = {0};
	return fn(&c->ctx, name, &err) < 0 ? cli_fail(&err) : 0;
}

/* ---- every zone at once: host boot and shutdown (zonectl.service) ------ */

typedef int (*zone_verb)(struct zone_ctx *, const char *, int, struct zerr *);

/* fn on each listed zone that want() picks, each in a process of its own
 * so that the zones boot or halt side by side; one failing does not stop
 * the others. 0 when all succeeded, else 1 (each failure said on stderr
 * with its zone's name). */
static int each_zone(struct cli *c, bool (*want)(const struct zone_info *), zone_verb fn,
		     int timeout, const char *done)
{
	struct zerr err = {0};
	struct zone_info *z = NULL;
	size_t n = 0;
	if (zone_list(&c->ctx, &z, &n, &err) < 0)
		return cli_fail(&err);
	fflush(NULL);
	int failed = 0, started = 0;
	for (size_t i = 0; i < n; i++) {
		if (!want(&z[i]))
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			struct zerr e = {0};
			if (fn(&c->ctx, z[i].name, timeout, &e) < 0)
				_exit(cli_fail(&e));
			printf("zone %s: %s\n", z[i].name, done);
			fflush(stdout);
			_exit(0);
		}
		if (pid < 0) {
			fprintf(stderr, "zonectl: zone %s: fork: %m\n", z[i].name);
			failed++;
		} else {
			started++;
		}
	}
	int status;
	for (; started > 0; started--)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	for (size_t i = 0; i < n; i++)
		zone_info_free(&z[i]);
	free(z);
	return failed ? 1 : 0;
}

static bool autoboot_and_down(const struct zone_info *z)
{
	return z->autoboot && z->state == ZS_INSTALLED;
}

static bool up(const struct zone_info *z)
{
	return z->state != ZS_INSTALLED && z->state != ZS_CONFIGURED;
}

static int boot_timed(struct zone_ctx *ctx, const char *name, int timeout, struct zerr *err)
{
	(void)timeout;
	return zone_boot(ctx, name, err);
}

int cmd_boot(struct cli *c, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--all-autoboot"))
		return each_zone(c, autoboot_and_down, boot_timed, 0, "booted");
	return simple(c, argc, argv, zone_boot);
}

static int timed(struct cli *c, int argc, char **argv,
		 int (*fn)(struct zone_ctx *, const char *, int, struct zerr *))
{
	if (want_help(argc, argv))
		return help(argv);
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	int timeout = 10, ch;
	bool all = false;
	while ((ch = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		char *end;
		if (ch == 'a' && fn == zone_halt) {
			all = true;
			continue;
		}
		if (ch != 't')
			return cli_usage_error(argv[0], "bad option");
		timeout = (int)strtol(optarg, &end, 10);
		if (*end || timeout < 0 || timeout > 86400)
			return cli_usage_error(
				argv[0], "-t takes seconds from 0 to 86400, not `%s`", optarg);
	}
	if (all && optind < argc)
		return cli_usage_error(argv[0], "--all takes no zone name");
	if (all)
		return each_zone(c, up, fn, timeout, "halted");
	const char *name = one_name(argc, argv);
	if (!name)
		return 2;
	struct zerr err = {0};
	return fn(&c->ctx, name, timeout, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_halt(struct cli *c, int argc, char **argv)
{
	return timed(c, argc, argv, zone_halt);
}

int cmd_reboot(struct cli *c, int argc, char **argv)
{
	return timed(c, argc, argv, zone_reboot);
}

int cmd_delete(struct cli *c, int argc, char **argv)
{
	if (want_help(argc, argv))
		return help(argv);
	bool force = false;
	int ch;
	while ((ch = getopt(argc, argv, "f")) != -1) {
		if (ch != 'f')
			return cli_usage_error(argv[0], "bad option");
		force = true;
	}
	const char *name = one_name(argc, argv);
	if (!name)
		return 2;
	struct zerr err = {0};
	return zone_delete(&c->ctx, name, force, &err) < 0 ? cli_fail(&err) : 0;
}

int cmd_config(struct cli *c, int argc, char **argv)
{
	int rc;
	const char *name = name_only(argc, argv, &rc);
	if (!name)
		return rc;
	struct zerr err = {0};
	char *text = NULL;
	if (zone_config_text(&c->ctx, name, &text, &err) < 0)
		return cli_fail(&err);
	fputs(text, stdout);
	free(text);
	return 0;
}
