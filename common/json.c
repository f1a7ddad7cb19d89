/* json.c - the only file that includes yajl.
 *
 * Parsing runs yajl twice over the text: first a bare parser with only
 * nesting callbacks, which gives the byte offset of any error (yajl_tree
 * reports none, and leaks its partial tree on failure) and refuses deep
 * nesting before anything recursive (yajl_tree_free, jw_value) can meet
 * it; then yajl_tree_parse, which on text that passed cannot fail except
 * for memory. Both passes are linear and a config is a few kilobytes.
 *
 * A struct jv is a yajl_val in disguise: the pointer is only converted,
 * never dereferenced as anything but a yajl node. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "json.h"

#define JSON_MAX_DEPTH 128

static yajl_val Y(const struct jv *v)
{
	return (yajl_val)v;
}
static const struct jv *J(yajl_val v)
{
	return (const struct jv *)v;
}

/* ---- parsing -------------------------------------------------------- */

struct depth {
	unsigned depth;
	bool too_deep;
};

static int on_open(void *ctx)
{
	struct depth *d = ctx;
	if (++d->depth > JSON_MAX_DEPTH) {
		d->too_deep = true;
		return 0;
	}
	return 1;
}

static int on_close(void *ctx)
{
	((struct depth *)ctx)->depth--;
	return 1;
}

static const yajl_callbacks depth_callbacks = {
	.yajl_start_map = on_open,
	.yajl_end_map = on_close,
	.yajl_start_array = on_open,
	.yajl_end_array = on_close,
};

static int malformed(const char *text, size_t off, const char *why, struct zerr *err)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return zerr_setx(err, EINVAL, "malformed JSON at line %u, column %u: %.*s", line, col,
			 (int)strcspn(why, "\n"), why);
}

/* Premature end: point just past the last non-blank byte, not at the start
 * of an empty line after it. */
static size_t end_offset(const char *text, size_t len)
{
	while (len > 0 && strchr(" \t\r\n", text[len - 1]))
		len--;
	return len;
}

static int json_check(const char *text, size_t len, struct zerr *err)
{
	struct depth d = {0, false};
	yajl_handle h = yajl_alloc(&depth_callbacks, NULL, &d);
	if (!h)
		return zerr_set(err, ENOMEM, "JSON parser");
	yajl_config(h, yajl_allow_comments, 1);

	const unsigned char *u = (const unsigned char *)text;
	size_t off;
	yajl_status st = yajl_parse(h, u, len);
	if (st == yajl_status_ok) {
		st = yajl_complete_parse(h);
		off = end_offset(text, len);
	} else {
		/* yajl's offset is one past the byte it choked on */
		off = yajl_get_bytes_consumed(h);
		off = off > 0 ? off - 1 : 0;
	}
	int r = 0;
	if (d.too_deep) {
		r = malformed(text, off, "nested deeper than 128 levels", err);
	} else if (st != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(h, 0, u, len);
		r = malformed(text, off, msg ? (const char *)msg : "?", err);
		yajl_free_error(h, msg);
	}
	yajl_free(h);
	return r;
}

int json_parse(const char *text, size_t len, struct jv **out, struct zerr *err)
{
	*out = NULL;
	/* yajl_tree_parse stops at a NUL: text after it would go unread */
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return malformed(text, (size_t)(nul - text), "NUL byte", err);
	int r = json_check(text, len, err);
	if (r < 0)
		return r;

	cleanup_free char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	char why[256] = "";
	yajl_val v = yajl_tree_parse(copy, why, sizeof(why));
	if (!v)
		return zerr_setx(err, ENOMEM, "JSON parser: %.*s", (int)strcspn(why, "\n"), why);
	*out = (struct jv *)v;
	return 0;
}

void json_free(struct jv *root)
{
	yajl_tree_free(Y(root));
}

void json_freep(struct jv **root)
{
	if (*root)
		json_free(*root);
}

/* ---- reading the tree ----------------------------------------------- */

enum jv_type jv_type(const struct jv *v)
{
	if (!v)
		return JV_NULL;
	switch (Y(v)->type) {
	case yajl_t_string: return JV_STRING;
	case yajl_t_number: return JV_NUMBER;
	case yajl_t_object: return JV_OBJECT;
	case yajl_t_array: return JV_ARRAY;
	case yajl_t_true:
	case yajl_t_false: return JV_BOOL;
	default: return JV_NULL;
	}
}

