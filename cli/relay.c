/* relay.c - our terminal to a zone's pty (login) or console socket
 * (login -C). The local terminal goes raw for the duration, so the zone's
 * programs see every key, and is restored whatever happens. On the
 * console, "~." at the start of a line detaches, as in zlogin -C and ssh. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

#include "cli.h"

static struct termios saved;
static bool raw;

static void term_restore(void)
{
	if (raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	raw = false;
}

static void term_raw(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) < 0)
		return;
	struct termios t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		raw = true;
}

static void copy_winsize(int to)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Copies what is there; false on EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	return n > 0 && write_all(to, buf, (size_t)n) == n;
}

static int relay_pty(int master, pid_t child, int *status)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	copy_winsize(master);
	term_raw();
	bool in_open = true;
	for (;;) {
		struct pollfd p[4] = {
			{.fd = master, .events = POLLIN},
			{.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = pidfd, .events = POLLIN},
		};
		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & (POLLIN | POLLHUP)) && !pump(master, STDOUT_FILENO))
			break;
		if ((p[1].revents & (POLLIN | POLLHUP)) && !pump(STDIN_FILENO, master))
			in_open = false;
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(sfd, &si, sizeof(si));
			copy_winsize(master);
		}
		if (p[3].revents & POLLIN) {
			/* drain what the zone wrote before it went */
			while (poll(p, 1, 50) > 0 && (p[0].revents & POLLIN) &&
			       pump(master, STDOUT_FILENO))
				;
			break;
		}
	}
	term_restore();
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR) {
			*status = 126;
			return 0;
		}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* Passes input to sock, watching for "~." after a newline. Returns false
 * when the user detaches or input ends. */
static bool console_input(int sock, bool *at_bol, bool *tilde)
{
	char in[4096], out[4097];
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));
	if (n <= 0)
		return n < 0 && errno == EINTR;
	size_t k = 0;
	for (ssize_t i = 0; i < n; i++) {
		char c = in[i];
		if (*tilde) {
			*tilde = false;
			if (c == '.')
				return false;
			if (c != '~')
				out[k++] = '~';
		} else if (*at_bol && c == '~') {
			*tilde = true;
			continue;
		}
		out[k++] = c;
		*at_bol = c == '\r' || c == '\n';
	}
	return write_all(sock, out, k) == (ssize_t)k;
}

static int relay_console(int sock)
{
	static const char hello[] = "[connected to the zone console; ~. to detach]\r\n";
	(void)!write(STDERR_FILENO, hello, sizeof(hello) - 1);
	term_raw();
	bool at_bol = true, tilde = false;
	for (;;) {
		struct pollfd p[2] = {{.fd = sock, .events = POLLIN},
				      {.fd = STDIN_FILENO, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((p[0].revents & (POLLIN | POLLHUP)) && !pump(sock, STDOUT_FILENO))
			break;
		if ((p[1].revents & (POLLIN | POLLHUP)) && !console_input(sock, &at_bol, &tilde))
			break;
	}
	term_restore();
	static const char bye[] = "\r\n[detached from the zone console]\r\n";
	(void)!write(STDERR_FILENO, bye, sizeof(bye) - 1);
	return 0;
}

const struct zone_term cli_term = {.pty = relay_pty, .console = relay_console};
