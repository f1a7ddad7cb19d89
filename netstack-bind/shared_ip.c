/* shared_ip.c - attaching the shared-IP programs (bpf/shared_ip.bpf.c,
 * whose comment says what they enforce) to a zone's cgroup2 directory.
 *
 * One object is loaded per zone, with the zone's addresses in it, and
 * every program in it is attached with BPF_PROG_ATTACH and
 * BPF_F_ALLOW_MULTI: the attachment belongs to the cgroup, needs no fd or
 * pin to stay, and goes away with the cgroup when the zone's directory is
 * removed. Either every hook is attached or, after a failure, none is. */
#include <errno.h>
#include <stdio.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

#define WHAT "shared-IP"

int net_shared_attach(int cgroup_fd, const struct net_addr *addrs, size_t n, struct zerr *err)
{
	struct netbpf_shared cfg;
	int r = netbpf_addrs(WHAT, addrs, n, &cfg.a, err);
	if (r < 0)
		return r;
	cleanup_bpf_object struct bpf_object *obj = NULL;
	r = zbpf_load(WHAT, "shared_ip", _binary_shared_ip_bpf_o_start, _binary_shared_ip_bpf_o_end,
		      &cfg, sizeof(cfg), NULL, NULL, &obj, err);
	if (r < 0)
		return r;

	struct bpf_program *prog, *done;
	bpf_object__for_each_program(prog, obj) {
		r = bpf_prog_attach(bpf_program__fd(prog), cgroup_fd,
				    bpf_program__expected_attach_type(prog), BPF_F_ALLOW_MULTI);
		if (r < 0)
			break;
	}
	if (!prog)
		return 0;
	int e = errno;
	bpf_object__for_each_program(done, obj) {
		if (done == prog)
			break;
		bpf_prog_detach2(bpf_program__fd(done), cgroup_fd,
				 bpf_program__expected_attach_type(done));
	}
	return zerr_set(err, e, WHAT ": attach BPF program %s to the zone's cgroup",
			bpf_program__name(prog));
}
