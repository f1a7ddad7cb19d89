/* bpf_obj.c - loading zonectl's embedded BPF objects with libbpf (the
 * network programs of netstack-bind/bpf, the tracers of trace/bpf).
 *
 * A loader's configuration is written into the object's read-only data
 * (its `const volatile` global "cfg") before the load, so the verifier
 * sees it as constants: a zone's addresses and MAC, a tracer's options.
 * libbpf is kept quiet: it would print to stderr, and a library
 * below cli/ never prints. Its warnings (the first one names what failed,
 * the verifier's log says why) go into the error instead. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "zbpf.h"

static char first_warning[256]; /* the first since zbpf_load began */
static char verifier_says[256]; /* the last line of the verifier's log */

/* Truncating copy (snprintf "%s" would make gcc warn about the cut). */
static void copy(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void trim(char *s)
{
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
}

/* libbpf prints the verifier's log as one message between
 * "-- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --"; its last line
 * before the statistics is the reason. */
static void keep_log_tail(char *log)
{
	char *end = strstr(log, "-- END PROG LOAD LOG --");
	if (end)
		*end = '\0';
	char *last;
	for (;;) { /* skip the statistics the verifier ends with */
		trim(log);
		last = strrchr(log, '\n');
		const char *line = last ? last + 1 : log;
		if (!last ||
		    (strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17)))
			break;
		*last = '\0';
	}
	copy(verifier_says, sizeof(verifier_says), last ? last + 1 : log);
}

/* Only called while something fails: the whole message is formatted, as
 * the verifier's log can be long and its end is what matters. */
static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;
	if (level != LIBBPF_WARN || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	if (strstr(msg, "BEGIN PROG LOAD LOG"))
		keep_log_tail(msg);
	else if (!first_warning[0]) {
		copy(first_warning, sizeof(first_warning),
		     strncmp(msg, "libbpf: ", 8) ? msg : msg + 8);
		trim(first_warning);
	}
	free(msg);
	return 0;
}

void zbpf_closep(struct bpf_object **obj)
{
	bpf_object__close(*obj);
}

/* The .rodata map and the offset of "cfg" in it, from the object's BTF. */
static int find_cfg(struct bpf_object *obj, struct bpf_map **rodata, size_t *off, size_t *size)
{
	struct bpf_map *m;
	*rodata = NULL;
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t len = strlen(name);
		if (bpf_map__is_internal(m) && len >= 7 && strcmp(name + len - 7, ".rodata") == 0)
			*rodata = m;
	}
	struct btf *btf = bpf_object__btf(obj);
	if (!*rodata || !btf)
		return -ENOENT;
	int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -ENOENT;
	const struct btf_type *sec = btf__type_by_id(btf, (__u32)id);
	const struct btf_var_secinfo *v = btf_var_secinfos(sec);
	for (unsigned k = 0; k < btf_vlen(sec); k++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		if (strcmp(btf__name_by_offset(btf, var->name_off), "cfg") == 0) {
			*off = v->offset;
			*size = v->size;
			return 0;
		}
	}
	return -ENOENT;
}

static int set_cfg(struct bpf_object *obj, const void *cfg, size_t cfg_len)
{
	struct bpf_map *rodata;
	size_t off, size, total;
	if (find_cfg(obj, &rodata, &off, &size) < 0 || size != cfg_len)
		return -ENOENT;
	const void *init = bpf_map__initial_value(rodata, &total);
	if (!init || off + size > total)
		return -ENOENT;
	cleanup_free unsigned char *data = xmalloc(total);
	memcpy(data, init, total);
	memcpy(data + off, cfg, cfg_len);
	return bpf_map__set_initial_value(rodata, data, total);
}

static const char *why(void)
{
	static char buf[sizeof(first_warning) + sizeof(verifier_says) + 4];
	snprintf(buf, sizeof(buf), "%s%s%s", first_warning, verifier_says[0] ? ": " : "",
		 verifier_says);
	return buf;
}

/* e is an errno or one of libbpf's own codes (4000 and up). */
int zbpf_failed(const char *what, const char *doing, const char *name, int e, struct zerr *err)
{
	char msg[128];
	libbpf_strerror(e, msg, sizeof(msg));
	return zerr_setx(err, e >= __LIBBPF_ERRNO__START ? EINVAL : e,
			 "%s: %s BPF object %s: %s%s%s", what, doing, name, msg, *why() ? ": " : "",
			 why());
}

int zbpf_load(const char *what, const char *name, const unsigned char *start,
	      const unsigned char *end, const void *cfg, size_t cfg_len,
	      int (*prepare)(struct bpf_object *obj, void *arg), void *arg, struct bpf_object **out,
	      struct zerr *err)
{
	if (!start || !end)
		return zerr_setx(err, ENOEXEC,
				 "%s: this program was linked without the BPF object %s", what,
				 name);
	libbpf_set_print(quiet);
	first_warning[0] = verifier_says[0] = '\0';
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	struct bpf_object *obj = bpf_object__open_mem(start, (size_t)(end - start), &opts);
	if (!obj)
		return zbpf_failed(what, "open", name, errno, err);
	int r = set_cfg(obj, cfg, cfg_len);
	if (r < 0) {
		bpf_object__close(obj);
		return zerr_setx(err, -r, "%s: BPF object %s has no `cfg` of %zu bytes", what, name,
				 cfg_len);
	}
	if (prepare && (r = prepare(obj, arg)) < 0) {
		bpf_object__close(obj);
		return zbpf_failed(what, "prepare", name, -r, err);
	}
	r = bpf_object__load(obj);
	if (r < 0) {
		bpf_object__close(obj);
		return zbpf_failed(what, "load", name, -r, err);
	}
	*out = obj;
	return 0;
}
