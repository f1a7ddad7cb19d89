/*
 * template.c - root trees that whole zones clone.
 *
 * A template is LIB/templates/NAME/{root/,template.json}. It is built in
 * LIB/templates/.NAME.creating (copied from a directory with cp -a,
 * unpacked from a tarball with tar, or made by debootstrap from the
 * mirror of the machine's own apt sources) and renamed into place, so it
 * appears whole or not at all. From then on nothing writes to it: it is
 * only ever the lower layer of whole zones' overlays (a lower layer
 * changed under a mounted overlay is undefined behaviour), no verb
 * changes it, and delete is refused while a zone uses it.
 *
 * One lock (RUN/.locks/.templates, a name no zone can have) orders the
 * three things that must not interleave: a template's rename into place,
 * its delete, and the install of a whole zone that names it (shared).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "json.h"
#include "runtime.h"

char *zone_template_dir(const struct zone_ctx *ctx, const char *name)
{
	return xasprintf("%s/templates/%s", ctx->lib_dir, name);
}

int zone_template_lock(const struct zone_ctx *ctx, bool exclusive, struct zerr *err)
{
	cleanup_free char *path = xasprintf("%s/.locks/.templates", ctx->run_dir);
	int fd = zlock(path, exclusive ? 0 : ZLOCK_SHARED, err);
	return fd < 0 ? zerr_prefix(err, "templates") : fd;
}

bool zone_template_exists(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *dir = zone_template_dir(ctx, name);
	cleanup_free char *meta = xasprintf("%s/template.json", dir);
	return access(meta, F_OK) == 0;
}

/* ---- the Debian mirror of the machine's apt sources ------------------- */

/* "deb [opts] URI SUITE ..." (sources.list) */
static char *mirror_of_list(const char *text)
{
	for (const char *l = text; *l; l = strchrnul(l, '\n'), l += *l == '\n') {
		char uri[512], suite[128];
		const char *s = l;
		if (strncmp(s, "deb ", 4))
			continue;
		s += 4;
		if (*s == '[' && (s = strchr(s, ']')))
			s++;
		if (s && sscanf(s, " %511s %127s", uri, suite) == 2 && !strstr(suite, "security"))
			return xstrdup(uri);
	}
	return NULL;
}

/* deb822 stanzas: "URIs:" of a stanza whose "Suites:" is not only -security. */
static char *mirror_of_sources(const char *text)
{
	char uri[512] = "";
	bool security = false;
	for (const char *l = text;; l = strchrnul(l, '\n'), l += *l == '\n') {
		if (!*l || *l == '\n') {
			if (uri[0] && !security)
				return xstrdup(uri);
			uri[0] = '\0';
			security = false;
			if (!*l)
				return NULL;
			continue;
		}
		if (!strncasecmp(l, "URIs:", 5))
			sscanf(l + 5, " %511s", uri);
		else if (!strncasecmp(l, "Suites:", 7)) {
			char first[128];
			security = sscanf(l + 7, " %127s", first) == 1 && strstr(first, "security");
		}
	}
}

int zone_apt_mirror(char **out, struct zerr *err)
{
	static const char *const pats[] = {"/etc/apt/sources.list",
					   "/etc/apt/sources.list.d/*.list",
					   "/etc/apt/sources.list.d/*.sources"};
	*out = NULL;
	for (size_t i = 0; i < 3 && !*out; i++) {
		glob_t g;
		if (glob(pats[i], 0, NULL, &g) != 0)
			continue;
		for (size_t j = 0; j < g.gl_pathc && !*out; j++) {
			cleanup_free char *text = NULL;
			if (read_file(g.gl_pathv[j], &text, NULL, NULL) < 0)
				continue;
			*out = i == 2 ? mirror_of_sources(text) : mirror_of_list(text);
		}
		globfree(&g);
	}
	if (!*out)
		return zerr_setx(err, ENOENT,
				 "no Debian mirror in /etc/apt/sources.list or "
				 "/etc/apt/sources.list.d/");
	return 0;
}

/* ---- create ------------------------------------------------------------ */

/* nftw passes no argument to its callback: the sum is a file-level
 * variable, which is fine in a single-threaded CLI. */
static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)path, (void)flag, (void)f;
	tree_bytes += (uint64_t)sb->st_blocks * 512;
	return 0;
}

static uint64_t tree_size(const char *root)
{
	tree_bytes = 0;
	nftw(root, add_size, 64, FTW_PHYS | FTW_MOUNT);
	return tree_bytes;
}

