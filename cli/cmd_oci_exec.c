/* cmd_oci_exec.c - runc's exec and update: the two OCI verbs with many
 * flags. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

/* "UID" or "UID:GID" (numbers: runc resolves names in the container's
 * /etc/passwd, which zonectl does not read). */
static int parse_user(const char *s, struct oci_exec_opts *o)
{
	char *end;
	unsigned long uid = strtoul(s, &end, 10), gid = 0;
	if (end == s || (*end && *end != ':'))
		return -1;
	if (*end == ':') {
		const char *g = end + 1;
		gid = strtoul(g, &end, 10);
		if (end == g || *end)
			return -1;
	}
	o->has_user = true;
	o->uid = (uid_t)uid;
	o->gid = (gid_t)gid;
	return 0;
}

/* "5,6" for --additional-gids (repeatable: the lists add up). */
static int parse_gids(const char *s, struct oci_exec_opts *o)
{
	for (const char *p = s; *p;) {
		char *end;
		unsigned long g = strtoul(p, &end, 10);
		if (end == p || (*end && *end != ',') || g >= UINT32_MAX)
			return -1;
		o->groups = xrealloc(o->groups, (o->n_groups + 1) * sizeof(gid_t));
		o->groups[o->n_groups++] = (gid_t)g;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int cmd_oci_exec(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"cap", required_argument, NULL, 'c'},
		{"pid-file", required_argument, NULL, 'P'},
		{"console-socket", required_argument, NULL, 's'},
		{"no-new-privs", no_argument, NULL, 'n'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"process-label", required_argument, NULL, 'l'},
		{"apparmor", required_argument, NULL, 'a'},
		{0},
	};
	struct oci_exec_opts o = {0};
	cleanup_strv char **env = NULL;
	cleanup_strv char **caps = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "+p:tdw:e:u:c:g:", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': o.process_file = optarg; break;
		case 't': o.tty = true; break;
		case 'd': o.detach = true; break;
		case 'w': o.cwd = optarg; break;
		case 'e':
			strv_append(&env, optarg);
			o.env = env;
			break;
		case 'c':
			strv_append(&caps, optarg);
			o.caps = caps;
			break;
		case 'P': o.pid_file = optarg; break;
		case 's': o.console_socket = optarg; break;
		case 'n': o.no_new_privs = true; break;
		case 'u':
			if (parse_user(optarg, &o) < 0)
				return oci_usage(c, argv[0], "--user `%s`: UID[:GID] as numbers",
						 optarg);
			break;
		case 'f':
			if (strcmp(optarg, "0"))
				return oci_usage(c, argv[0], "--preserve-fds %s: not supported",
						 optarg);
			break;
		case 'g':
			if (parse_gids(optarg, &o) < 0)
				return oci_usage(c, argv[0], "--additional-gids `%s`: GID[,GID...]",
						 optarg);
			break;
		case 'l': return oci_usage(c, argv[0], "%s", "--process-label: no SELinux here");
		case 'a': return oci_usage(c, argv[0], "%s", "--apparmor: no AppArmor here");
		default: return oci_usage(c, argv[0], "%s", "bad option");
		}
	}
	const char *id = oci_the_id(c, argc, argv, true);
	if (!id)
		return 2;
	if (!o.process_file && optind >= argc)
		return oci_usage(c, argv[0], "%s", "a command (or --process FILE) is required");
	if (o.process_file && optind < argc)
		return oci_usage(c, argv[0], "`%s`: --process gives the command already",
				 argv[optind]);
	o.argv = argv + optind;
	struct zerr err = {0};
	int status;
	int r = oci_exec(&c->ctx, id, &o, &status, &err);
	free(o.groups);
	return r < 0 ? oci_fail(c, &err) : status;
}

/* ---- update ---------------------------------------------------------------- */

enum { U_MEM, U_SWAP, U_RESV, U_SHARES, U_QUOTA, U_PERIOD, U_CPUS, U_MEMS, U_PIDS, U_BLKIO, U_N };

