/*
 * zinit - PID 1 of a zone.
 *
 * A zone's first process has two duties the kernel gives to every PID 1:
 * it reaps the orphans of its pid namespace (otherwise they stay zombies
 * until the zone halts), and it decides what a signal from outside means,
 * because the kernel delivers to a namespace's init only the signals it
 * has asked for. We block every signal and take them with sigwaitinfo(),
 * which counts as asking.
 *
 * SIGTERM, SIGPWR, SIGINT and systemd's SIGRTMIN+3 (halt) and +4
 * (poweroff: `machinectl poweroff`) start an orderly shutdown: SIGTERM to every
 * other process of the zone, a grace period for them to exit, then SIGKILL
 * to whatever is left, and exit. When init exits the kernel kills the rest
 * of the namespace anyway; the grace period is what makes the shutdown
 * orderly.
 *
 * Usage: zinit [-g GRACE_SECONDS] [-n ZONE] [-x] [-- SERVICE ARGS...]
 * With a service, zinit starts it as its first child and reports its exit
 * on the console; the zone stays up, as a zone does when one service ends.
 * With -x (a job: `zonectl run`), the service is the zone's one job: it
 * gets init's stdio (the client's own), zinit says nothing on it, and when
 * the job exits the zone ends and zinit exits with the job's status
 * (128+N if a signal N killed it), which the monitor passes on.
 * It is built static and small, and is executed from a sealed memfd, so it
 * needs nothing from the zone's root and exposes no host file.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *zone = "?";

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n = snprintf(buf, sizeof(buf), "zinit: zone %s: ", zone);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

static pid_t start_service(char **argv, const sigset_t *old)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, old, NULL);
	setsid();
	execvp(argv[0], argv);
	say("cannot run service %s: %s", argv[0], strerror(errno));
	_exit(127);
}

static int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Returns true once the service has gone, its status in *status. */
static bool reap(pid_t service, bool job, int *status)
{
	int st;
	pid_t pid;
	bool gone = false;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid != service)
			continue;
		gone = true;
		*status = exit_code(st);
		if (job)
			continue;
		if (WIFEXITED(st))
			say("service exited with status %d", WEXITSTATUS(st));
		else
			say("service killed by signal %d", WTERMSIG(st));
	}
	return gone;
}

/* TERM to all, wait up to grace seconds for them to go, then KILL. The
 * service's status, if it goes now, lands in *status. */
static void shutdown_zone(int grace, pid_t service, int *status)
{
	int st;
	kill(-1, SIGTERM);
	kill(-1, SIGCONT);
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += grace;
	for (;;) {
		pid_t pid = waitpid(-1, &st, WNOHANG);
		/* Done when no process but us is left in the namespace: a
		 * login's processes are not our children (their parent is
		 * outside), and our exit would SIGKILL them without grace. */
		if (pid < 0 && errno == ECHILD && kill(-1, 0) < 0 && errno == ESRCH)
			return;
		if (pid > 0 && pid == service)
			*status = exit_code(st);
		if (pid > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	kill(-1, SIGKILL);
	pid_t pid;
	while ((pid = waitpid(-1, &st, 0)) > 0 || errno == EINTR)
		if (pid == service)
			*status = exit_code(st);
}

int main(int argc, char **argv)
{
	int grace = 10, i = 1, status = 0;
	bool job = false;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-g") && i + 1 < argc)
			grace = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-x"))
			job = true;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			zone = argv[++i];
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else
			break;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* run from a memfd, our comm would be "memfd:zinit" */
	prctl(PR_SET_NAME, "zinit");

	pid_t service = 0;
	if (i < argc)
		service = start_service(argv + i, &old);
	if (!job)
		say("up (pid %d, grace %ds)", getpid(), grace);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		switch (sig) {
		case SIGCHLD:
			if (reap(service, job, &status) && job) {
				shutdown_zone(grace, 0, &status);
				return status;
			}
			break;
		case SIGTERM:
		case SIGPWR:
		case SIGINT:
			if (!job)
				say("shutting down (signal %d)", sig);
			shutdown_zone(grace, service, &status);
			return job ? status : 0;
		default:
			/* systemd's halt and poweroff signals (`machinectl
			 * poweroff` sends SIGRTMIN+4 to a machine's leader) */
			if (sig == SIGRTMIN + 3 || sig == SIGRTMIN + 4) {
				if (!job)
					say("shutting down (SIGRTMIN+%d)", sig - SIGRTMIN);
				shutdown_zone(grace, service, &status);
				return job ? status : 0;
			}
			break;
		}
	}
}