static bool number_is_integer(yajl_val y)
{
	return strpbrk(y->u.number.r, ".eE") == NULL;
}

static const char *type_name(enum jv_type t)
{
	static const char *const names[] = {
		[JV_NULL] = "null",       [JV_BOOL] = "a boolean", [JV_NUMBER] = "a number",
		[JV_STRING] = "a string", [JV_ARRAY] = "an array", [JV_OBJECT] = "an object",
	};
	return names[t];
}

const char *jv_type_name(const struct jv *v)
{
	if (!v)
		return "nothing";
	if (jv_type(v) == JV_NUMBER && number_is_integer(Y(v)))
		return "an integer";
	return type_name(jv_type(v));
}

size_t jv_len(const struct jv *v)
{
	yajl_val y = Y(v);
	if (YAJL_IS_ARRAY(y))
		return y->u.array.len;
	if (YAJL_IS_OBJECT(y))
		return y->u.object.len;
	return 0;
}

const struct jv *jv_at(const struct jv *array, size_t i)
{
	return J(Y(array)->u.array.values[i]);
}

const char *jv_key(const struct jv *object, size_t i)
{
	return Y(object)->u.object.keys[i];
}

const struct jv *jv_val(const struct jv *object, size_t i)
{
	return J(Y(object)->u.object.values[i]);
}

const struct jv *jv_get(const struct jv *object, const char *key)
{
	if (!YAJL_IS_OBJECT(Y(object)))
		return NULL;
	for (size_t i = 0; i < jv_len(object); i++)
		if (!strcmp(jv_key(object, i), key))
			return jv_val(object, i);
	return NULL;
}

/* ---- typed getters -------------------------------------------------- */

static int wrong_type(const struct jv *v, const char *path, const char *want, struct zerr *err)
{
	if (!v)
		return zerr_setx(err, EINVAL, "%s: missing", path);
	return zerr_setx(err, EINVAL, "%s: expected %s, got %s", path, want, jv_type_name(v));
}

int jv_expect(const struct jv *v, const char *path, enum jv_type t, struct zerr *err)
{
	if (!v || jv_type(v) != t)
		return wrong_type(v, path, type_name(t), err);
	return 0;
}

int jv_string(const struct jv *v, const char *path, const char **out, struct zerr *err)
{
	if (!YAJL_IS_STRING(Y(v)))
		return wrong_type(v, path, "a string", err);
	*out = Y(v)->u.string;
	return 0;
}

int jv_bool(const struct jv *v, const char *path, bool *out, struct zerr *err)
{
	if (jv_type(v) != JV_BOOL)
		return wrong_type(v, path, "a boolean", err);
	*out = YAJL_IS_TRUE(Y(v));
	return 0;
}

static int want_integer(const struct jv *v, const char *path, const char *want, struct zerr *err)
{
	if (!YAJL_IS_NUMBER(Y(v)) || !number_is_integer(Y(v)))
		return wrong_type(v, path, want, err);
	return 0;
}

int jv_int64(const struct jv *v, const char *path, int64_t *out, struct zerr *err)
{
	int r = want_integer(v, path, "an integer", err);
	if (r < 0)
		return r;
	const char *s = Y(v)->u.number.r;
	errno = 0;
	long long n = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return zerr_setx(err, EINVAL, "%s: %s is out of range", path, s);
	*out = n;
	return 0;
}

int jv_uint64(const struct jv *v, const char *path, uint64_t *out, struct zerr *err)
{
	int r = want_integer(v, path, "a non-negative integer", err);
	if (r < 0)
		return r;
	const char *s = Y(v)->u.number.r;
	if (*s == '-')
		return zerr_setx(err, EINVAL, "%s: expected a non-negative integer, got %s", path,
				 s);
	errno = 0;
	unsigned long long n = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return zerr_setx(err, EINVAL, "%s: %s is out of range", path, s);
	*out = n;
	return 0;
}

int jv_int_range(const struct jv *v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct zerr *err)
{
	int64_t n = 0;
	int r = jv_int64(v, path, &n, err);
	if (r < 0)
		return r;
	if (n < min || n > max)
		return zerr_setx(err, EINVAL,
				 "%s: must be between %" PRId64 " and %" PRId64 ", got %" PRId64,
				 path, min, max, n);
	*out = n;
	return 0;
}

