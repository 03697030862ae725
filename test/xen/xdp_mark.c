// SPDX-License-Identifier: BSD-3-Clause
/*
 * The real-Xen test's XDP program (#15): attached to a PV guest's eth0 in netfront's native
 * mode, it drops the ICMP echo replies of one size (ping -s 1234: 1262 bytes of IPv4) and
 * passes every other frame, so the guest's own pings show whether it runs: those of that
 * size go unanswered while it is attached, the rest are answered, and all are once it is
 * detached. Built with clang's BPF target by build-initramfs.sh, loaded with iproute2.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define MARK_IP_LEN 1262
#define ICMP_ECHOREPLY 0 /* linux/icmp.h would pull in the C library's headers */

SEC("xdp")
int xdp_mark(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u8 *icmp_type = (void *)(ip + 1);

	/* the verifier wants every read proven inside the frame */
	if ((void *)(icmp_type + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    ip->protocol != IPPROTO_ICMP)
		return XDP_PASS;
	if (*icmp_type == ICMP_ECHOREPLY && ip->tot_len == bpf_htons(MARK_IP_LEN))
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
