/* ps.c - the host's side: every process, and the zone it belongs to.
 * A process belongs to a zone when its cgroup, in any hierarchy the zone
 * has a cgroup in, is the zone's leaf or beneath it; the leaves are the
 * ones recorded at boot, so a process cannot move itself out of its zone
 * (it cannot write to a cgroup.procs outside its cgroup namespace). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static char *read_at(int dir, const char *file, size_t *len)
{
	char *text = NULL;
	return read_file_at(dir, file, &text, len, NULL) < 0 ? NULL : text;
}

/* argv joined with spaces, or "[comm]" for kernel threads. */
static char *command_line(int dir, const char *comm)
{
	size_t len = 0;
	char *cmd = read_at(dir, "cmdline", &len);
	if (cmd && len > 0) {
		for (size_t i = 0; i + 1 < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		return cmd;
	}
	free(cmd);
	return xasprintf("[%s]", comm);
}

/* Fields of /proc/PID/stat after the command, whose name may hold
 * spaces and parentheses. */
static int parse_stat(int dir, struct pfs_proc *p, char comm[64])
{
	cleanup_free char *st = read_at(dir, "stat", NULL);
	char *open = st ? strchr(st, '(') : NULL, *close = st ? strrchr(st, ')') : NULL;
	if (!open || !close || close < open)
		return -ENOENT;
	snprintf(comm, 64, "%.*s", (int)(close - open - 1), open + 1);
	unsigned long long ut, stt;
	long rss;
	int ppid;
	if (sscanf(close + 2,
		   "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %*u %*u %ld",
		   &p->state, &ppid, &ut, &stt, &rss) != 5)
		return -EINVAL;
	p->ppid = ppid;
	p->cpu_ticks = ut + stt;
	p->rss_bytes = (uint64_t)(rss > 0 ? rss : 0) * (uint64_t)sysconf(_SC_PAGESIZE);
	return 0;
}

/* Fills p, or leaves nothing in it to free: a process may exit at any
 * point of this. */
static int read_proc(int procfd, pid_t pid, struct pfs_proc *p)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", pid);
	*p = (struct pfs_proc){.pid = pid, .zone = -1};
	cleanup_close int dir = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char comm[64];
	struct stat sb;
	if (dir < 0 || fstat(dir, &sb) < 0 || parse_stat(dir, p, comm) < 0)
		return -ENOENT;
	p->uid = sb.st_uid;
	p->cgroup = read_at(dir, "cgroup", NULL);
	if (!p->cgroup)
		return -ENOENT;
	p->cmd = command_line(dir, comm);
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct pfs_proc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int pfs_proc_scan(struct pfs_proc **out, size_t *n, struct zerr *err)
{
	DIR *d = opendir("/proc");
	if (!d)
		return zerr_set(err, errno, "open /proc");
	struct pfs_proc *v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		if (len == cap)
			v = xrealloc(v, (cap = cap * 2 + 256) * sizeof(*v));
		/* A process that exits while we look is simply not listed. */
		if (read_proc(dirfd(d), (pid_t)pid, &v[len]) == 0)
			len++;
	}
	closedir(d);
	qsort(v, len, sizeof(*v), by_pid);
	*out = v;
	*n = len;
	return 0;
}

/* "ID:CONTROLLERS:PATH" at or beneath "CONTROLLERS:LEAF". */
static bool line_in(const char *line, size_t len, const char *leaf)
{
	const char *c = memchr(line, ':', len);
	if (!c)
		return false;
	size_t rest = len - (size_t)(c + 1 - line), ll = strlen(leaf);
	return rest >= ll && !memcmp(c + 1, leaf, ll) && (rest == ll || c[1 + ll] == '/');
}

static bool in_zone(const char *cgroup, char *const *leaves)
{
	for (const char *line = cgroup; line && *line;) {
		const char *eol = strchrnul(line, '\n');
		for (size_t k = 0; leaves && leaves[k]; k++)
			if (line_in(line, (size_t)(eol - line), leaves[k]))
				return true;
		line = *eol ? eol + 1 : eol;
	}
	return false;
}

void pfs_assign(struct pfs_proc *p, size_t n, char **const *leaves, size_t n_zones)
{
	for (size_t i = 0; i < n; i++) {
		p[i].zone = -1;
		for (size_t z = 0; z < n_zones && p[i].zone < 0; z++)
			if (in_zone(p[i].cgroup, leaves[z]))
				p[i].zone = (int)z;
	}
}

void pfs_proc_free(struct pfs_proc *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].cmd);
		free(p[i].cgroup);
	}
	free(p);
}
