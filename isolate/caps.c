/*
 * caps.c - capability names, the default set, and applying a zone's sets.
 *
 * iso_apply_caps runs after the uid switch (with PR_SET_KEEPCAPS, so the
 * permitted set survived it but the effective set was cleared when the
 * uid left 0). It first raises effective to permitted, because dropping
 * from the bounding set needs CAP_SETPCAP, and only then narrows every
 * set to what the config asks.
 *
 * A capability the config asks for but this process does not hold (this
 * host's bounding set lacks CAP_SYS_RESOURCE, for one) is left out rather
 * than failing: nothing can grant it here, and asking for a capability is
 * asking for at most that much privilege.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "isolate.h"

#define MASK_BITS 64
#define CAPBIT(c) (1ULL << (c))

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}
#define cleanup_cap __attribute__((cleanup(cap_freep)))

/* ---- names ---------------------------------------------------------- */

static char cap_names[MASK_BITS][32];
static pthread_once_t cap_names_once = PTHREAD_ONCE_INIT;

/* libcap hands out "cap_chown" in malloc'ed memory; the OCI spelling is
 * "CAP_CHOWN", kept here once for the life of the process. */
static void fill_cap_names(void)
{
	for (int c = 0; c < MASK_BITS; c++) {
		char *n = cap_to_name((cap_value_t)c);
		if (n && !isdigit((unsigned char)n[0])) {
			size_t i;
			for (i = 0; n[i] && i + 1 < sizeof(cap_names[c]); i++)
				cap_names[c][i] = (char)toupper((unsigned char)n[i]);
			cap_names[c][i] = '\0';
		}
		cap_free(n);
	}
}

const char *iso_cap_name(int cap)
{
	if (cap < 0 || cap >= MASK_BITS)
		return NULL;
	pthread_once(&cap_names_once, fill_cap_names);
	return cap_names[cap][0] ? cap_names[cap] : NULL;
}

int iso_cap_from_name(const char *name)
{
	/* libcap also takes numbers ("12"); a config must spell the name. */
	if (!name || strncasecmp(name, "CAP_", 4) || !name[4] || isdigit((unsigned char)name[4]))
		return -1;
	cap_value_t v;
	if (cap_from_name(name, &v) < 0 || v < 0 || v >= MASK_BITS)
		return -1;
	return (int)v;
}

int iso_cap_last(void)
{
	cleanup_free char *s = NULL;
	if (read_file("/proc/sys/kernel/cap_last_cap", &s, NULL, NULL) == 0) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end != s && v >= 0 && v < 1024)
			return (int)v;
	}
	return (int)cap_max_bits() - 1;
}

uint64_t iso_caps_default(void)
{
	static const int set[] = {
		CAP_CHOWN,      CAP_DAC_OVERRIDE, CAP_FOWNER,
		CAP_FSETID,     CAP_KILL,         CAP_SETGID,
		CAP_SETUID,     CAP_SETPCAP,      CAP_NET_BIND_SERVICE,
		CAP_SYS_CHROOT, CAP_AUDIT_WRITE,  CAP_SETFCAP,
	};
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		m |= CAPBIT(set[i]);
	return m;
}

/* ---- applying ------------------------------------------------------------ */

/* "drop CAP_X from the bounding set: ..."; errnum is taken before the
 * name lookup can touch errno. */
static int cap_error(struct zerr *err, int errnum, const char *verb, int cap, const char *where)
{
	const char *n = iso_cap_name(cap);
	if (n)
		return zerr_set(err, errnum, "%s %s %s", verb, n, where);
	return zerr_set(err, errnum, "%s capability %d %s", verb, cap, where);
}

static uint64_t flag_mask(cap_t c, cap_flag_t which)
{
	uint64_t m = 0;
	for (int i = 0; i < MASK_BITS; i++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(c, (cap_value_t)i, which, &v) == 0 && v == CAP_SET)
			m |= CAPBIT(i);
	}
	return m;
}

static void fill_flag(cap_t c, cap_flag_t which, uint64_t mask)
{
	for (int i = 0; i < MASK_BITS; i++) {
		cap_value_t v = (cap_value_t)i;
		if (mask & CAPBIT(i))
			cap_set_flag(c, which, 1, &v, CAP_SET);
	}
}

static int set_proc(uint64_t eff, uint64_t prm, uint64_t inh, struct zerr *err)
{
	cleanup_cap cap_t c = cap_init();
	if (!c)
		return zerr_set(err, errno, "capabilities: allocate");
	fill_flag(c, CAP_EFFECTIVE, eff);
	fill_flag(c, CAP_PERMITTED, prm);
	fill_flag(c, CAP_INHERITABLE, inh);
	if (cap_set_proc(c) < 0)
		return zerr_set(
			err, errno,
			"capabilities: set effective %#llx permitted %#llx inheritable %#llx",
			(unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh);
	return 0;
}

static uint64_t bounding_now(void)
{
	uint64_t m = 0;
	for (int c = 0; c < MASK_BITS; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			m |= CAPBIT(c);
	return m;
}

/* Caps beyond our mask (a kernel newer than 64 capabilities) always go. */
static int drop_bounding(uint64_t keep, struct zerr *err)
{
	int last = iso_cap_last();
	for (int c = 0; c <= last; c++) {
		if (c < MASK_BITS && (keep & CAPBIT(c)))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return cap_error(err, errno, "drop", c, "from the bounding set");
	}
	return 0;
}

static int set_ambient(uint64_t want, struct zerr *err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno == EINVAL && !want)
			return 0; /* a kernel without ambient caps has none to clear */
		return zerr_set(err, errno, "clear the ambient capabilities");
	}
	for (int c = 0; c < MASK_BITS; c++) {
		if (!(want & CAPBIT(c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return cap_error(err, errno, "raise", c, "in the ambient set");
	}
	return 0;
}

int iso_apply_caps(const struct iso_caps *caps, struct zerr *err)
{
	cleanup_cap cap_t cur = cap_get_proc();
	if (!cur)
		return zerr_set(err, errno, "capabilities: read our own");
	uint64_t prm = flag_mask(cur, CAP_PERMITTED);
	uint64_t inh_now = flag_mask(cur, CAP_INHERITABLE);
	int r = set_proc(prm, prm, inh_now, err);
	if (r < 0)
		return r;
	r = drop_bounding(caps->bounding, err);
	if (r < 0)
		return r;
	/* The kernel lets inheritable grow only within the bounding set. */
	uint64_t inh = caps->inheritable & (bounding_now() | inh_now);
	uint64_t new_prm = caps->permitted & prm;
	uint64_t eff = caps->effective & new_prm;
	r = set_proc(eff, new_prm, inh, err);
	if (r < 0)
		return r;
	return set_ambient(caps->ambient & new_prm & inh, err);
}
