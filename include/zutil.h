/* zutil.h - what every layer shares: the error convention, cleanup
 * helpers and a few careful file operations. */
#ifndef ZONECTL_ZUTIL_H
#define ZONECTL_ZUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Library functions return 0 or a negative errno and fill a struct zerr
 * whose message names the object ("zone web1: cgroup memory: ...").
 * Nothing below cli/ prints or exits. */
struct zerr {
	int code; /* positive errno, 0 when unset */
	char msg[1024];
};

/* Sets err (if not NULL) to "<formatted>: strerror(errnum)" when errnum is
 * non-zero, or just "<formatted>" when it is 0, and returns -errnum (or
 * -EINVAL for 0). */
int zerr_set(struct zerr *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same without appending strerror. */
int zerr_setx(struct zerr *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepends "<formatted>: " to the message already in err; returns -code. */
int zerr_prefix(struct zerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void zfreep(void *p)
{
	free(*(void **)p);
}
static inline void zclosep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
void zstrvfreep(char ***v);
#define cleanup_free __attribute__((cleanup(zfreep)))
#define cleanup_close __attribute__((cleanup(zclosep)))
#define cleanup_strv __attribute__((cleanup(zstrvfreep)))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
void strv_free(char **v);
void strv_append(char ***v, const char *s);

/* Whole-file helpers; read_file NUL-terminates and sets *len if non-NULL. */
int read_file(const char *path, char **out, size_t *len, struct zerr *err);
int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct zerr *err);
/* pid as its own pid namespace numbers it (the last field of NSpid in
 * /proc/PID/status), 0 when the process is gone. */
pid_t proc_ns_pid(pid_t pid);
int write_file(const char *path, const char *data, size_t len, struct zerr *err);
/* temp name, fsync, rename, fsync of the directory, each checked (close
 * too): a crash leaves the old or the new content, never a mixture, and
 * once it returns 0 the new content survives a host crash. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      struct zerr *err);
/* The same without the fsyncs: a crash of the writer leaves the old or
 * the new content; a crash of the host may leave neither. For what a
 * reboot makes worthless anyway (run-time state). */
int write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
		       struct zerr *err);
int mkdir_p(const char *path, mode_t mode, struct zerr *err);

/* Locks path (made if missing) with flock(2): exclusive unless
 * ZLOCK_SHARED, waiting unless ZLOCK_TRY (then -EWOULDBLOCK, err
 * untouched, if another holds it). A file unlinked while we waited is
 * opened anew, so a lock always belongs to the name. Returns the fd
 * (O_CLOEXEC; closing it unlocks) or -errno with err filled. */
enum { ZLOCK_SHARED = 1, ZLOCK_TRY = 2 };
int zlock(const char *path, int how, struct zerr *err);
/* Removes a tree without following symlinks and without crossing into
 * other mounts. */
int rm_rf(const char *path, struct zerr *err);

/* Start time of a process in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 if it does not exist. A recorded pid is trusted
 * only when its start time matches. */
unsigned long long proc_starttime(pid_t pid);
bool proc_alive(pid_t pid, unsigned long long starttime);

/* Closes every fd from 3 up except a and b (either may be -1). */
void close_fds_except(int a, int b);

/* Writes all of buf, retrying on EINTR and short writes. */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);

/* A message with a descriptor attached (SCM_RIGHTS; fd < 0: none).
 * recv_with_fd sets *fd to the one received (close-on-exec), or -1. Both
 * return bytes, 0 on EOF, or -errno; EINTR is retried. */
ssize_t send_with_fd(int sock, const void *buf, size_t len, int fd);
ssize_t recv_with_fd(int sock, void *buf, size_t len, int *fd);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t now_ns(void);
uint64_t wall_ns(void);

/* Parses "512M", "2G", "1024" (bytes); returns 0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *out);
/* Runs argv (PATH searched) with stdin from /dev/null and its output
 * kept: when it fails, err says "WHAT: TOOL failed: " and its last line,
 * so the caller's message carries what mkfs or tar said. */
int run_tool(const char *what, char *const argv[], struct zerr *err);

/* Fault injection (common/fault.c): with ZONECTL_FAULT=step in the
 * environment, the process reaching zfault(step) dies by SIGKILL. */
void zfault(const char *step);

#endif
