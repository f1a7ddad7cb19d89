/* antispoof.c - loading the anti-spoofing classifier (bpf/antispoof.bpf.c,
 * whose comment says what passes) and reading its drop counter.
 *
 * The caller attaches the program fd we return (tc clsact ingress of the
 * host end of the zone's link, direct-action) and closes it: from then on
 * the filter holds the program. The counter is found again from the
 * program's id alone (its maps, the one named "drops"), so nothing has to
 * be kept between zonectl commands. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

#define WHAT "anti-spoofing"

int net_antispoof_load(const unsigned char mac[6], const struct net_addr *addrs, size_t n,
		       struct zerr *err)
{
	struct netbpf_antispoof cfg;
	memset(&cfg, 0, sizeof(cfg));
	int r = netbpf_addrs(WHAT, addrs, n, &cfg.a, err);
	if (r < 0)
		return r;
	memcpy(cfg.mac, mac, 6);
	cleanup_bpf_object struct bpf_object *obj = NULL;
	r = zbpf_load(WHAT, "antispoof", _binary_antispoof_bpf_o_start, _binary_antispoof_bpf_o_end,
		      &cfg, sizeof(cfg), NULL, NULL, &obj, err);
	if (r < 0)
		return r;
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "zone_antispoof");
	int fd = prog ? fcntl(bpf_program__fd(prog), F_DUPFD_CLOEXEC, 3) : -1;
	if (fd < 0)
		return zerr_set(err, prog ? errno : ENOENT, WHAT ": BPF program zone_antispoof");
	return fd;
}

/* The fd of the program's map named "drops". */
static int drops_map(int prog_fd, uint32_t prog_id, struct zerr *err)
{
	uint32_t ids[8] = {0}; /* filled by the kernel (valgrind cannot tell) */
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 8;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return zerr_set(err, errno, WHAT ": BPF program %u: info", prog_id);
	for (uint32_t k = 0; k < info.nr_map_ids && k < 8; k++) {
		int fd = bpf_map_get_fd_by_id(ids[k]);
		if (fd < 0)
			continue;
		struct bpf_map_info m;
		memset(&m, 0, sizeof(m));
		uint32_t mlen = sizeof(m);
		if (bpf_obj_get_info_by_fd(fd, &m, &mlen) == 0 && strcmp(m.name, "drops") == 0 &&
		    m.type == BPF_MAP_TYPE_ARRAY && m.value_size == sizeof(uint64_t))
			return fd;
		close(fd);
	}
	return zerr_setx(err, ENOENT, WHAT ": BPF program %u has no drop counter", prog_id);
}

int net_antispoof_drops(uint32_t prog_id, uint64_t *drops, struct zerr *err)
{
	cleanup_close int prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return zerr_set(err, errno, WHAT ": BPF program %u", prog_id);
	cleanup_close int map_fd = drops_map(prog_fd, prog_id, err);
	if (map_fd < 0)
		return map_fd;
	uint32_t key = 0;
	if (bpf_map_lookup_elem(map_fd, &key, drops) < 0)
		return zerr_set(err, errno, WHAT ": BPF program %u: read drop counter", prog_id);
	return 0;
}
