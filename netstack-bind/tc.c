/* tc.c - a BPF classifier on a link, over netlink: the clsact qdisc and
 * one direct-action "bpf" filter on its ingress or egress hook. Both go
 * away with the link, so a zone's anti-spoofing needs no clean-up of its
 * own and no fd held by anyone. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <string.h>
#include <arpa/inet.h>

#include "nl.h"

#define FILTER_PRIO 1

static struct tcmsg *put_tcmsg(struct nlmsghdr *h, int index, uint32_t parent, uint32_t handle)
{
	struct tcmsg *t = mnl_nlmsg_put_extra_header(h, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = index;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	return t;
}

static int clsact_add(struct nl *nl, int index)
{
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWQDISC, NLM_F_CREATE);
	put_tcmsg(h, index, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0));
	mnl_attr_put_strz(h, TCA_KIND, "clsact");
	int r = nl_request(nl, h);
	return r == -EEXIST ? 0 : r;
}

static uint32_t hook(bool egress)
{
	return TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
}

int nl_tc_attach(struct nl *nl, int index, bool egress, int prog_fd, const char *name)
{
	int r = clsact_add(nl, index);
	if (r < 0)
		return r;
	struct nlmsghdr *h = nl_msg(nl, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	struct tcmsg *t = put_tcmsg(h, index, hook(egress), 1);
	t->tcm_info = TC_H_MAKE(FILTER_PRIO << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(h, TCA_KIND, "bpf");
	struct nlattr *opts = mnl_attr_nest_start(h, TCA_OPTIONS);
	mnl_attr_put_u32(h, TCA_BPF_FD, (uint32_t)prog_fd);
	mnl_attr_put_strz(h, TCA_BPF_NAME, name);
	mnl_attr_put_u32(h, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(h, opts);
	return nl_request(nl, h);
}

static int bpf_opt(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_BPF_ID)
		*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int filter_attr(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_OPTIONS)
		mnl_attr_parse_nested(a, bpf_opt, data);
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *h, void *data)
{
	mnl_attr_parse(h, sizeof(struct tcmsg), filter_attr, data);
	return MNL_CB_OK;
}

int nl_tc_prog_id(struct nl *nl, int index, bool egress, uint32_t *id)
{
	*id = 0;
	struct nlmsghdr *h = nl_msg(nl, RTM_GETTFILTER, 0);
	put_tcmsg(h, index, hook(egress), 0);
	int r = nl_dump(nl, h, filter_cb, id);
	/* a link without clsact has no filters to list */
	return r == -EINVAL || r == -ENOENT ? 0 : r;
}
