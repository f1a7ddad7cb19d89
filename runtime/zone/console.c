/* console.c - the monitor's sockets: the console's pty relayed to
 * console.sock and kept in console.log (capped), a brand's watch on what
 * it prints, and ctl.sock, where `start` releases an OCI container. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "monitor.h"

#define CONSOLE_LOG_MAX (1 << 20)

int open_console(struct monitor *m, struct zerr *err)
{
	m->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (m->master < 0)
		return zerr_set(err, errno, "console: open /dev/ptmx");
	int unlock = 0;
	if (ioctl(m->master, TIOCSPTLCK, &unlock) < 0)
		return zerr_set(err, errno, "console: unlock pty");
	m->slave = ioctl(m->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m->slave < 0)
		return zerr_set(err, errno, "console: open pty peer");
	struct winsize ws = {.ws_row = 24, .ws_col = 80};
	ioctl(m->master, TIOCSWINSZ, &ws);
	return 0;
}

/* A listening unix socket run/NAME/<file>, for root only. */
int listen_at(struct monitor *m, const char *file, int type, int *fd, struct zerr *err)
{
	cleanup_free char *path = zone_run_file(m->ctx, m->name, file);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return zerr_setx(err, ENAMETOOLONG, "socket path `%s` is too long", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	*fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (*fd < 0 || bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(*fd, 4) < 0)
		return zerr_set(err, errno, "socket `%s`", path);
	chmod(path, 0600);
	return 0;
}

int listen_console(struct monitor *m, struct zerr *err)
{
	int r = listen_at(m, "console.sock", SOCK_STREAM, &m->listen_fd, err);
	if (r < 0)
		return r;
	cleanup_free char *log = zone_run_file(m->ctx, m->name, "console.log");
	m->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return 0;
}

/* The monitor keeps no end of the pty it hands over. */
int send_console(struct monitor *m, struct zerr *err)
{
	struct winsize ws = {.ws_row = m->cfg->process.console_rows,
			     .ws_col = m->cfg->process.console_cols};
	if (ws.ws_row && ws.ws_col)
		ioctl(m->master, TIOCSWINSZ, &ws);
	int r = zone_console_send(m->oci->console_socket, m->master, err);
	if (r < 0)
		return r;
	close(m->master);
	close(m->slave);
	m->master = m->slave = -1;
	return 0;
}

void console_note(struct monitor *m, const char *msg)
{
	if (m->log_fd >= 0)
		(void)!write(m->log_fd, msg, strlen(msg));
	if (m->client_fd >= 0)
		(void)!write(m->client_fd, msg, strlen(msg));
}

/* The brand's watch on the console (kvm: qemu's "KVM internal error"). */
static void console_watch(struct monitor *m, const char *buf, size_t n)
{
	const struct brand_ops *b = brand_of(m->cfg->brand);
	const char *what;
	if (!b->console_alarm || !b->console_alarm(m->tail, sizeof(m->tail), buf, n, &what) ||
	    m->init.pid <= 0)
		return;
	cleanup_free char *msg = xasprintf("\r\n[zonectl: zone %s: %s: halting the zone]\r\n",
					   m->name, what);
	console_note(m, msg);
	kill(m->init.pid, SIGKILL);
}

void console_out(struct monitor *m)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(m->master, buf, sizeof(buf));
		if (n <= 0)
			return;
		if (m->log_fd >= 0) {
			struct stat sb;
			if (fstat(m->log_fd, &sb) == 0 && sb.st_size > CONSOLE_LOG_MAX)
				(void)!ftruncate(m->log_fd, 0);
			(void)!write(m->log_fd, buf, (size_t)n);
		}
		console_watch(m, buf, (size_t)n);
		if (m->client_fd >= 0 && write_all(m->client_fd, buf, (size_t)n) < 0) {
			close(m->client_fd);
			m->client_fd = -1;
		}
	}
}

void console_in(struct monitor *m)
{
	char buf[4096];
	ssize_t n = read(m->client_fd, buf, sizeof(buf));
	if (n <= 0) {
		close(m->client_fd);
		m->client_fd = -1;
		return;
	}
	int fl = fcntl(m->master, F_GETFL);
	fcntl(m->master, F_SETFL, fl & ~O_NONBLOCK);
	write_all(m->master, buf, (size_t)n);
	fcntl(m->master, F_SETFL, fl);
}

void console_accept(struct monitor *m)
{
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* The newest attach takes the console over, as zlogin -C does. */
	if (m->client_fd >= 0)
		close(m->client_fd);
	m->client_fd = fd;
}

/* `start`: one request, one answer ("OK" or the error). */
void ctl_accept(struct monitor *m)
{
	cleanup_close int fd = accept4(m->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	char req[16] = {0};
	if (fd < 0 || recv(fd, req, sizeof(req) - 1, 0) <= 0 || strcmp(req, "start"))
		return;
	struct zerr err = {0};
	int r = zone_check_op(m->name, ZOP_START, m->st.state, &err);
	if (r == 0)
		r = release(m, &err);
	zfault("start:released");
	if (r == 0)
		r = zone_status_write(m->ctx, m->name, &m->st, &err);
	const char *answer = r == 0 ? "OK" : err.msg;
	send(fd, answer, strlen(answer), MSG_NOSIGNAL);
}

int zone_console_send(const char *path, int master, struct zerr *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return zerr_setx(err, EINVAL, "--console-socket `%s`: missing or too long",
				 path ? path : "");
	strcpy(sa.sun_path, path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return zerr_set(err, errno, "--console-socket `%s`", path);
	ssize_t r = send_with_fd(fd, "F", 1, master);
	return r < 0 ? zerr_set(err, (int)-r, "--console-socket `%s`: send the pty", path) : 0;
}
