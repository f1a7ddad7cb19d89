/* sym.c - naming the addresses of a stack.
 *
 * A zone's process maps files from its own root: /proc/PID/maps shows
 * their paths as the zone sees them, and the host opens them through
 * /proc/PID/root, so the symbols are those of the zone's binaries even
 * when the host has other versions at the same paths. libdwfl does the
 * ELF work: it reports the mappings of the process
 * (dwfl_linux_proc_report), opens each module through our find_elf and
 * looks names up in .symtab, or in .dynsym when a binary is stripped (its
 * exported functions still have names), or in separate debug info found
 * by build id. The vDSO is read from the process's memory.
 *
 * Kernel addresses come from /proc/kallsyms, read once, sorted. */
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "zutil.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct procsyms {
	pid_t pid, zpid;
	Dwfl *dwfl; /* NULL: the process is gone */
	bool kept;  /* its files are open */
};

struct syms {
	struct ksym *k;
	size_t nk;
	bool k_read;
	struct procsyms *p;
	size_t np;
};

/* find_elf has no argument of ours: the process whose module libdwfl
 * opens is set before each lookup (one thread; lookups are serial). */
static pid_t looking_at;

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	if (modname[0] != '/')
		return dwfl_linux_proc_find_elf(mod, userdata, modname, base, file_name, elfp);
	char *path = xasprintf("/proc/%d/root%s", (int)looking_at, modname);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(path);
		return -1;
	}
	*file_name = path;
	*elfp = NULL;
	return fd;
}

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct syms *syms_new(void)
{
	return xcalloc(1, sizeof(struct syms));
}

void syms_free(struct syms *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nk; i++)
		free(s->k[i].name);
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].dwfl)
			dwfl_end(s->p[i].dwfl);
	free(s->k);
	free(s->p);
	free(s);
}

static struct procsyms *proc_of(struct syms *s, pid_t pid)
{
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].pid == pid)
			return &s->p[i];
	looking_at = pid;
	Dwfl *d = dwfl_begin(&callbacks);
	if (d) {
		dwfl_report_begin(d);
		if (dwfl_linux_proc_report(d, pid) != 0 || dwfl_report_end(d, NULL, NULL) != 0) {
			dwfl_end(d);
			d = NULL;
		}
	}
	s->p = xrealloc(s->p, (s->np + 1) * sizeof(*s->p));
	s->p[s->np] = (struct procsyms){.pid = pid, .zpid = proc_ns_pid(pid), .dwfl = d};
	return &s->p[s->np++];
}

static int open_module(Dwfl_Module *m, void **userdata, const char *name, Dwarf_Addr start,
		       void *arg)
{
	(void)userdata, (void)name, (void)start, (void)arg;
	Dwarf_Addr bias;
	dwfl_module_getelf(m, &bias);
	return DWARF_CB_OK;
}

void syms_keep(struct syms *s, pid_t pid)
{
	struct procsyms *p = proc_of(s, pid);
	if (p->dwfl && !p->kept)
		dwfl_getmodules(p->dwfl, open_module, NULL, 0);
	p->kept = true;
}

pid_t syms_zone_pid(struct syms *s, pid_t pid)
{
	return proc_of(s, pid)->zpid;
}

char *syms_user(struct syms *s, pid_t pid, uint64_t addr, int ret)
{
	Dwfl *d = proc_of(s, pid)->dwfl;
	looking_at = pid;
	Dwarf_Addr pc = ret ? addr - 1 : addr;
	Dwfl_Module *m = d ? dwfl_addrmodule(d, pc) : NULL;
	if (!m)
		return xasprintf("0x%" PRIx64, addr);
	const char *name = dwfl_module_addrname(m, pc);
	if (name)
		return xstrdup(name);
	const char *mod = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	const char *base = mod ? strrchr(mod, '/') : NULL;
	return xasprintf("[%s]", base ? base + 1 : mod ? mod : "unknown");
}

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void read_kallsyms(struct syms *s)
{
	s->k_read = true;
	FILE *f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	char line[512], name[256], type;
	uint64_t addr;
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (s->nk == cap)
			s->k = xrealloc(s->k, (cap = cap ? 2 * cap : 65536) * sizeof(*s->k));
		s->k[s->nk++] = (struct ksym){addr, xstrdup(name)};
	}
	fclose(f);
	qsort(s->k, s->nk, sizeof(*s->k), by_addr);
}

char *syms_kernel(struct syms *s, uint64_t addr)
{
	if (!s->k_read)
		read_kallsyms(s);
	size_t lo = 0, hi = s->nk;
	while (lo < hi) { /* the last symbol at or below addr */
		size_t mid = (lo + hi) / 2;
		if (s->k[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return xasprintf("0x%" PRIx64 "_[k]", addr);
	return xasprintf("%s_[k]", s->k[lo - 1].name);
}
