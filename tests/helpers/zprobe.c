/* zprobe - tries one privileged thing from inside a zone and prints what
 * the kernel said: "ok" or the errno name. Tests copy it into a zone and
 * compare the answer with what the zone must allow. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

static int say(long r)
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("ok\n");
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* sysinfo(2) as the zone sees it. */
static int probe_sysinfo(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return say(-1);
	printf("totalram=%llu freeram=%llu totalswap=%llu uptime=%ld procs=%u\n",
	       (unsigned long long)si.totalram * si.mem_unit,
	       (unsigned long long)si.freeram * si.mem_unit,
	       (unsigned long long)si.totalswap * si.mem_unit, si.uptime, si.procs);
	return 0;
}

/* Reads file for secs seconds, as fast as it can, and with sysinfo(2)
 * between reads when asked: every read must open, return a whole file
 * (ends in a newline, as many lines as the first read, the same first
 * line) and sysinfo must succeed. Prints reads, bad reads and the slowest
 * read or call. */
static int probe_readloop(const char *file, double secs, int with_sysinfo)
{
	char first[256] = "", buf[65536];
	long reads = 0, bad = 0, lines = -1;
	double worst = 0, end = now_ms() + secs * 1e3;
	while (now_ms() < end) {
		double t = now_ms();
		int fd = open(file, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		struct sysinfo si;
		if (with_sysinfo && sysinfo(&si) < 0)
			bad++;
		reads++;
		if (now_ms() - t > worst)
			worst = now_ms() - t;
		if (n <= 0 || buf[n - 1] != '\n') {
			bad++;
			continue;
		}
		buf[n] = '\0';
		size_t l = strcspn(buf, "\n");
		long nl = 0;
		for (ssize_t i = 0; i < n; i++)
			nl += buf[i] == '\n';
		if (!first[0]) {
			snprintf(first, sizeof(first), "%.*s", (int)l, buf);
			lines = nl;
		} else if (strncmp(first, buf, l) || strlen(first) != l || nl != lines) {
			bad++;
		}
	}
	printf("reads=%ld bad=%ld worst_ms=%.1f\n", reads, bad, worst);
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return v[n / 2];
}

/* What ps does per process: /proc/PID/stat and cmdline. */
static int scan_once(void)
{
	char path[300], buf[4096];
	int seen = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		static const char *const files[] = {"stat", "cmdline"};
		for (int f = 0; f < 2; f++) {
			snprintf(path, sizeof(path), "/proc/%s/%s", de->d_name, files[f]);
			int fd = open(path, O_RDONLY);
			if (fd >= 0) {
				if (read(fd, buf, sizeof(buf)) < 0)
					seen--;
				close(fd);
			}
		}
		seen++;
	}
	if (d)
		closedir(d);
	return seen;
}

/* Median time of n ps-like scans of /proc, in microseconds. */
static int probe_scan(int n)
{
	double *t = calloc((size_t)n, sizeof(*t));
	int seen = 0;
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		seen = scan_once();
		t[i] = (now_ms() - t0) * 1e3;
	}
	printf("median_us=%.1f processes=%d\n", median(t, n), seen);
	free(t);
	return 0;
}

/* Median time of n open+read+close of file, in nanoseconds (batches of
 * 100 to see past the clock's cost). */
static int probe_readbench(const char *file, int n)
{
	char buf[65536];
	double *t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		for (int k = 0; k < 100; k++) {
			int fd = open(file, O_RDONLY);
			if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
				return say(-1);
			close(fd);
		}
		t[i] = (now_ms() - t0) * 1e4;
	}
	printf("median_ns=%.0f\n", median(t, n));
	free(t);
	return 0;
}

/* Median cost of one sysinfo(2), in nanoseconds (batches of 100). */
static int probe_sysinfobench(int n)
{
	double *t = calloc((size_t)n, sizeof(*t));
	struct sysinfo si;
	for (int i = 0; i < n; i++) {
		double t0 = now_ms();
		for (int k = 0; k < 100; k++)
			if (sysinfo(&si) < 0)
				return say(-1);
		t[i] = (now_ms() - t0) * 1e4;
	}
	printf("median_ns=%.0f\n", median(t, n));
	free(t);
	return 0;
}

