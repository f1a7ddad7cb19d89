/* t.h - the smallest unit-test harness that can fail. Each test prints one
 * line: "ok NAME", "FAIL NAME" or "skip NAME: reason"; tests/run counts
 * them. */
#ifndef ZONECTL_T_H
#define ZONECTL_T_H
#include <stdio.h>
#include <string.h>

static int t_failed, t_nfail;
static const char *t_skip;

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			t_failed = 1;                                                     \
			return;                                                           \
		}                                                                         \
	} while (0)

#define CHECK_MSG(cond, ...)                                                              \
	do {                                                                              \
		if (!(cond)) {                                                            \
			printf("  %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                                              \
			printf("\n");                                                     \
			t_failed = 1;                                                     \
			return;                                                           \
		}                                                                         \
	} while (0)

#define SKIP(reason)               \
	do {                       \
		t_skip = (reason); \
		return;            \
	} while (0)

#define RUN(fn)                                               \
	do {                                                  \
		t_failed = 0;                                 \
		t_skip = NULL;                                \
		fflush(stdout);                               \
		fn();                                         \
		if (t_skip)                                   \
			printf("skip %s: %s\n", #fn, t_skip); \
		else if (t_failed) {                          \
			printf("FAIL %s\n", #fn);             \
			t_nfail++;                            \
		} else                                        \
			printf("ok %s\n", #fn);               \
		fflush(stdout);                               \
	} while (0)

#define T_EXIT() return t_nfail ? 1 : 0
#endif
