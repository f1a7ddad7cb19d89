/* json.h - JSON for the rest of zonectl: parsing into a read-only tree,
 * typed getters whose errors name the full key path, a table-driven walk
 * over objects, and a small writer. It is the only module that uses yajl;
 * nothing here exposes a yajl type. */
#ifndef ZONECTL_JSON_H
#define ZONECTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zutil.h"

/* ---- reading ---------------------------------------------------------- */

/* A node of a parsed document. Opaque; valid until json_free of its root. */
struct jv;

enum jv_type { JV_NULL, JV_BOOL, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

/* Parses text[0..len) (no NUL terminator needed). C and C++ comments are
 * allowed. On failure err says "malformed JSON at line L, column C: why";
 * documents nested deeper than 128 levels are refused the same way. */
int json_parse(const char *text, size_t len, struct jv **out, struct zerr *err);
void json_free(struct jv *root);
void json_freep(struct jv **root);
#define cleanup_json __attribute__((cleanup(json_freep)))

/* A NULL v (a key jv_get did not find) reads as JV_NULL here and as
 * "PATH: missing" in the getters below. */
enum jv_type jv_type(const struct jv *v);
/* "a string", "an integer", "a number", "a boolean", "null", "an array",
 * "an object": for messages such as "expected an integer, got a string". */
const char *jv_type_name(const struct jv *v);
/* Elements of an array or members of an object; 0 for anything else. */
size_t jv_len(const struct jv *v);
const struct jv *jv_at(const struct jv *array, size_t i);
const char *jv_key(const struct jv *object, size_t i);
const struct jv *jv_val(const struct jv *object, size_t i);
/* The first member named key, or NULL. */
const struct jv *jv_get(const struct jv *object, const char *key);

/* Typed getters. `path` names the value in messages ("linux.resources.
 * memory.limit: expected an integer, got a string"); all errors are
 * -EINVAL. Numbers are converted from their source text, so every int64
 * and uint64 is exact and "1.0" is not an integer. */
int jv_expect(const struct jv *v, const char *path, enum jv_type t,
	      struct zerr *err);
int jv_string(const struct jv *v, const char *path, const char **out,
	      struct zerr *err);
int jv_bool(const struct jv *v, const char *path, bool *out, struct zerr *err);
int jv_int64(const struct jv *v, const char *path, int64_t *out,
	     struct zerr *err);
int jv_uint64(const struct jv *v, const char *path, uint64_t *out,
	      struct zerr *err);
/* An integer in [min, max]: "...: must be between 10 and 1000, got 5". */
int jv_int_range(const struct jv *v, const char *path, int64_t min,
		 int64_t max, int64_t *out, struct zerr *err);
/* An array of strings as a malloc'd NULL-terminated vector ([] gives an
 * empty vector, not NULL). */
int jv_strv(const struct jv *v, const char *path, char ***out,
	    struct zerr *err);

/* ---- key paths -------------------------------------------------------- */

/* The path of the value being looked at, built while descending:
 * "mounts[2].destination". Over-long paths are cut, never overflowed. */
struct jpath {
	size_t len;
	char buf[256];
};
#define JPATH_INIT { 0, "" }
/* Append ".key" ("key" at the top) or "[i]"; each returns the mark that
 * jpath_pop takes to undo it. */
size_t jpath_key(struct jpath *p, const char *key);
size_t jpath_index(struct jpath *p, size_t i);
void jpath_pop(struct jpath *p, size_t mark);
/* The path, or "top level" when empty. */
const char *jpath_str(const struct jpath *p);

/* ---- walking objects and arrays -------------------------------------- */

typedef int (*jv_fn)(const struct jv *v, struct jpath *p, void *ctx,
		     struct zerr *err);

#define JF_REQUIRED 0x1

/* One key an object may hold. Tables end with { NULL }. */
struct jfield {
	const char *key;
	jv_fn fn;
	unsigned flags;
};

/* Checks that obj is an object and calls fields[k].fn for each member, in
 * document order, with p extended by the member's key. A key not in the
 * table is "PATH.key: unknown key", a key given twice "PATH.key: duplicate
 * key", a JF_REQUIRED key never given "PATH.key: required". At most 64
 * fields per table. */
int jv_walk(const struct jv *obj, struct jpath *p, const struct jfield *fields,
	    void *ctx, struct zerr *err);

typedef int (*jv_elem_fn)(const struct jv *v, size_t i, struct jpath *p,
			  void *ctx, struct zerr *err);
/* Checks that arr is an array and calls fn for each element with p
 * extended by "[i]". */
int jv_each(const struct jv *arr, struct jpath *p, jv_elem_fn fn, void *ctx,
	    struct zerr *err);

/* ---- writing ---------------------------------------------------------- */

/* A writer. Calls do not return errors: misuse (a value where a key is
 * due, unbalanced open/close) puts the writer in error and jw_finish
 * returns NULL. Strings that are not valid UTF-8 are written with their
 * non-ASCII bytes replaced by '?', so output is always valid JSON. */
struct jw;

struct jw *jw_new(bool pretty);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* "key": value in one call, for objects written member by member. */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kuint(struct jw *w, const char *key, uint64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);
/* A NULL-terminated vector as an array of strings; NULL writes []. */
void jw_strv(struct jw *w, char *const *v);
/* "key": [...] from a NULL-terminated vector of constant strings. */
void jw_kstrv(struct jw *w, const char *key, const char *const *v);
/* Writes a parsed value (numbers keep their source text). Returns 0, or
 * -EINVAL if the writer is in error. */
int jw_value(struct jw *w, const struct jv *v);
/* Frees the writer and returns the document (malloc'd, NUL-terminated,
 * with a final newline when pretty), or NULL if the writer was misused or
 * the document is incomplete. */
char *jw_finish(struct jw *w, size_t *len);
/* Abandons a writer without taking its output. */
void jw_free(struct jw *w);

#endif
