/* test_procfs.c - procfs-filter/ without a zone: the CPU count a zone is
 * given, files rendered from a made-up host /proc and sample, and which
 * process lines belong to which zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "t.h"

static char host[64];

static void host_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", host, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *render(const struct pfs_view *v, const char *name)
{
	char *out = NULL;
	size_t len;
	struct zerr err;
	if (pfs_render(v, name, host, &out, &len, &err) < 0) {
		printf("  render %s: %s\n", name, err.msg);
		return NULL;
	}
	return out;
}

static void test_ncpu_is_the_cap_rounded_up_within_the_cpuset(void)
{
	CHECK(pfs_ncpu("0-3", 150000, 100000) == 2);
	CHECK(pfs_ncpu("0-3", 100000, 100000) == 1);
	CHECK(pfs_ncpu("0-1,3", -1, 100000) == 3);
	CHECK(pfs_ncpu("2", 400000, 100000) == 1);
	CHECK(pfs_ncpu("0-7", 50000, 100000) == 1);
}

static void test_meminfo_is_the_zones_and_keeps_the_hosts_other_lines(void)
{
	host_file("meminfo", "MemTotal:       24000000 kB\nMemFree:        20000000 kB\n"
			     "MemAvailable:   21000000 kB\nCached:          1000000 kB\n"
			     "SReclaimable:     80000 kB\nSwapTotal:             0 kB\n"
			     "SwapFree:              0 kB\nHugePages_Total:       0\n");
	struct pfs_zone z = {.name = "ut", .booted_at_ns = 1};
	struct pfs_view v = {.z = &z,
			     .ncpu = 1,
			     .s = {.mem_limit = 512 << 20,
				   .mem_usage = 100 << 20,
				   .mem_cache = 30 << 20,
				   .inactive_file = 10 << 20,
				   .swap_limit = -1}};
	char *m = render(&v, "meminfo");
	CHECK(m);
	CHECK_MSG(strstr(m, "MemTotal:         524288 kB\n"), "%s", m);
	CHECK_MSG(strstr(m, "MemFree:          421888 kB\n"), "%s", m);
	CHECK_MSG(strstr(m, "MemAvailable:     432128 kB\n"), "%s", m);
	CHECK_MSG(strstr(m, "Cached:            30720 kB\n"), "%s", m);
	CHECK_MSG(strstr(m, "SReclaimable:          0 kB\n"), "%s", m);
	CHECK_MSG(strstr(m, "HugePages_Total:       0\n"), "%s", m);
	free(m);
	v.s.mem_limit = -1;
	m = render(&v, "meminfo");
	CHECK_MSG(m && strstr(m, "MemTotal:       24000000 kB\n"), "%s", m);
	free(m);
}

static void test_uptime_loadavg_and_online_follow_the_view(void)
{
	struct pfs_zone z = {.name = "ut", .booted_at_ns = 1000000000ULL};
	struct pfs_view v = {.z = &z,
			     .ncpu = 2,
			     .now_wall_ns = 11500000000ULL,
			     .s = {.cpu_ns = 3000000000ULL},
			     .nr_running = 1,
			     .nr_threads = 7,
			     .last_pid = 42,
			     .load = {.avenrun = {2048 + 1024, 2048, 0}}};
	char *u = render(&v, "uptime"), *l = render(&v, "loadavg"), *o = render(&v, "cpu-online");
	CHECK_MSG(u && !strcmp(u, "10.50 18.00\n"), "%s", u);
	CHECK_MSG(l && !strcmp(l, "1.50 1.00 0.00 1/7 42\n"), "%s", l);
	CHECK_MSG(o && !strcmp(o, "0-1\n"), "%s", o);
	free(u);
	free(l);
	free(o);
	struct sysinfo si;
	pfs_sysinfo(&v, &si);
	CHECK(si.uptime == 10 && si.procs == 7 && si.loads[0] == (2048 + 1024) << 5);
}

static void test_cpuinfo_shows_the_first_cpus_of_the_cpuset_renumbered(void)
{
	host_file("cpuinfo",
		  "processor\t: 0\nmodel name\t: A\n\nprocessor\t: 1\nmodel name\t: B\n\n"
		  "processor\t: 2\nmodel name\t: C\n\n");
	struct pfs_zone z = {.name = "ut", .cpuset = "1-2"};
	struct pfs_view v = {.z = &z, .ncpu = 1};
	char *c = render(&v, "cpuinfo");
	CHECK_MSG(c && !strcmp(c, "processor\t: 0\nmodel name\t: B\n\n"), "%s", c);
	free(c);
}

static void test_a_process_belongs_to_the_zone_whose_leaf_holds_it(void)
{
	char *za[] = {"memory:/p/zonectl/web", ":/zonectl/web", NULL};
	char *zb[] = {"memory:/p/zonectl/web2", NULL};
	char **leaves[] = {za, zb};
	struct pfs_proc p[] = {
		{.cgroup = "4:memory:/p/zonectl/web/sub\n0::/\n"},
		{.cgroup = "4:memory:/p/zonectl/web2\n"},
		{.cgroup = "4:memory:/p/zonectl/webx\n0::/zonectl/webby\n"},
		{.cgroup = "0::/zonectl/web\n"},
		{.cgroup = "4:cpu:/p/zonectl/web\n"},
	};
	pfs_assign(p, 5, leaves, 2);
	CHECK(p[0].zone == 0);
	CHECK(p[1].zone == 1);
	CHECK(p[2].zone == -1);
	CHECK(p[3].zone == 0);
	CHECK(p[4].zone == -1);
}

int main(void)
{
	snprintf(host, sizeof(host), "/tmp/ut-procfs.%d", getpid());
	mkdir(host, 0700);
	RUN(test_ncpu_is_the_cap_rounded_up_within_the_cpuset);
	RUN(test_meminfo_is_the_zones_and_keeps_the_hosts_other_lines);
	RUN(test_uptime_loadavg_and_online_follow_the_view);
	RUN(test_cpuinfo_shows_the_first_cpus_of_the_cpuset_renumbered);
	RUN(test_a_process_belongs_to_the_zone_whose_leaf_holds_it);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", host);
	if (system(cmd) != 0)
		printf("  could not remove %s\n", host);
	T_EXIT();
}