static int fill_root(const char *name, const char *root, const struct zone_template_opts *o,
		     char **source, struct zerr *err)
{
	cleanup_free char *what = xasprintf("template %s", name);
	if (o->debootstrap) {
		cleanup_free char *mirror = NULL;
		int r = zone_apt_mirror(&mirror, err);
		if (r < 0)
			return zerr_prefix(err, "template %s: --debootstrap", name);
		cleanup_strv char **argv = NULL;
		strv_append(&argv, "debootstrap");
		strv_append(&argv, "--variant=minbase");
		if (o->include) {
			cleanup_free char *inc = xasprintf("--include=%s", o->include);
			strv_append(&argv, inc);
		}
		strv_append(&argv, o->debootstrap);
		strv_append(&argv, root);
		strv_append(&argv, mirror);
		*source = xasprintf("debootstrap:%s", o->debootstrap);
		return run_tool(what, argv, err);
	}
	struct stat st;
	if (stat(o->from, &st) < 0)
		return zerr_set(err, errno, "template %s: --from `%s`", name, o->from);
	*source = xstrdup(o->from);
	if (S_ISDIR(st.st_mode)) {
		cleanup_free char *src = xasprintf("%s/.", o->from);
		char *argv[] = {"cp", "-a", "--reflink=auto", src, (char *)root, NULL};
		return run_tool(what, argv, err);
	}
	char *argv[] = {"tar",      "-x",
			"-p",       "--numeric-owner",
			"--xattrs", "--xattrs-include=*",
			"-f",       (char *)o->from,
			"-C",       (char *)root,
			NULL};
	return run_tool(what, argv, err);
}

static int write_meta(const char *dir, const char *name, const char *source, uint64_t size,
		      struct zerr *err)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "name", name);
	jw_kstr(w, "source", source);
	jw_kint(w, "created", (int64_t)time(NULL));
	jw_kuint(w, "size", size);
	jw_obj_close(w);
	size_t len;
	cleanup_free char *text = jw_finish(w, &len);
	cleanup_free char *path = xasprintf("%s/template.json", dir);
	int r = write_file_atomic(path, text, len, 0644, err);
	return r < 0 ? zerr_prefix(err, "template %s", name) : 0;
}

/* Into place under the exclusive lock: the name is checked and taken in
 * one step. */
static int publish(const struct zone_ctx *ctx, const char *name, const char *tmp, struct zerr *err)
{
	int lock = zone_template_lock(ctx, true, err);
	if (lock < 0)
		return lock;
	cleanup_free char *final = zone_template_dir(ctx, name);
	int r = 0;
	if (access(final, F_OK) == 0)
		r = zerr_setx(err, EEXIST, "template %s: already exists", name);
	else if (rename(tmp, final) < 0)
		r = zerr_set(err, errno, "template %s: rename `%s`", name, tmp);
	close(lock);
	return r;
}

int zone_template_create(struct zone_ctx *ctx, const char *name, const struct zone_template_opts *o,
			 struct zerr *err)
{
	int r = zone_name_check(name, err);
	if (r < 0)
		return zerr_prefix(err, "template");
	if (!o->from == !o->debootstrap)
		return zerr_setx(err, EINVAL,
				 "template %s: give --from DIR|TARBALL or "
				 "--debootstrap SUITE",
				 name);
	if (zone_template_exists(ctx, name))
		return zerr_setx(err, EEXIST, "template %s: already exists", name);
	cleanup_free char *base = xasprintf("%s/templates", ctx->lib_dir);
	if ((r = mkdir_p(base, 0700, err)) < 0)
		return r;
	/* the pid keeps two creates of one name apart until publish */
	cleanup_free char *tmp = xasprintf("%s/.%s.creating.%d", base, name, (int)getpid());
	cleanup_free char *root = xasprintf("%s/root", tmp);
	cleanup_free char *source = NULL;
	rm_rf(tmp, NULL);
	if (mkdir(tmp, 0700) < 0 || mkdir(root, 0755) < 0)
		r = zerr_set(err, errno, "template %s: mkdir `%s`", name, root);
	if (r == 0)
		r = fill_root(name, root, o, &source, err);
	if (r == 0)
		r = write_meta(tmp, name, source, tree_size(root), err);
	if (r == 0)
		r = publish(ctx, name, tmp, err);
	if (r < 0)
		rm_rf(tmp, NULL);
	return r;
}

/* ---- list and delete ----------------------------------------------------- */

