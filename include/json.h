/* json.h - JSON for the rest of zonectl: parsing into a read-only tree,
 * typed getters whose errors name the full key path, a table-driven walk
 * over objects that fills plain struct members itself, and a small
 * writer. It is the only module that uses yajl; nothing here exposes a
 * yajl type. */
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
int jv_expect(const struct jv *v, const char *path, enum jv_type t, struct zerr *err);
int jv_string(const struct jv *v, const char *path, const char **out, struct zerr *err);
int jv_bool(const struct jv *v, const char *path, bool *out, struct zerr *err);
int jv_int64(const struct jv *v, const char *path, int64_t *out, struct zerr *err);
int jv_uint64(const struct jv *v, const char *path, uint64_t *out, struct zerr *err);
/* An integer in [min, max]: "...: must be between 10 and 1000, got 5". */
int jv_int_range(const struct jv *v, const char *path, int64_t min, int64_t max, int64_t *out,
		 struct zerr *err);
/* An array of strings as a malloc'd NULL-terminated vector ([] gives an
 * empty vector, not NULL). */
int jv_strv(const struct jv *v, const char *path, char ***out, struct zerr *err);

/* ---- key paths -------------------------------------------------------- */

/* The path of the value being looked at, built while descending:
 * "mounts[2].destination". Over-long paths are cut, never overflowed. */
struct jpath {
	size_t len;
	char buf[256];
	/* Open documents (the OCI runtime spec's, whose Extensibility rule
	 * says a runtime MUST NOT fail on a property it does not know): an
	 * unknown key is skipped, and the first one skipped, or ignored by
	 * jv_ignore, is said in note. */
	bool open;
	char note[300];
};
/* clang-format off: a macro body in braces is not a block */
#define JPATH_INIT    \
	{             \
		0, "" \
	}
#define JPATH_OPEN              \
	{                       \
		0, "", true, "" \
	}
/* clang-format on */
/* Append ".key" ("key" at the top) or "[i]"; each returns the mark that
 * jpath_pop takes to undo it. */
size_t jpath_key(struct jpath *p, const char *key);
size_t jpath_index(struct jpath *p, size_t i);
void jpath_pop(struct jpath *p, size_t mark);
/* The path, or "top level" when empty. */
const char *jpath_str(const struct jpath *p);

/* ---- walking objects and arrays -------------------------------------- */

typedef int (*jv_fn)(const struct jv *v, struct jpath *p, void *ctx, struct zerr *err);

#define JF_REQUIRED 0x1
#define JF_HAS 0x2 /* set by the JF_*_HAS macros: has_off names a bool */

/* What a field without a handler takes, and what jv_walk stores at
 * ctx + off. Wrong values get the messages of the getters above. */
enum jf_kind {
	JK_FN,       /* none: fn does the work */
	JK_BOOL,     /* a boolean, into a bool */
	JK_STRING,   /* a string, copied into a char * */
	JK_ABSPATH,  /* the same, which must start with '/' */
	JK_STRV,     /* an array of strings, into a char ** (jv_strv) */
	JK_ABSPATHV, /* the same, each an absolute path */
	JK_INT,      /* an integer in [min, max] (jv_int_range), into an
		      * integer member of any size and signedness */
	JK_UINT,     /* any non-negative integer (jv_uint64), into a uint64_t */
	JK_OBJECT,   /* an object, walked with sub and ctx + off */
};

/* One key an object may hold: a handler, written { key, fn, flags }, or
 * (fn NULL) a member of the struct ctx points to, written with the JF_*
 * macros below, which jv_walk fills itself. The first form leaves the
 * rest zero, so files with tables build without
 * -Wmissing-field-initializers. Tables end with { NULL }. */
struct jfield {
	const char *key;
	jv_fn fn;
	unsigned flags;
	enum jf_kind kind;
	bool is_signed;           /* JK_INT: the member's type is */
	unsigned char size;       /* JK_INT: sizeof the member */
	size_t off;               /* of the member in ctx */
	size_t has_off;           /* JF_HAS: of a bool set when the key is given */
	int64_t min, max;         /* JK_INT */
	const struct jfield *sub; /* JK_OBJECT: the object's keys */
};

/* Table entries for members: JF_BOOL("terminal", struct iso_process,
 * terminal). A last argument, if any, is the flags (JF_REQUIRED). Each
 * checks at compile time that the member has the type its kind stores,
 * and JF_INT that the member's type holds all of [lo, hi], so no table
 * can write past a member or wrap a value. */
#define JF_BOOL(key_, T, m, ...)                                       \
	{                                                              \
		JF__MEMBER(key_, T, m, JK_BOOL, bool, __VA_ARGS__ + 0) \
	}
#define JF_STRING(key_, T, m, ...)                                         \
	{                                                                  \
		JF__MEMBER(key_, T, m, JK_STRING, char *, __VA_ARGS__ + 0) \
	}
#define JF_ABSPATH(key_, T, m, ...)                                         \
	{                                                                   \
		JF__MEMBER(key_, T, m, JK_ABSPATH, char *, __VA_ARGS__ + 0) \
	}
#define JF_STRV(key_, T, m, ...)                                          \
	{                                                                 \
		JF__MEMBER(key_, T, m, JK_STRV, char **, __VA_ARGS__ + 0) \
	}
#define JF_ABSPATHV(key_, T, m, ...)                                          \
	{                                                                     \
		JF__MEMBER(key_, T, m, JK_ABSPATHV, char **, __VA_ARGS__ + 0) \
	}