/* ---- modes for tests/escape/ ------------------------------------------ */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* readn F: how many bytes a read of F gives (up to 4096), or the errno. */
static int readn(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return say(-1);
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return say(-1);
	printf("%zd\n", n);
	return 0;
}

static int comm_is(const char *pid, const char *want)
{
	char p[64], c[64] = {0};
	snprintf(p, sizeof(p), "/proc/%s/comm", pid);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, c, sizeof(c) - 1);
	close(fd);
	if (n > 0 && c[n - 1] == '\n')
		c[n - 1] = '\0';
	return !strcmp(c, want);
}

/*
 * exe-race SECS [COMM]: CVE-2019-5736. For SECS seconds, every process
 * that appears (only those named COMM, if given) has its /proc/PID/exe
 * opened O_PATH, tried on every pass until that succeeds (the process may
 * not have exec'd, or not be dumpable, yet). Each handle is then re-opened
 * for writing through /proc/self/fd/N, again and again, because a running
 * binary answers ETXTBSY until its last user exits. Nothing is ever
 * written: the open for writing is the escape. Prints "OPENED <target>"
 * per exe opened O_PATH, "WRITABLE <target>" per binary that opened for
 * writing, then "seen N comm M opened O writable W" (comm: processes seen
 * while named zonectl, i.e. a login caught before its exec).
 */
#define RACE_MAX 4096
static int exe_race(double secs, const char *comm)
{
	static char seen[1 << 22];
	static int handles[RACE_MAX];
	static char targets[RACE_MAX][256];
	int nh = 0, nseen = 0, ncomm = 0, writable = 0;
	pid_t self = getpid();
	double end = now() + secs;
	while (now() < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d))) {
			long pid = strtol(de->d_name, NULL, 10);
			if (pid <= 0 || pid == self || pid >= (long)sizeof(seen) || seen[pid] == 2)
				continue;
			if (!seen[pid]) {
				seen[pid] = 1;
				nseen++;
			}
			/* Until its exe is open, a process is looked at again on
			 * every pass: it may not have exec'd yet, or not be
			 * dumpable yet. */
			if (seen[pid] == 1 && comm_is(de->d_name, "zonectl")) {
				seen[pid] = 3;
				ncomm++;
			}
			if (comm && !comm_is(de->d_name, comm))
				continue;
			char p[64];
			snprintf(p, sizeof(p), "/proc/%ld/exe", pid);
			int fd = open(p, O_PATH | O_CLOEXEC);
			if (fd < 0 || nh == RACE_MAX) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			seen[pid] = 2;
			ssize_t n = readlink(p, targets[nh], sizeof(targets[nh]) - 1);
			targets[nh][n > 0 ? n : 0] = '\0';
			printf("OPENED %s\n", targets[nh]);
			handles[nh++] = fd;
		}
		if (d)
			closedir(d);
		for (int i = 0; i < nh; i++) {
			if (handles[i] < 0)
				continue;
			char p[64];
			snprintf(p, sizeof(p), "/proc/self/fd/%d", handles[i]);
			int w = open(p, O_WRONLY | O_CLOEXEC);
			if (w >= 0) {
				close(w);
				printf("WRITABLE %s\n", targets[i]);
				writable++;
			}
			if (w >= 0 || (errno != ETXTBSY && errno != EINTR)) {
				close(handles[i]);
				handles[i] = -1;
			}
		}
	}
	printf("seen %d comm %d opened %d writable %d\n", nseen, ncomm, nh, writable);
	return 0;
}

static int keyring(void)
{
	/* add_key("user", "zprobe", "x", 1, KEY_SPEC_PROCESS_KEYRING) */
	long r = syscall(SYS_add_key, "user", "zprobe", "x", 1, -2);
	if (r < 0)
		return say(r);
	/* keyctl(KEYCTL_INVALIDATE, key): leave nothing behind */
	syscall(SYS_keyctl, 21, r);
	return say(0);
}

static int fmodule(void)
{
	int fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		return say(-1);
	return say(syscall(SYS_finit_module, fd, "", 0));
}

/* forkbomb SECS: every process forks up to 4 children, 5 generations
 * deep (at most ~1400 processes even where nothing caps it), and they
 * all live SECS seconds. The first process prints how many of its forks
 * were refused. */
