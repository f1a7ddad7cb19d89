/* view.c - a zone's numbers at one instant: sampling, counting the zone's
 * tasks, the load averages. publish.c puts the files that show them in
 * place. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define LOAD_FREQ_NS (5ULL * 1000000000ULL) /* the kernel's LOAD_FREQ */
#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
static const unsigned long load_exp[3] = {1884, 2014, 2037}; /* EXP_1, EXP_5, EXP_15 */

/* The kernel's calc_load(). */
static unsigned long calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (FIXED_1 - exp);
	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

/* The kernel folds the count of runnable and uninterruptible tasks every
 * 5 s. The view is sampled when it is read, and a count taken then would
 * always include the reader: each fold takes the zone's mean CPU use (in
 * CPUs, fixed point) since the last sample instead. It reads lower than
 * the kernel's load where tasks wait for a CPU (more busy threads than
 * the zone's CPUs, a CPU cap) or in D state. */
static void fold_load(struct pfs_load *l, uint64_t cpu_ns, uint64_t now)
{
	if (!l->next_fold_ns)
		l->next_fold_ns = now + LOAD_FREQ_NS;
	unsigned long used = 0;
	if (l->seen_ns && now > l->seen_ns && cpu_ns >= l->seen_cpu_ns)
		used = (unsigned long)((cpu_ns - l->seen_cpu_ns) * FIXED_1 / (now - l->seen_ns));
	/* A server that was stopped catches up, but not for hours. */
	for (int i = 0; i < 720 && now >= l->next_fold_ns; i++) {
		for (int k = 0; k < 3; k++)
			l->avenrun[k] = calc_load(l->avenrun[k], load_exp[k], used);
		l->next_fold_ns += LOAD_FREQ_NS;
	}
	if (now >= l->next_fold_ns)
		l->next_fold_ns = now + LOAD_FREQ_NS;
	l->seen_ns = now;
	l->seen_cpu_ns = cpu_ns;
}

/* The state letter of /proc/PID/task/TID/stat: after the last ')'. */
static char task_state(int taskdir, const char *tid)
{
	char path[300], buf[512];
	snprintf(path, sizeof(path), "%s/stat", tid);
	cleanup_close int fd = openat(taskdir, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void count_process(struct pfs_view *v, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char st = task_state(dirfd(d), de->d_name);
		v->nr_threads++;
		v->nr_running += st == 'R';
		v->nr_blocked += st == 'D';
	}
	closedir(d);
}

static void count_tasks(struct pfs_view *v)
{
	v->nr_running = v->nr_threads = v->nr_blocked = 0;
	pid_t max = 0;
	for (size_t i = 0; i < v->s.n_pids; i++) {
		count_process(v, v->s.pids[i]);
		if (v->s.pids[i] > max)
			max = v->s.pids[i];
	}
	v->last_pid = max ? proc_ns_pid(max) : 0;
}

const char *pfs_view_cpuset(const struct pfs_view *v)
{
	return v->s.cpuset[0] ? v->s.cpuset : v->z->cpuset;
}

int pfs_view_update(struct pfs_view *v, struct zerr *err)
{
	free(v->s.pids);
	v->s = (struct pfs_sample){
		.mem_limit = -1, .swap_limit = -1, .cpu_quota = -1, .cpu_period = 100000};
	int r = v->z->sample(v->z->sample_arg, &v->s, err);
	if (r < 0)
		return r;
	v->now_wall_ns = wall_ns();
	v->ncpu = pfs_ncpu(pfs_view_cpuset(v), v->s.cpu_quota, v->s.cpu_period);
	count_tasks(v);
	fold_load(&v->load, v->s.cpu_ns, now_ns());
	return 0;
}

void pfs_view_free(struct pfs_view *v)
{
	free(v->s.pids);
	v->s.pids = NULL;
	v->s.n_pids = 0;
}
