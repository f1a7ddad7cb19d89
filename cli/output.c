/* output.c - what the verbs that print JSON or poll share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

void cli_sleep(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void cli_jw_limit(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	if (v < 0)
		jw_null(w);
	else
		jw_int(w, v);
}

void cli_jw_count(struct jw *w, const char *key, bool known, uint64_t v)
{
	jw_key(w, key);
	if (known)
		jw_uint(w, v);
	else
		jw_null(w);
}

/* Percentages in hundredths, as numbers with two decimals. */
void cli_jw_pct(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (v < 0) {
		jw_null(w);
		return;
	}
	char buf[32];
	snprintf(buf, sizeof(buf), "%.2f", v);
	struct jv *num = NULL;
	if (json_parse(buf, strlen(buf), &num, NULL) == 0)
		jw_value(w, num);
	else
		jw_null(w);
	json_free(num);
}

int cli_jw_print(struct jw *w, bool newline)
{
	char *text = jw_finish(w, NULL);
	if (!text)
		return 1;
	fputs(text, stdout);
	if (newline)
		putchar('\n');
	fflush(stdout);
	free(text);
	return 0;
}