static const struct option update_opts[] = {
	{"memory", required_argument, NULL, U_MEM},
	{"memory-swap", required_argument, NULL, U_SWAP},
	{"memory-reservation", required_argument, NULL, U_RESV},
	{"cpu-shares", required_argument, NULL, U_SHARES},
	{"cpu-quota", required_argument, NULL, U_QUOTA},
	{"cpu-period", required_argument, NULL, U_PERIOD},
	{"cpuset-cpus", required_argument, NULL, U_CPUS},
	{"cpuset-mems", required_argument, NULL, U_MEMS},
	{"pids-limit", required_argument, NULL, U_PIDS},
	{"blkio-weight", required_argument, NULL, U_BLKIO},
	{"resources", required_argument, NULL, 'r'},
	{0},
};

/* A size ("512M") or "-1" for no limit. */
static bool parse_limit(const char *s, int64_t *out)
{
	uint64_t v;
	if (!strcmp(s, "-1")) {
		*out = -1;
		return true;
	}
	if (parse_size(s, &v) < 0 || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static void kint_if(struct jw *w, const char *key, char *const *v, int i)
{
	int64_t n;
	if (v[i] && parse_limit(v[i], &n))
		jw_kint(w, key, n);
}

/* The flags as a linux.resources document. */
static char *flags_json(char *const *v)
{
	struct jw *w = jw_new(false);
	jw_obj_open(w);
	if (v[U_MEM] || v[U_SWAP] || v[U_RESV]) {
		jw_key(w, "memory");
		jw_obj_open(w);
		kint_if(w, "limit", v, U_MEM);
		kint_if(w, "swap", v, U_SWAP);
		kint_if(w, "reservation", v, U_RESV);
		jw_obj_close(w);
	}
	if (v[U_SHARES] || v[U_QUOTA] || v[U_PERIOD] || v[U_CPUS] || v[U_MEMS]) {
		jw_key(w, "cpu");
		jw_obj_open(w);
		kint_if(w, "shares", v, U_SHARES);
		kint_if(w, "quota", v, U_QUOTA);
		kint_if(w, "period", v, U_PERIOD);
		if (v[U_CPUS])
			jw_kstr(w, "cpus", v[U_CPUS]);
		if (v[U_MEMS])
			jw_kstr(w, "mems", v[U_MEMS]);
		jw_obj_close(w);
	}
	if (v[U_PIDS]) {
		jw_key(w, "pids");
		jw_obj_open(w);
		kint_if(w, "limit", v, U_PIDS);
		jw_obj_close(w);
	}
	if (v[U_BLKIO]) {
		jw_key(w, "blockIO");
		jw_obj_open(w);
		kint_if(w, "weight", v, U_BLKIO);
		jw_obj_close(w);
	}
	jw_obj_close(w);
	return jw_finish(w, NULL);
}

static bool is_number_flag(int i)
{
	return i != U_CPUS && i != U_MEMS;
}

int cmd_oci_update(struct cli *c, int argc, char **argv)
{
	char *v[U_N] = {0};
	const char *file = NULL;
	int ch;
	while ((ch = getopt_long(argc, argv, "+r:", update_opts, NULL)) != -1) {
		int64_t n;
		if (ch == 'r')
			file = optarg;
		else if (ch < 0 || ch >= U_N)
			return oci_usage(c, argv[0], "%s", "bad option");
		else if (is_number_flag(ch) && !parse_limit(optarg, &n))
			return oci_usage(c, argv[0], "`%s`: not a number or size", optarg);
		else
			v[ch] = optarg;
	}
	const char *id = oci_the_id(c, argc, argv, false);
	if (!id)
		return 2;
	struct zerr err = {0};
	cleanup_free char *text = NULL;
	size_t len;
	if (file && read_file(!strcmp(file, "-") ? "/dev/stdin" : file, &text, &len, &err) < 0)
		return oci_fail(c, &err);
	if (!file) {
		text = flags_json(v);
		len = strlen(text);
	}
	return oci_update(&c->ctx, id, text, len, &err) < 0 ? oci_fail(c, &err) : 0;
}
