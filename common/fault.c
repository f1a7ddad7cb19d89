/* fault.c - named points where the fault-injection tests kill us.
 *
 * ZONECTL_FAULT=STEP makes the process that reaches zfault("STEP") kill
 * itself with SIGKILL, exactly as a crash, an OOM kill or `kill -9` at that
 * point would. tests/integration/fault.sh walks every step of every verb
 * and proves the next command finds the zone consistent with nothing
 * leaked. ZONECTL_FAULT_LOG=FILE records the step first, so the test knows
 * the point was reached (the monitor's stderr is /dev/null). Without the
 * variables a point costs one comparison. ZONECTL_FAULT=TIME kills
 * nothing: every point appends "MONOTONIC-NS PID STEP" to the log, a
 * timeline of a verb (DESIGN.md, Performance notes, has one). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zutil.h"

/* The log, opened at the first point a process passes: a login's joiner
 * reaches its point inside the zone's mount namespace, where the path
 * means nothing, but it still holds the fd its parent opened. An fd that
 * was closed meanwhile (the monitor closes all) is opened again, and one
 * whose number now names another file is never written. */
static int log_fd = -1;
static struct stat log_st;

static int fault_log(void)
{
	struct stat sb;
	if (log_fd >= 0 && fstat(log_fd, &sb) == 0 && sb.st_dev == log_st.st_dev &&
	    sb.st_ino == log_st.st_ino)
		return log_fd;
	const char *path = getenv("ZONECTL_FAULT_LOG");
	log_fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	if (log_fd >= 0 && fstat(log_fd, &log_st) < 0) {
		close(log_fd);
		log_fd = -1;
	}
	return log_fd;
}

void zfault(const char *step)
{
	const char *want = getenv("ZONECTL_FAULT");
	if (!want)
		return;
	int fd = fault_log();
	if (!strcmp(want, "TIME") && fd >= 0) {
		char b[128];
		int n = snprintf(b, sizeof b, "%llu %d %s\n", (unsigned long long)now_ns(),
				 getpid(), step);
		(void)!write(fd, b, (size_t)n);
		return;
	}
	if (strcmp(want, step))
		return;
	if (fd >= 0) {
		(void)!write(fd, step, strlen(step));
		(void)!write(fd, "\n", 1);
	}
	kill(getpid(), SIGKILL);
}