#define JF_INT(key_, T, m, lo, hi, ...)                      \
	{                                                    \
		JF__INT(key_, T, m, lo, hi, __VA_ARGS__ + 0) \
	}
#define JF_UINT(key_, T, m, ...)                                           \
	{                                                                  \
		JF__MEMBER(key_, T, m, JK_UINT, uint64_t, __VA_ARGS__ + 0) \
	}
/* An object whose keys fill the struct ctx points to (process.user's uid
 * is the process's), or with JF_OBJECT_AT its member m. */
#define JF_OBJECT(key_, fields, ...)                                                          \
	{                                                                                     \
		.key = (key_), .flags = (__VA_ARGS__ + 0), .kind = JK_OBJECT, .sub = (fields) \
	}
#define JF_OBJECT_AT(key_, T, m, fields, ...)                      \
	{                                                          \
		JF__OBJECT_AT(key_, T, m, fields, __VA_ARGS__ + 0) \
	}
/* The same, also setting the bool member has when the key is given. */
#define JF_INT_HAS(key_, T, m, has, lo, hi, ...)                                             \
	{                                                                                    \
		JF__INT(key_, T, m, lo, hi, JF_HAS | (__VA_ARGS__ + 0)), JF__HAS_OFF(T, has) \
	}
#define JF_UINT_HAS(key_, T, m, has, ...)                                              \
	{                                                                              \
		JF__MEMBER(key_, T, m, JK_UINT, uint64_t, JF_HAS | (__VA_ARGS__ + 0)), \
			JF__HAS_OFF(T, has)                                            \
	}
#define JF_OBJECT_AT_HAS(key_, T, m, has, fields, ...)                                             \
	{                                                                                          \
		JF__OBJECT_AT(key_, T, m, fields, JF_HAS | (__VA_ARGS__ + 0)), JF__HAS_OFF(T, has) \
	}

/* The macros' parts. A check is a _Static_assert in a struct that sizeof
 * measures, the one way to put it inside an initializer. */
#define JF__M(T, m) (((T *)0)->m)
#define JF__IS(T, m, type) __builtin_types_compatible_p(__typeof__(JF__M(T, m)), type)
#define JF__ASSERT(cond, msg)               \
	(0 * sizeof(struct {                \
		 _Static_assert(cond, msg); \
		 char c_;                   \
	 }))
#define JF__SIGNED(T, m) ((__typeof__(JF__M(T, m)))-1 < (__typeof__(JF__M(T, m)))1)
/* An integer type (1 / 2 is 0 in no other, and a pointer does not
 * divide) but bool, that holds both lo and hi. */
#define JF__FITS(T, m, lo, hi)                                                         \
	((__typeof__(JF__M(T, m)))1 / 2 == 0 && !JF__IS(T, m, bool) &&                 \
	 (int64_t)(lo) <= (int64_t)(hi) && (JF__SIGNED(T, m) || (int64_t)(lo) >= 0) && \
	 (int64_t)(__typeof__(JF__M(T, m)))(lo) == (int64_t)(lo) &&                    \
	 (int64_t)(__typeof__(JF__M(T, m)))(hi) == (int64_t)(hi))
#define JF__MEMBER(key_, T, m, kind_, type, flags_)        \
	.key = (key_), .flags = (flags_), .kind = (kind_), \
	.off = offsetof(T, m) + JF__ASSERT(JF__IS(T, m, type), #T "." #m " is not " #type)
#define JF__INT(key_, T, m, lo, hi, flags_)                                                  \
	.key = (key_), .flags = (flags_), .kind = JK_INT,                                    \
	.off = offsetof(T, m) +                                                              \
	       JF__ASSERT(JF__FITS(T, m, lo, hi), #T "." #m " cannot hold " #lo " to " #hi), \
	.size = sizeof(JF__M(T, m)), .is_signed = JF__SIGNED(T, m), .min = (lo), .max = (hi)
#define JF__OBJECT_AT(key_, T, m, fields, flags_) \
	.key = (key_), .flags = (flags_), .kind = JK_OBJECT, .off = offsetof(T, m), .sub = (fields)
#define JF__HAS_OFF(T, has) \
	.has_off = offsetof(T, has) + JF__ASSERT(JF__IS(T, has, bool), #T "." #has " is not bool")

/* Checks that obj is an object and takes each member in document order,
 * with p extended by the member's key: fields[k].fn is called, or without
 * one the value is stored as fields[k].kind says (and its has flag set).
 * A key not in the table is "PATH.key: unknown key" (skipped, and noted,
 * when p is open), a key given twice
 * "PATH.key: duplicate key", a JF_REQUIRED key never given "PATH.key:
 * required". At most 64 fields per table. */
int jv_walk(const struct jv *obj, struct jpath *p, const struct jfield *fields, void *ctx,
	    struct zerr *err);
/* jv_walk with unknown keys refused whatever p says (an object of our
 * own inside an open document). */
int jv_walk_strict(const struct jv *obj, struct jpath *p, const struct jfield *fields, void *ctx,
		   struct zerr *err);
/* Notes the key at p as "PATH: WHY, ignored" (the first one only). */
void jpath_note(struct jpath *p, const char *why);

typedef int (*jv_elem_fn)(const struct jv *v, size_t i, struct jpath *p, void *ctx,
			  struct zerr *err);
/* Checks that arr is an array and calls fn for each element with p
 * extended by "[i]". */
int jv_each(const struct jv *arr, struct jpath *p, jv_elem_fn fn, void *ctx, struct zerr *err);

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
