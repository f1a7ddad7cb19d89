/* lock.c - the one way zonectl takes a lock: flock(2) on a file that may
 * be deleted by whoever holds it (a zone's lock goes with the zone). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zutil.h"

/* Whoever held the lock may have unlinked the file before letting go:
 * then the lock we got is on a name nobody else will open, and a new
 * file may stand under the name already. */
static bool still_named(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int zlock(const char *path, int how, struct zerr *err)
{
	int op = (how & ZLOCK_SHARED ? LOCK_SH : LOCK_EX) | (how & ZLOCK_TRY ? LOCK_NB : 0);
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return zerr_set(err, errno, "lock `%s`", path);
		int r;
		while ((r = flock(fd, op)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			int e = errno;
			close(fd);
			if (e == EWOULDBLOCK)
				return -EWOULDBLOCK; /* held: not an error to report */
			return zerr_set(err, e, "lock `%s`", path);
		}
		if (still_named(fd, path))
			return fd;
		close(fd);
	}
}
