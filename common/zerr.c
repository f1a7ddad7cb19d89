/* zerr.c - the error convention shared by every layer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zutil.h"

static int zerr_vset(struct zerr *err, int errnum, bool with_strerror, const char *fmt, va_list ap)
{
	if (errnum < 0)
		errnum = -errnum;
	if (err) {
		int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		if (with_strerror && errnum && n >= 0 && (size_t)n < sizeof(err->msg))
			snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
		err->code = errnum ? errnum : EINVAL;
	}
	return errnum ? -errnum : -EINVAL;
}

int zerr_set(struct zerr *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = zerr_vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int zerr_setx(struct zerr *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = zerr_vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int zerr_prefix(struct zerr *err, const char *fmt, ...)
{
	if (!err)
		return -EINVAL;
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	size_t plen = strlen(prefix), olen = strlen(old);
	if (plen > sizeof(err->msg) - 3)
		plen = sizeof(err->msg) - 3;
	if (plen + 2 + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - plen - 3;
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	memcpy(err->msg + plen + 2, old, olen);
	err->msg[plen + 2 + olen] = '\0';
	if (!err->code)
		err->code = EINVAL;
	return -err->code;
}
