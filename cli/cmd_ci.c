/*
 * cmd_ci.c - zonectl ci gitlab: a GitLab Runner custom executor driver.
 *
 * The runner calls config_exec, prepare_exec, run_exec (once per stage,
 * with the script's path and the stage's name) and cleanup_exec, with the
 * job's variables as CUSTOM_ENV_*. Each job gets a zone named
 * ci-job-<CI_JOB_ID>: whole, cloned from the template named by the job's
 * image (characters a template name cannot hold become '-', so
 * "debian:bookworm" is template debian-bookworm), or sparse when the job
 * names no image. A failing script exits with $BUILD_FAILURE_EXIT_CODE,
 * after saying its real status on stderr (it is also in the zone's run
 * directory, job-status); a zone that cannot run it exits with
 * $SYSTEM_FAILURE_EXIT_CODE. The job's /cache is its project's
 * (CI_PROJECT_PATH_SLUG), kept between jobs; the zone is on the default
 * network, with NAT and DNS, so get_sources can clone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"

#define CI_GRACE_S 10

static int exit_code(const char *var)
{
	const char *v = getenv(var);
	return v && *v ? atoi(v) : 1;
}

static int system_failure(const struct zerr *err)
{
	cli_fail(err);
	return exit_code("SYSTEM_FAILURE_EXIT_CODE");
}

static int job_zone(char name[ZONE_NAME_MAX + 1], struct zerr *err)
{
	const char *id = getenv("CUSTOM_ENV_CI_JOB_ID");
	if (!id || !*id)
		return zerr_setx(err, EINVAL,
				 "ci gitlab: CUSTOM_ENV_CI_JOB_ID is not set (run by "
				 "gitlab-runner's custom executor?)");
	snprintf(name, ZONE_NAME_MAX + 1, "ci-job-%.50s", id);
	int r = zone_name_check(name, err);
	return r < 0 ? zerr_prefix(err, "ci gitlab: CUSTOM_ENV_CI_JOB_ID") : 0;
}

/* The image's name as a template name, or NULL for none. */
static char *job_template(void)
{
	const char *image = getenv("CUSTOM_ENV_CI_JOB_IMAGE");
	if (!image || !*image)
		return NULL;
	char *t = xstrdup(image);
	for (char *s = t; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    *s))
			*s = '-';
	return t;
}

/* The project's cache key: CI_PROJECT_PATH_SLUG, else CI_PROJECT_ID. */
static const char *job_cache(void)
{
	const char *k = getenv("CUSTOM_ENV_CI_PROJECT_PATH_SLUG");
	if (!k || !*k)
		k = getenv("CUSTOM_ENV_CI_PROJECT_ID");
	return k && *k ? k : NULL;
}

/* The runner's binary, for its cache and artifact helpers in the zone:
 * $ZONECTL_GITLAB_RUNNER, else where its packages install it. */
static const char *job_runner(void)
{
	const char *p = getenv("ZONECTL_GITLAB_RUNNER");
	if (p && *p)
		return p;
	static const char *const where[] = {"/usr/bin/gitlab-runner",
					    "/usr/local/bin/gitlab-runner"};
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

static int gitlab_config(const char *name)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "builds_dir", "/builds");
	jw_kstr(w, "cache_dir", "/cache");
	jw_kbool(w, "builds_dir_is_shared", false);
	jw_kstr(w, "hostname", name);
	jw_key(w, "driver");
	jw_obj_open(w);
	jw_kstr(w, "name", "zonectl");
	jw_kstr(w, "version", ZONECTL_VERSION);
	jw_obj_close(w);
	jw_key(w, "job_env");
	jw_obj_open(w);
	jw_kstr(w, "ZONECTL_ZONE", name);
	jw_obj_close(w);
	jw_obj_close(w);
	return cli_jw_print(w, false);
}

static int gitlab_run(struct cli *c, const char *name, const char *script, const char *stage)
{
	struct zerr err = {0};
	int status = 0;
	if (zone_job_script(&c->ctx, name, script, CI_GRACE_S, &status, &err) < 0)
		return system_failure(&err);
	if (status == 0)
		return 0;
	struct zone_info info = {0};
	bool running = zone_info_get(&c->ctx, name, &info, NULL) == 0 && info.state == ZS_RUNNING;
	zone_info_free(&info);
	fprintf(stderr, "zonectl: zone %s: stage %s: script exited with status %d%s\n", name, stage,
		status, running ? "" : " (the zone is no longer running)");
	return exit_code(running ? "BUILD_FAILURE_EXIT_CODE" : "SYSTEM_FAILURE_EXIT_CODE");
}

static int gitlab(struct cli *c, int argc, char **argv)
{
	const char *stage = argc > 1 ? argv[1] : "";
	char name[ZONE_NAME_MAX + 1];
	struct zerr err = {0};
	if (job_zone(name, &err) < 0)
		return system_failure(&err);
	if (!strcmp(stage, "config") && argc == 2)
		return gitlab_config(name);
	if (!strcmp(stage, "prepare") && argc == 2) {
		cleanup_free char *t = job_template();
		struct zone_job_opts o = {
			.template_name = t, .cache = job_cache(), .runner = job_runner()};
		return zone_job_prepare(&c->ctx, name, &o, &err) < 0 ? system_failure(&err) : 0;
	}
	if (!strcmp(stage, "run") && argc == 4)
		return gitlab_run(c, name, argv[2], argv[3]);
	if (!strcmp(stage, "cleanup") && argc == 2) {
		/* always: a job that never got a zone leaves nothing to remove */
		if (zone_delete(&c->ctx, name, true, &err) < 0 && err.code != ENOENT)
			cli_fail(&err);
		return 0;
	}
	return cli_usage_error("ci", "gitlab takes config, prepare, run SCRIPT STAGE or cleanup");
}

int cmd_ci(struct cli *c, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		cli_print_usage(cli_find("ci"), stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "gitlab"))
		return cli_usage_error("ci", "the one driver is gitlab");
	return gitlab(c, argc - 1, argv + 1);
}
