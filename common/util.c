/* util.c - allocation, string vectors, whole-file I/O, process identity. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/vfs.h>
#include <time.h>

#include "zutil.h"

static void oom(void)
{
	static const char msg[] = "zonectl: out of memory\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		oom();
	return s;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	if (!v)
		return NULL;
	size_t n = strv_len(v);
	char **d = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void zstrvfreep(char ***v)
{
	strv_free(*v);
}

void strv_append(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;
	while (done < len) {
		ssize_t r = read(fd, p + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

static int read_fd(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int read_file_at(int dirfd, const char *path, char **out, size_t *len, struct zerr *err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return zerr_set(err, errno, "open `%s`", path);
	int r = read_fd(fd, out, len);
	if (r < 0)
		return zerr_set(err, -r, "read `%s`", path);
	return 0;
}

int read_file(const char *path, char **out, size_t *len, struct zerr *err)
{
	return read_file_at(AT_FDCWD, path, out, len, err);
}

int write_file(const char *path, const char *data, size_t len, struct zerr *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return zerr_set(err, errno, "open `%s`", path);
	int r = write_all(fd, data, len) < 0 ? -errno : 0;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r < 0 ? zerr_set(err, -r, "write `%s`", path) : 0;
}

/* The new content goes to a temporary name and is renamed over path, so
 * a reader (or a crash) sees the old file or the new one, never half of
 * one. Durable: the data is fsynced before the rename and the directory
 * after it, so the new file survives a host crash once we return; every
 * step is checked, close() included (NFS and quotas report there). */
static int write_renamed(const char *path, const char *data, size_t len, mode_t mode, bool durable,
			 struct zerr *err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp.%d", path, getpid());
	cleanup_free char *dir = xstrdup(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return zerr_set(err, errno, "create `%s`", tmp);
	int r = write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0) ? -errno : 0;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return zerr_set(err, -r, "write `%s`", path);
	}
	if (!durable)
		return 0;
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return zerr_set(err, errno, "open the directory of `%s` to sync it", path);
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return r < 0 ? zerr_set(err, -r, "sync the directory of `%s`", path) : 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, struct zerr *err)
{
	return write_renamed(path, data, len, mode, true, err);
}

int write_file_replace(const char *path, const char *data, size_t len, mode_t mode,
		       struct zerr *err)
{
	return write_renamed(path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, struct zerr *err)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return zerr_set(err, errno, "mkdir `%s`", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return zerr_set(err, errno, "mkdir `%s`", p);
	return 0;
}

static int rm_rf_at(int at, const char *name, dev_t dev, struct zerr *err)
{
	struct stat st;
	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "stat `%s`", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
			return zerr_set(err, errno, "unlink `%s`", name);
		return 0;
	}
	if (st.st_dev != dev)
		return zerr_setx(err, EBUSY, "`%s` is another filesystem (still mounted?)", name);
	int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return zerr_set(err, errno, "open `%s`", name);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return zerr_set(err, errno, "opendir `%s`", name);
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = rm_rf_at(dirfd(d), de->d_name, dev, err);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return zerr_set(err, errno, "rmdir `%s`", name);
	return 0;
}

int rm_rf(const char *path, struct zerr *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : zerr_set(err, errno, "stat `%s`", path);
	return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

/* Reads field 3 (state) and field 22 (start time) of /proc/PID/stat. */
static unsigned long long stat_of(pid_t pid, char *state)
{
	char path[64], buf[1024];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	p += 2; /* now at field 3 (state) */
	*state = *p;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

unsigned long long proc_starttime(pid_t pid)
{
	char state;
	return stat_of(pid, &state);
}

bool proc_alive(pid_t pid, unsigned long long starttime)
{
	/* A zombie has exited: what it held is released, only its parent has
	 * not looked yet. */
	char state = 0;
	unsigned long long st = stat_of(pid, &state);
	return st != 0 && st == starttime && state != 'Z' && state != 'X';
}

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int parse_size(const char *s, uint64_t *out)
{
	if (!s || !*s || *s == '-')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	unsigned shift = 0;
	/* clang-format off: one line a unit */
	switch (*end) {
	case '\0': break;
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	default: return -EINVAL;
	}
	/* clang-format on */
	if (*end == 'i')
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		oom();
	return d;
}

void close_fds_except(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	if (lo < 3)
		lo = hi;
	if (lo > 3)
		syscall(SYS_close_range, 3, lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi < 3 ? 3 : hi + 1, ~0U, 0);
}

int run_tool(const char *what, char *const argv[], struct zerr *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return zerr_set(err, errno, "%s: pipe", what);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return zerr_set(err, errno, "%s: fork", what);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char tail[600] = "", buf[4096];
	size_t have = 0;
	ssize_t n;
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			if (have == sizeof(tail) - 1) {
				memmove(tail, tail + 1, have - 1);
				have--;
			}
			tail[have++] = buf[i];
		}
	}
	tail[have] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	while (have && (tail[have - 1] == '\n' || tail[have - 1] == ' '))
		tail[--have] = '\0';
	const char *last = strrchr(tail, '\n');
	return zerr_setx(err, EIO, "%s: %s failed: %s", what, argv[0], last ? last + 1 : tail);
}

pid_t proc_ns_pid(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	cleanup_free char *text = NULL;
	if (read_file(path, &text, NULL, NULL) < 0)
		return 0;
	char *l = strstr(text, "\nNSpid:");
	if (!l)
		return 0;
	*strchrnul(l + 1, '\n') = '\0';
	char *last = strrchr(l, '\t');
	return last ? (pid_t)atoi(last + 1) : 0;
}
