/*
 * kvm.c - the kvm brand: a guest run by qemu, confined in a zone.
 *
 * qemu is the zone's init (zone.init "none" in effect), started on the
 * zone's console pty as its serial port, so `login -C` is the guest's
 * console and console.log its boot log. It sees the host's /usr read-only
 * (as a sparse zone does: qemu, its libraries and firmware), the guest's
 * kernel, initrd and disk bind-mounted read-only under /guest, and two
 * devices beyond the basics: /dev/kvm when KVM is used, /dev/net/tun when
 * the zone has a NIC (a tap bridged with the zone's link in the zone's
 * network namespace: netstack-bind/guest.c). It runs with no capability,
 * under our seccomp filter and no_new_privs, and adds its own filter
 * (-sandbox on, no spawning, no privileges).
 *
 * Acceleration. A /dev/kvm can be an emulator: kvm_pvm (a nested,
 * paravirtual KVM) runs guest kernels through KVM's instruction emulator,
 * minutes to boot and pausing on instructions it lacks. So "auto" uses KVM
 * only where /dev/kvm exists and kvm_pvm is not loaded, and says why when
 * it falls back to TCG; "kvm" forces it.
 *
 * QMP listens in run/NAME/kvm/qmp.sock (the directory is the zone's
 * /run/zonectl); halt asks the guest to power down there before the
 * signals.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime.h"

#define QEMU "/usr/bin/qemu-system-x86_64"
#define QEMU_OVERHEAD (96ULL << 20) /* qemu's own RSS, devices, page tables */
#define TCG_TB_MIB 64               /* TCG's translation cache, bounded */

