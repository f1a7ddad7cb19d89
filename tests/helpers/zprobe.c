/* zprobe - tries one privileged thing from inside a zone and prints what
 * the kernel said: "ok" or the errno name. Tests copy it into a zone and
 * compare the answer with what the zone must allow. */
#define _GNU_SOURCE
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
#include <sys/sysmacros.h>
#include <unistd.h>

static int say(long r)
{
	if (r < 0)
		printf("%s\n", strerrorname_np(errno));
	else
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: zprobe mount|mknod|module|kill PID|read F|write F|unshare-user|ptrace PID|raw|chroot\n");
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
	fprintf(stderr, "zprobe: unknown probe %s\n", op);
	return 2;
}