int jv_strv(const struct jv *v, const char *path, char ***out, struct zerr *err)
{
	int r = jv_expect(v, path, JV_ARRAY, err);
	if (r < 0)
		return r;
	size_t n = jv_len(v);
	char **sv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const struct jv *e = jv_at(v, i);
		if (!YAJL_IS_STRING(Y(e))) {
			strv_free(sv);
			return zerr_setx(err, EINVAL, "%s[%zu]: expected a string, got %s", path, i,
					 jv_type_name(e));
		}
		sv[i] = xstrdup(Y(e)->u.string);
	}
	*out = sv;
	return 0;
}

/* ---- key paths ------------------------------------------------------ */

/* Keys come from the document: control bytes in one must not reach a
 * terminal through an error message. */
size_t jpath_key(struct jpath *p, const char *key)
{
	size_t mark = p->len, cap = sizeof(p->buf) - 1;
	if (p->len > 0 && p->len < cap)
		p->buf[p->len++] = '.';
	for (const char *k = key; *k && p->len < cap; k++) {
		unsigned char c = (unsigned char)*k;
		p->buf[p->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	p->buf[p->len] = '\0';
	return mark;
}

size_t jpath_index(struct jpath *p, size_t i)
{
	size_t mark = p->len, room = sizeof(p->buf) - p->len;
	int n = snprintf(p->buf + p->len, room, "[%zu]", i);
	if (n > 0)
		p->len += (size_t)n < room ? (size_t)n : room - 1;
	return mark;
}

void jpath_pop(struct jpath *p, size_t mark)
{
	p->len = mark;
	p->buf[mark] = '\0';
}

const char *jpath_str(const struct jpath *p)
{
	return p->len ? p->buf : "top level";
}

/* ---- walking -------------------------------------------------------- */

/* The seen-set is one uint64_t: a 65th field is never matched, so an
 * over-long table shows up as "unknown key" in its first test. */
static int find_field(const struct jfield *fields, const char *key)
{
	for (int k = 0; k < 64 && fields[k].key; k++)
		if (!strcmp(fields[k].key, key))
			return k;
	return -1;
}

static int missing_required(const struct jfield *fields, uint64_t seen, struct jpath *p,
			    struct zerr *err)
{
	for (int k = 0; k < 64 && fields[k].key; k++) {
		if (!(fields[k].flags & JF_REQUIRED) || (seen & (1ull << k)))
			continue;
		jpath_key(p, fields[k].key);
		return zerr_setx(err, EINVAL, "%s: required", jpath_str(p));
	}
	return 0;
}

/* The JF_INT macros checked that [min, max] fits the member's type, so
 * n does: only its size and signedness are left to honour. */
static void store_int(void *dst, const struct jfield *f, int64_t n)
{
	switch (f->size) {
	case 1:
		if (f->is_signed)
			*(int8_t *)dst = (int8_t)n;
		else
			*(uint8_t *)dst = (uint8_t)n;
		break;
	case 2:
		if (f->is_signed)
			*(int16_t *)dst = (int16_t)n;
		else
			*(uint16_t *)dst = (uint16_t)n;
		break;
	case 4:
		if (f->is_signed)
			*(int32_t *)dst = (int32_t)n;
		else
			*(uint32_t *)dst = (uint32_t)n;
		break;
	default:
		if (f->is_signed)
			*(int64_t *)dst = n;
		else
			*(uint64_t *)dst = (uint64_t)n;
		break;
	}
}

static int store_string(const struct jfield *f, const struct jv *v, const char *path, char **dst,
			struct zerr *err)
{
	const char *s = NULL;
	int r = jv_string(v, path, &s, err);
	if (r < 0)
		return r;
	if (f->kind == JK_ABSPATH && s[0] != '/')
		return zerr_setx(err, EINVAL, "%s: must be an absolute path, got `%s`", path, s);
	*dst = xstrdup(s);
	return 0;
}

/* Kept even when a path is refused: the owner's free takes it. */
static int store_strv(const struct jfield *f, const struct jv *v, const char *path, char ***dst,
		      struct zerr *err)
{
	int r = jv_strv(v, path, dst, err);
	for (size_t i = 0; r == 0 && f->kind == JK_ABSPATHV && (*dst)[i]; i++)
		if ((*dst)[i][0] != '/')
			return zerr_setx(err, EINVAL, "%s[%zu]: must be an absolute path, got `%s`",
					 path, i, (*dst)[i]);
	return r;
}

/* A field without fn: the value goes into ctx + f->off. */
static int store(const struct jfield *f, const struct jv *v, struct jpath *p, void *ctx,
		 struct zerr *err)
{
	void *dst = (char *)ctx + f->off;
	const char *path = jpath_str(p);
	int64_t n = 0;
	int r;
	switch (f->kind) {
	case JK_BOOL: r = jv_bool(v, path, dst, err); break;
	case JK_STRING:
	case JK_ABSPATH: r = store_string(f, v, path, dst, err); break;
	case JK_STRV:
	case JK_ABSPATHV: r = store_strv(f, v, path, dst, err); break;
	case JK_INT:
		r = jv_int_range(v, path, f->min, f->max, &n, err);
		if (r == 0)
			store_int(dst, f, n);
		break;
	case JK_UINT: r = jv_uint64(v, path, dst, err); break;
	case JK_OBJECT: r = jv_walk(v, p, f->sub, dst, err); break;
	default: /* JK_FN without a fn: a table's mistake */
		return zerr_setx(err, EINVAL, "%s: no handler", path);
	}
	if (r == 0 && (f->flags & JF_HAS))
		*(bool *)((char *)ctx + f->has_off) = true;
	return r;
}

int jv_walk(const struct jv *obj, struct jpath *p, const struct jfield *fields, void *ctx,
	    struct zerr *err)
{
	int r = jv_expect(obj, jpath_str(p), JV_OBJECT, err);
	if (r < 0)
		return r;
	uint64_t seen = 0;
	for (size_t i = 0; i < jv_len(obj); i++) {
		size_t mark = jpath_key(p, jv_key(obj, i));
		int k = find_field(fields, jv_key(obj, i));
		if (k < 0 && p->open) {
			jpath_note(p, "unknown key");
			jpath_pop(p, mark);
			continue;
		}
		if (k < 0)
			return zerr_setx(err, EINVAL, "%s: unknown key", p->buf);
		if (seen & (1ull << k))
			return zerr_setx(err, EINVAL, "%s: duplicate key", p->buf);
		seen |= 1ull << k;
		if (fields[k].fn)
			r = fields[k].fn(jv_val(obj, i), p, ctx, err);
		else
			r = store(&fields[k], jv_val(obj, i), p, ctx, err);
		if (r < 0)
			return r;
		jpath_pop(p, mark);
	}
	return missing_required(fields, seen, p, err);
}

int jv_walk_strict(const struct jv *obj, struct jpath *p, const struct jfield *fields, void *ctx,
		   struct zerr *err)
{
	bool open = p->open;
	p->open = false;
	int r = jv_walk(obj, p, fields, ctx, err);
	p->open = open;
	return r;
}

void jpath_note(struct jpath *p, const char *why)
{
	if (!p->note[0])
		snprintf(p->note, sizeof(p->note), "%s: %s, ignored", jpath_str(p), why);
}

int jv_each(const struct jv *arr, struct jpath *p, jv_elem_fn fn, void *ctx, struct zerr *err)
{
	int r = jv_expect(arr, jpath_str(p), JV_ARRAY, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < jv_len(arr); i++) {
		size_t mark = jpath_index(p, i);
		r = fn(jv_at(arr, i), i, p, ctx, err);
		if (r < 0)
			return r;
		jpath_pop(p, mark);
	}
	return 0;
}

/* ---- writing -------------------------------------------------------- */

struct jw {
	yajl_gen g;
	bool failed;
	int depth;  /* open containers, to tell a finished document */
	bool wrote; /* a top-level value was started */
};

struct jw *jw_new(bool pretty)
{
	struct jw *w = xcalloc(1, sizeof(*w));
	w->g = yajl_gen_alloc(NULL);
	if (!w->g) {
		w->failed = true;
		return w;
	}
	yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
	if (pretty) {
		yajl_gen_config(w->g, yajl_gen_beautify, 1);
		yajl_gen_config(w->g, yajl_gen_indent_string, "  ");
	}
	return w;
}

static void check(struct jw *w, yajl_gen_status st)
{
	w->wrote = true;
	if (st != yajl_gen_status_ok)
		w->failed = true;
}

void jw_obj_open(struct jw *w)
{
	if (w->failed)
		return;
	w->depth++;
	check(w, yajl_gen_map_open(w->g));
}

void jw_obj_close(struct jw *w)
{
	if (w->failed)
		return;
	w->depth--;
	check(w, yajl_gen_map_close(w->g));
}

void jw_arr_open(struct jw *w)
{
	if (w->failed)
		return;
	w->depth++;
	check(w, yajl_gen_array_open(w->g));
}

void jw_arr_close(struct jw *w)
{
	if (w->failed)
		return;
	w->depth--;
	check(w, yajl_gen_array_close(w->g));
}

/* A name read from /proc or a file need not be UTF-8; losing its
 * non-ASCII bytes beats failing a whole `-o json` listing. */
static yajl_gen_status gen_string(yajl_gen g, const char *s)
{
	size_t n = strlen(s);
	yajl_gen_status st = yajl_gen_string(g, (const unsigned char *)s, n);
	if (st != yajl_gen_invalid_string)
		return st;
	cleanup_free unsigned char *ascii = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		ascii[i] = (unsigned char)s[i] < 0x80 ? (unsigned char)s[i] : '?';
	return yajl_gen_string(g, ascii, n);
}

void jw_key(struct jw *w, const char *key)
{
	if (!key)
		w->failed = true;
	else if (!w->failed)
		check(w, gen_string(w->g, key));
}

void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else if (!w->failed)
		check(w, gen_string(w->g, s));
}

void jw_int(struct jw *w, int64_t v)
{
	if (!w->failed)
		check(w, yajl_gen_integer(w->g, v));
}

void jw_uint(struct jw *w, uint64_t v)
{
	if (w->failed)
		return;
	if (v <= (uint64_t)LLONG_MAX) {
		check(w, yajl_gen_integer(w->g, (long long)v));
		return;
	}
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	check(w, yajl_gen_number(w->g, buf, (size_t)n));
}

void jw_bool(struct jw *w, bool v)
{
	if (!w->failed)
		check(w, yajl_gen_bool(w->g, v));
}

void jw_null(struct jw *w)
{
	if (!w->failed)
		check(w, yajl_gen_null(w->g));
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kuint(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_strv(struct jw *w, char *const *v)
{
	jw_arr_open(w);
	for (size_t i = 0; v && v[i]; i++)
		jw_str(w, v[i]);
	jw_arr_close(w);
}

void jw_kstrv(struct jw *w, const char *key, const char *const *v)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (size_t i = 0; v && v[i]; i++)
		jw_str(w, v[i]);
	jw_arr_close(w);
}

static void write_value(struct jw *w, yajl_val y)
{
	switch (y->type) {
	case yajl_t_string: jw_str(w, y->u.string); break;
	case yajl_t_number:
		if (!w->failed)
			check(w, yajl_gen_number(w->g, y->u.number.r, strlen(y->u.number.r)));
		break;
	case yajl_t_true: jw_bool(w, true); break;
	case yajl_t_false: jw_bool(w, false); break;
	case yajl_t_array:
		jw_arr_open(w);
		for (size_t i = 0; i < y->u.array.len; i++)
			write_value(w, y->u.array.values[i]);
		jw_arr_close(w);
		break;
	case yajl_t_object:
		jw_obj_open(w);
		for (size_t i = 0; i < y->u.object.len; i++) {
			jw_key(w, y->u.object.keys[i]);
			write_value(w, y->u.object.values[i]);
		}
		jw_obj_close(w);
		break;
	default: jw_null(w); break;
	}
}

int jw_value(struct jw *w, const struct jv *v)
{
	write_value(w, Y(v));
	return w->failed ? -EINVAL : 0;
}

char *jw_finish(struct jw *w, size_t *len)
{
	char *out = NULL;
	const unsigned char *buf;
	size_t n;
	if (!w->failed && w->wrote && w->depth == 0 &&
	    yajl_gen_get_buf(w->g, &buf, &n) == yajl_gen_status_ok) {
		out = xmalloc(n + 1);
		memcpy(out, buf, n);
		out[n] = '\0';
		if (len)
			*len = n;
	}
	jw_free(w);
	return out;
}

void jw_free(struct jw *w)
{
	if (!w)
		return;
	if (w->g)
		yajl_gen_free(w->g);
	free(w);
}
