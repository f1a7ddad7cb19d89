/* config_default.c - the config.json that `zonectl create NAME` writes:
 * the same defaults runc's `spec` gives a container (mounts, masked and
 * read-only paths), with this runtime's capability set and seccomp
 * profile, and no process.args, because the builtin init is PID 1. */
#include <stddef.h>

#include "config_int.h"

static const char *const default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"TERM=xterm",
	"HOME=/root",
	NULL,
};

static const struct {
	const char *destination, *type, *source;
	const char *options[6];
} default_mounts[] = {
	{"/proc", "proc", "proc", {NULL}},
	{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
	{"/dev/pts",
	 "devpts",
	 "devpts",
	 {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL}},
	{"/dev/shm",
	 "tmpfs",
	 "shm",
	 {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
	{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
	{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
	/* the zone's own cgroups, read-only: cgroup2 in its namespace on a
	 * v2 host, each hierarchy's leaf on a hybrid one */
	{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "ro", NULL}},
};

static const char *const default_namespaces[] = {
	"pid", "network", "ipc", "uts", "mount", "cgroup", NULL,
};

static const char *const default_masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static void write_cap_set(struct jw *w, const char *key, uint64_t set)
{
	jw_key(w, key);
	jw_arr_open(w);
	for (int cap = 0; cap < 64; cap++) {
		const char *name = (set & (1ull << cap)) ? iso_cap_name(cap) : NULL;
		if (name)
			jw_str(w, name);
	}
	jw_arr_close(w);
}

/* oci: runc spec's process, a shell on a terminal as PID 1. */
static void write_process(struct jw *w, bool oci)
{
	uint64_t caps = iso_caps_default();
	jw_key(w, "process");
	jw_obj_open(w);
	jw_kbool(w, "terminal", oci);
	if (oci)
		jw_kstrv(w, "args", (const char *const[]){"sh", NULL});
	jw_key(w, "user");
	jw_obj_open(w);
	jw_kuint(w, "uid", 0);
	jw_kuint(w, "gid", 0);
	jw_obj_close(w);
	jw_kstrv(w, "env", default_env);
	jw_kstr(w, "cwd", "/");
	jw_key(w, "capabilities");
	jw_obj_open(w);
	write_cap_set(w, "bounding", caps);
	write_cap_set(w, "effective", caps);
	/* inheritable stays empty: with it, an exec of a file carrying
	 * inheritable file caps would gain them (CVE-2022-24769) */
	write_cap_set(w, "permitted", caps);
	jw_obj_close(w);
	jw_key(w, "rlimits");
	jw_arr_open(w);
	jw_obj_open(w);
	jw_kstr(w, "type", "RLIMIT_NOFILE");
	jw_kuint(w, "hard", 1024);
	jw_kuint(w, "soft", 1024);
	jw_obj_close(w);
	jw_arr_close(w);
	jw_kbool(w, "noNewPrivileges", true);
	jw_obj_close(w);
}

static void write_mounts(struct jw *w)
{
	jw_key(w, "mounts");
	jw_arr_open(w);
	for (size_t i = 0; i < sizeof(default_mounts) / sizeof(default_mounts[0]); i++) {
		jw_obj_open(w);
		jw_kstr(w, "destination", default_mounts[i].destination);
		jw_kstr(w, "type", default_mounts[i].type);
		jw_kstr(w, "source", default_mounts[i].source);
		if (default_mounts[i].options[0])
			jw_kstrv(w, "options", default_mounts[i].options);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void write_rule(struct jw *w, const struct iso_sc_rule *rule)
{
	jw_obj_open(w);
	jw_key(w, "names");
	jw_strv(w, rule->names);
	jw_kstr(w, "action", rule->action);
	if (rule->has_errno)
		jw_kuint(w, "errnoRet", rule->errno_ret);
	if (rule->n_args) {
		jw_key(w, "args");
		jw_arr_open(w);
		for (size_t i = 0; i < rule->n_args; i++) {
			jw_obj_open(w);
			jw_kuint(w, "index", rule->args[i].index);
			jw_kuint(w, "value", rule->args[i].value);
			if (rule->args[i].value_two)
				jw_kuint(w, "valueTwo", rule->args[i].value_two);
			jw_kstr(w, "op", rule->args[i].op);
			jw_obj_close(w);
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
}

static void write_seccomp(struct jw *w, const struct iso_seccomp *sc)
{
	jw_key(w, "seccomp");
	jw_obj_open(w);
	jw_kstr(w, "defaultAction", sc->default_action);
	if (sc->has_default_errno)
		jw_kuint(w, "defaultErrnoRet", sc->default_errno);
	if (sc->architectures) {
		jw_key(w, "architectures");
		jw_strv(w, sc->architectures);
	}
	if (sc->flags) {
		jw_key(w, "flags");
		jw_strv(w, sc->flags);
	}
	jw_key(w, "syscalls");
	jw_arr_open(w);
	for (size_t i = 0; i < sc->n_rules; i++)
		write_rule(w, &sc->rules[i]);
	jw_arr_close(w);
	jw_obj_close(w);
}

static void write_linux(struct jw *w)
{
	jw_key(w, "linux");
	jw_obj_open(w);
	jw_key(w, "namespaces");
	jw_arr_open(w);
	for (size_t i = 0; default_namespaces[i]; i++) {
		jw_obj_open(w);
		jw_kstr(w, "type", default_namespaces[i]);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	/* deny all; the zone's own /dev is allowed after this when parsed */
	jw_key(w, "resources");
	jw_obj_open(w);
	jw_key(w, "devices");
	jw_arr_open(w);
	jw_obj_open(w);
	jw_kbool(w, "allow", false);
	jw_kstr(w, "access", "rwm");
	jw_obj_close(w);
	jw_arr_close(w);
	jw_obj_close(w);
	const struct iso_seccomp *sc = iso_seccomp_default();
	if (sc)
		write_seccomp(w, sc);
	jw_kstrv(w, "maskedPaths", default_masked);
	jw_kstrv(w, "readonlyPaths", default_readonly);
	jw_obj_close(w);
}

char *zone_config_default(const char *name, enum zone_brand brand)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "ociVersion", "1.0.2");
	jw_key(w, "root");
	jw_obj_open(w);
	jw_kstr(w, "path", "root");
	jw_kbool(w, "readonly", false);
	jw_obj_close(w);
	jw_kstr(w, "hostname", name);
	write_process(w, false);
	write_mounts(w);
	write_linux(w);
	jw_key(w, "zone");
	jw_obj_open(w);
	jw_kstr(w, "brand", zone_brand_name(brand));
	jw_kbool(w, "autoboot", false);
	jw_kstr(w, "init", "builtin");
	jw_kstr(w, "procfs", "zone");
	jw_obj_close(w);
	jw_obj_close(w);
	return jw_finish(w, NULL);
}

char *oci_spec_default(void)
{
	struct jw *w = jw_new(true);
	jw_obj_open(w);
	jw_kstr(w, "ociVersion", "1.0.2");
	write_process(w, true);
	jw_key(w, "root");
	jw_obj_open(w);
	jw_kstr(w, "path", "rootfs");
	jw_kbool(w, "readonly", true);
	jw_obj_close(w);
	jw_kstr(w, "hostname", "zonectl");
	write_mounts(w);
	write_linux(w);
	jw_obj_close(w);
	return jw_finish(w, NULL);
}