static bool kvm_is_emulator(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

static enum zone_accel pick_accel(const struct zone_ctx *ctx, const char *name,
				  enum zone_accel want)
{
	if (want != ZONE_ACCEL_AUTO)
		return want;
	const char *why = access("/dev/kvm", R_OK | W_OK) < 0 ? "no usable /dev/kvm"
			  : kvm_is_emulator()
				  ? "/dev/kvm is an emulator-only KVM (kvm_pvm: "
				    "guest kernels would run in KVM's instruction emulator)"
				  : NULL;
	if (!why)
		return ZONE_ACCEL_KVM;
	if (ctx->notice) {
		cleanup_free char *msg = xasprintf("zone %s: %s; the guest runs under TCG "
						   "(software emulation; accel=kvm forces KVM)",
						   name, why);
		ctx->notice(msg);
	}
	return ZONE_ACCEL_TCG;
}

uint64_t kvm_memory_needed(const struct zone_kvm *k, enum zone_accel accel)
{
	return k->mem + QEMU_OVERHEAD + (accel == ZONE_ACCEL_TCG ? (uint64_t)TCG_TB_MIB << 20 : 0);
}

static int check_memory(const char *name, const struct zone_config *cfg, enum zone_accel accel,
			struct zerr *err)
{
	const struct rctl_resources *res = &cfg->resources;
	uint64_t need = kvm_memory_needed(&cfg->kvm, accel);
	if (!res->has_mem_limit || res->mem_limit < 0 || (uint64_t)res->mem_limit >= need)
		return 0;
	return zerr_setx(err, EINVAL,
			 "zone %s: the memory cap %lluM is smaller than the guest's "
			 "RAM %lluM plus qemu's overhead %lluM (%s): at least memory=%lluM",
			 name, (unsigned long long)res->mem_limit >> 20,
			 (unsigned long long)cfg->kvm.mem >> 20,
			 (unsigned long long)(need - cfg->kvm.mem) >> 20, zone_accel_name(accel),
			 (unsigned long long)(need + (1 << 20) - 1) >> 20);
}

static int check_file(const char *name, const char *what, const char *path, struct zerr *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return zerr_set(err, errno, "zone %s: kvm %s `%s`", name, what, path);
	if (!S_ISREG(st.st_mode))
		return zerr_setx(err, EINVAL, "zone %s: kvm %s `%s`: not a regular file", name,
				 what, path);
	return 0;
}

/* The node, and the cgroup's leave to make it ("m") and use it; the zone
 * itself has no CAP_MKNOD. */
static void add_device(struct zone_config *cfg, const char *path, int64_t major, int64_t minor)
{
	cfg->devices = xrealloc(cfg->devices, (cfg->n_devices + 1) * sizeof(*cfg->devices));
	cfg->devices[cfg->n_devices++] = (struct iso_device){
		.path = xstrdup(path),
		.type = 'c',
		.major = major,
		.minor = minor,
		.mode = 0600,
	};
	struct rctl_resources *res = &cfg->resources;
	res->devices = xrealloc(res->devices, (res->n_devices + 1) * sizeof(*res->devices));
	res->devices[res->n_devices++] = (struct rctl_device){
		.allow = true,
		.type = 'c',
		.major = major,
		.minor = minor,
		.access = "rwm",
	};
}

/* Appends s (malloc'd: xasprintf) and frees it. */
static void arg_take(char ***argv, char *s)
{
	strv_append(argv, s);
	free(s);
}

/* A tap per NIC, with the MAC the host side's anti-spoofing admits. */
static void net_args(char ***argv, const struct zone_ctx *ctx, const char *name,
		     const struct zone_config *cfg)
{
	struct net_zone z;
	zone_net_describe(ctx, name, cfg, &z);
	for (size_t i = 0; i < cfg->n_nics; i++) {
		char tap[NET_IFNAME_MAX + 1];
		unsigned char m[6];
		net_guest_tap_name(i, tap);
		net_nic_mac(&z, i, m);
		strv_append(argv, "-netdev");
		arg_take(argv,
			 xasprintf("tap,id=net%zu,ifname=%s,script=no,downscript=no,vhost=off", i,
				   tap));
		strv_append(argv, "-device");
		arg_take(argv,
			 xasprintf("virtio-net-pci,netdev=net%zu,mac=%02x:%02x:%02x:%02x:%02x:%02x",
				   i, m[0], m[1], m[2], m[3], m[4], m[5]));
	}
	free((char *)z.state_dir);
}

/* The first NIC's first IPv4 address as the kernel's ip= parameter
 * (Documentation/admin-guide/nfs/nfsroot.rst), which an initramfs reads
 * when the kernel does not configure it itself; "" when there is none. */
static char *ip_param(const struct zone_config *cfg)
{
	for (size_t a = 0; cfg->n_nics && a < cfg->nics[0].n_addrs; a++) {
		const struct net_addr *ad = &cfg->nics[0].addrs[a];
		if (ad->family != AF_INET)
			continue;
		char addr[64], gw[64] = "";
		net_addr_format(ad, false, addr, sizeof(addr));
		if (cfg->nics[0].has_gateway)
			net_addr_format(&cfg->nics[0].gateway, false, gw, sizeof(gw));
		uint32_t mask = ad->prefix ? 0xffffffffu << (32 - ad->prefix) : 0;
		return xasprintf(" ip=%s::%s:%u.%u.%u.%u::eth0:off", addr, gw, mask >> 24,
				 (mask >> 16) & 255, (mask >> 8) & 255, mask & 255);
	}
	return xstrdup("");
}

static char **qemu_argv(const struct zone_ctx *ctx, const char *name, const struct zone_config *cfg,
			enum zone_accel accel)
{
	const struct zone_kvm *k = &cfg->kvm;
	char **argv = NULL;
	strv_append(&argv, QEMU);
	strv_append(&argv, "-name");
	strv_append(&argv, name);
	strv_append(&argv, "-nodefaults");
	strv_append(&argv, "-no-user-config");
	strv_append(&argv, "-nographic");
	strv_append(&argv, "-sandbox");
	strv_append(&argv,
		    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	strv_append(&argv, "-machine");
	strv_append(&argv, "pc");
	strv_append(&argv, "-accel");
	if (accel == ZONE_ACCEL_KVM)
		strv_append(&argv, "kvm");
	else
		arg_take(&argv, xasprintf("tcg,tb-size=%d", TCG_TB_MIB));
	strv_append(&argv, "-m");
	arg_take(&argv, xasprintf("%lluM", (unsigned long long)(k->mem >> 20)));
	strv_append(&argv, "-smp");
	arg_take(&argv, xasprintf("%u", k->vcpus));
	strv_append(&argv, "-chardev");
	strv_append(&argv, "stdio,id=console,signal=off");
	strv_append(&argv, "-serial");
	strv_append(&argv, "chardev:console");
	strv_append(&argv, "-qmp");
	strv_append(&argv, "unix:" KVM_RUN_DIR "/qmp.sock,server=on,wait=off");
	strv_append(&argv, "-kernel");
	strv_append(&argv, "/guest/kernel");
	if (k->initrd) {
		strv_append(&argv, "-initrd");
		strv_append(&argv, "/guest/initrd");
	}
	if (k->disk) {
		strv_append(&argv, "-drive");
		strv_append(&argv, "file=/guest/disk,format=raw,if=virtio,readonly=on");
	}
	cleanup_free char *ip = ip_param(cfg);
	strv_append(&argv, "-append");
	arg_take(&argv, xasprintf("console=ttyS0%s%s%s", ip, k->cmdline ? " " : "",
				  k->cmdline ? k->cmdline : ""));
	net_args(&argv, ctx, name, cfg);
	return argv;
}

int kvm_check(const char *name, const struct zone_config *cfg, struct zerr *err)
{
	if (!cfg->has_kvm)
		return zerr_setx(err, EINVAL,
				 "zone %s: config: zone.kvm: required with brand kvm "
				 "(create --kvm kernel=PATH[,initrd=PATH]...)",
				 name);
	return 0;
}

/* qemu on a KVM that cannot go on (kvm_pvm's emulator meeting an
 * instruction it lacks) pauses the guest and says so on stderr, the
 * console: the zone is halted rather than left hanging. The guest could
 * print the same words, and so halt itself: nothing it could not do by
 * powering off. */
bool kvm_console_alarm(char *tail, size_t tail_size, const char *buf, size_t n, const char **what)
{
	static const char words[] = "KVM internal error";
	size_t keep = strlen(tail);
	cleanup_free char *win = xmalloc(keep + n + 1);
	memcpy(win, tail, keep);
	memcpy(win + keep, buf, n);
	win[keep + n] = '\0';
	size_t len = keep + n, t = sizeof(words) - 1;
	if (t > len)
		t = len;
	if (t >= tail_size)
		t = tail_size - 1;
	memcpy(tail, win + len - t, t);
	tail[t] = '\0';
	*what = "qemu: KVM internal error";
	return memmem(win, len, words, sizeof(words) - 1) != NULL;
}

int kvm_boot_prepare(const struct zone_ctx *ctx, const char *name, struct zone_config *cfg,
		     struct zerr *err)
{
	const struct zone_kvm *k = &cfg->kvm;
	int r = check_file(name, "kernel", k->kernel, err);
	if (r == 0 && k->initrd)
		r = check_file(name, "initrd", k->initrd, err);
	if (r == 0 && k->disk)
		r = check_file(name, "disk", k->disk, err);
	if (r < 0)
		return r;
	enum zone_accel accel = pick_accel(ctx, name, k->accel);
	if ((r = check_memory(name, cfg, accel, err)) < 0)
		return r;
	if (accel == ZONE_ACCEL_KVM)
		add_device(cfg, "/dev/kvm", 10, 232);
	if (cfg->n_nics)
		add_device(cfg, "/dev/net/tun", 10, 200);
	strv_free(cfg->process.args);
	cfg->process.args = qemu_argv(ctx, name, cfg, accel);
	cfg->init = ZONE_INIT_NONE;
	/* uid 0 owns what qemu opens (the devices, its tap, the guest's
	 * files, QMP's directory): it needs no capability at all */
	cfg->process.caps = (struct iso_caps){0};
	return 0;
}

/* Asks the guest to power down (ACPI) over QMP; 0 if qemu took it. */
int kvm_powerdown(const struct zone_ctx *ctx, const char *name)
{
	cleanup_free char *path = zone_run_file(ctx, name, "kvm/qmp.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 2};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	static const char cmds[] = "{\"execute\":\"qmp_capabilities\"}\n"
				   "{\"execute\":\"system_powerdown\"}\n";
	if (write_all(fd, cmds, sizeof(cmds) - 1) < 0)
		return -errno;
	/* greeting, then one answer per command */
	char buf[4096];
	size_t n = 0;
	while (n < sizeof(buf) - 1) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (got <= 0)
			return -EIO;
		n += (size_t)got;
		buf[n] = '\0';
		const char *first = strstr(buf, "\"return\"");
		if (first && strstr(first + 1, "\"return\""))
			return 0;
		if (strstr(buf, "\"error\""))
			return -EIO;
	}
	return -EIO;
}