/* The whole zones naming template `name`. */
static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The zones made from template `name`, sorted (messages list them). */
static char **zones_using(const struct zone_ctx *ctx, const char *name)
{
	char **out = NULL;
	cleanup_free char *dir = xasprintf("%s/zones", ctx->lib_dir);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (zone_name_check(de->d_name, NULL) < 0)
			continue;
		cleanup_free char *path = xasprintf("%s/%s/config.json", dir, de->d_name);
		cleanup_config struct zone_config cfg = {0};
		if (zone_config_load(de->d_name, path, &cfg, NULL) == 0 && cfg.template_name &&
		    !strcmp(cfg.template_name, name))
			strv_append(&out, de->d_name);
	}
	if (d)
		closedir(d);
	if (out)
		qsort(out, strv_len(out), sizeof(*out), by_str);
	return out;
}

static int load_info(const struct zone_ctx *ctx, const char *name, struct zone_template_info *t,
		     struct zerr *err)
{
	cleanup_free char *dir = zone_template_dir(ctx, name);
	cleanup_free char *path = xasprintf("%s/template.json", dir);
	cleanup_free char *text = NULL;
	size_t len;
	int r = read_file(path, &text, &len, err);
	if (r < 0)
		return zerr_prefix(err, "template %s", name);
	cleanup_json struct jv *doc = NULL;
	if ((r = json_parse(text, len, &doc, err)) < 0)
		return zerr_prefix(err, "template %s: `%s`", name, path);
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%.*s", ZONE_NAME_MAX, name);
	const char *source = "?";
	jv_string(jv_get(doc, "source"), "source", &source, NULL);
	t->source = xstrdup(source);
	int64_t created = 0;
	jv_int64(jv_get(doc, "created"), "created", &created, NULL);
	t->created = created;
	jv_uint64(jv_get(doc, "size"), "size", &t->size, NULL);
	t->zones = zones_using(ctx, name);
	return 0;
}

void zone_template_info_free(struct zone_template_info *t)
{
	free(t->source);
	strv_free(t->zones);
	memset(t, 0, sizeof(*t));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct zone_template_info *)a)->name,
		      ((const struct zone_template_info *)b)->name);
}

/* What a killed create or delete left: .NAME.creating.PID and
 * .NAME.deleting.PID of a PID that is gone. */
static void sweep(const struct zone_ctx *ctx, const char *base)
{
	int lock = zone_template_lock(ctx, true, NULL);
	if (lock < 0)
		return;
	DIR *d = opendir(base);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *c = strstr(de->d_name, ".creating.");
		if (!c)
			c = strstr(de->d_name, ".deleting.");
		if (de->d_name[0] != '.' || !c || proc_starttime((pid_t)atoi(c + 10)))
			continue;
		cleanup_free char *path = xasprintf("%s/%s", base, de->d_name);
		rm_rf(path, NULL);
	}
	if (d)
		closedir(d);
	close(lock);
}

int zone_template_list(struct zone_ctx *ctx, struct zone_template_info **out, size_t *n,
		       struct zerr *err)
{
	*out = NULL;
	*n = 0;
	cleanup_free char *dir = xasprintf("%s/templates", ctx->lib_dir);
	sweep(ctx, dir);
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "templates: `%s`", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (zone_name_check(de->d_name, NULL) < 0 || !zone_template_exists(ctx, de->d_name))
			continue;
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		if (load_info(ctx, de->d_name, &(*out)[*n], NULL) == 0)
			(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), by_name);
	return 0;
}

int zone_template_delete(struct zone_ctx *ctx, const char *name, struct zerr *err)
{
	int r = zone_name_check(name, err);
	if (r < 0)
		return zerr_prefix(err, "template");
	int lock = zone_template_lock(ctx, true, err);
	if (lock < 0)
		return lock;
	cleanup_strv char **users = NULL;
	cleanup_free char *dir = zone_template_dir(ctx, name);
	cleanup_free char *tmp = xasprintf("%s/templates/.%s.deleting.%d", ctx->lib_dir, name,
					   (int)getpid());
	if (!zone_template_exists(ctx, name)) {
		r = zerr_setx(err, ENOENT,
			      "template %s: no such template (zonectl template list "
			      "shows them)",
			      name);
	} else if ((users = zones_using(ctx, name))) {
		cleanup_free char *list = xstrdup(users[0]);
		for (size_t i = 1; users[i]; i++) {
			char *more = xasprintf("%s, %s", list, users[i]);
			free(list);
			list = more;
		}
		r = zerr_setx(err, EBUSY, "template %s: in use by zone%s %s (delete %s first)",
			      name, users[1] ? "s" : "", list, users[1] ? "them" : "it");
	} else if (rename(dir, tmp) < 0) {
		r = zerr_set(err, errno, "template %s: rename `%s`", name, dir);
	}
	close(lock);
	if (r == 0 && (r = rm_rf(tmp, err)) < 0)
		zerr_prefix(err, "template %s: delete", name);
	return r;
}
