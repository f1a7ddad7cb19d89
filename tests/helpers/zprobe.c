/* zprobe - tries one privileged thing from inside a zone and prints what
 * the kernel said: "ok" or the errno name. Tests copy it into a zone and
 * compare the answer with what the zone must allow. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: zprobe mount|mknod|module|kill PID|read F|write F|unshare-user|ptrace PID|raw|chroot|sysinfo|readloop F SECS [sysinfo]|scan N|readbench F N|sysinfobench N\n");
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
		return probe_readloop(arg, argc > 3 ? atof(argv[3]) : 1, argc > 4 && !strcmp(argv[4], "sysinfo"));
	fprintf(stderr, "zprobe: unknown probe %s\n", op);
	return 2;
}
