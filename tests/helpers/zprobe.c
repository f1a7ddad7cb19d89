/* zprobe - tries one privileged thing from inside a zone and prints what
 * the kernel said: "ok" or the errno name. Tests copy it into a zone and
 * compare the answer with what the zone must allow. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static int say(long r)
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("ok\n");
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
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
		fprintf(stderr, "usage: zprobe mount|mknod|module|kill PID|read F|write F|unshare-user|ptrace PID|raw|chroot\n"
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