static int forkbomb(double secs)
{
	double end = now() + secs;
	int refused = 0, gen = 0;
	for (; gen < 5; gen++) {
		bool child = false;
		for (int i = 0; i < 4 && !child; i++) {
			pid_t p = fork();
			child = p == 0;
			refused += p < 0;
		}
		if (!child)
			break;
		refused = 0;
	}
	while (now() < end)
		usleep(50000);
	while (wait(NULL) > 0)
		;
	if (gen == 0)
		printf("refused %d\n", refused);
	return 0;
}

/* memhog MB: touches MB MiB, one at a time, printing the count so far. */
static int memhog(long mb)
{
	for (long i = 1; i <= mb; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED)
			return say(-1);
		memset(p, 1, 1 << 20);
		if (i % 16 == 0 || i == mb) {
			printf("%ld\n", i);
			fflush(stdout);
		}
	}
	return 0;
}

static int mount_cgroup(void)
{
	long r = mount("cgroup2", "/mnt", "cgroup2", 0, NULL);
	if (r == 0)
		umount2("/mnt", MNT_DETACH);
	return say(r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr,
			"usage: zprobe mount|mknod|module|kill PID|read F|write F|unshare-user|ptrace PID|raw|chroot\n"
			"       readn F|exe-race SECS [COMM]|keyring|fmodule|seize PID|forkbomb SECS|memhog MB|mount-cgroup\n");
		return 2;
	}
	const char *op = argv[1], *arg = argc > 2 ? argv[2] : "";
	if (!strcmp(op, "mount"))
		return say(mount("tmpfs", "/mnt", "tmpfs", 0, NULL));
	if (!strcmp(op, "mknod"))
		return say(mknod("/tmp/zprobe-null", S_IFCHR | 0666, makedev(1, 3)));
	if (!strcmp(op, "module"))
		return say(syscall(SYS_init_module, "", 0, ""));
	if (!strcmp(op, "kill"))
		return say(kill(atoi(arg), argc > 3 ? atoi(argv[3]) : 0));
	if (!strcmp(op, "read")) {
		char buf[16];
		int fd = open(arg, O_RDONLY);
		if (fd < 0)
			return say(-1);
		return say(read(fd, buf, sizeof(buf)));
	}
	if (!strcmp(op, "write"))
		return say(open(arg, O_WRONLY));
	if (!strcmp(op, "unshare-user"))
		return say(unshare(CLONE_NEWUSER));
	if (!strcmp(op, "ptrace"))
		return say(ptrace(PTRACE_ATTACH, atoi(arg), 0, 0));
	if (!strcmp(op, "raw"))
		return say(socket(AF_INET, SOCK_RAW, 1));
	if (!strcmp(op, "sethostname"))
		return say(sethostname("evil", 4));
	if (!strcmp(op, "sysinfo"))
		return probe_sysinfo();
	if (!strcmp(op, "sysinfobench"))
		return probe_sysinfobench(atoi(arg) > 0 ? atoi(arg) : 100);
	if (!strcmp(op, "scan"))
		return probe_scan(atoi(arg) > 0 ? atoi(arg) : 100);
	if (!strcmp(op, "readbench"))
		return probe_readbench(arg, argc > 3 ? atoi(argv[3]) : 200);
	if (!strcmp(op, "readloop"))
		return probe_readloop(arg, argc > 3 ? atof(argv[3]) : 1,
				      argc > 4 && !strcmp(argv[4], "sysinfo"));
	if (!strcmp(op, "readn"))
		return readn(arg);
	if (!strcmp(op, "exe-race"))
		return exe_race(atof(arg), argc > 3 ? argv[3] : NULL);
	if (!strcmp(op, "keyring"))
		return keyring();
	if (!strcmp(op, "fmodule"))
		return fmodule();
	if (!strcmp(op, "seize"))
		return say(ptrace(PTRACE_SEIZE, atoi(arg), 0, 0));
	if (!strcmp(op, "forkbomb"))
		return forkbomb(atof(arg));
	if (!strcmp(op, "memhog"))
		return memhog(atol(arg));
	if (!strcmp(op, "mount-cgroup"))
		return mount_cgroup();
	fprintf(stderr, "zprobe: unknown probe %s\n", op);
	return 2;
}
