/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A wire port's wake-up file, for a worker that sleeps (sleep.c). DPDK's net_af_packet has
 * no RX interrupt, and a worker that polls such a port could only sleep for a bounded nap:
 * a wire frame arriving at an idle service would wait for the nap to end. But the port is a
 * kernel interface, and every frame it receives passes the kernel's packet taps: a second
 * packet socket on the interface, which keeps one byte of a frame at most and almost no
 * buffer, polls readable when a frame has arrived.
 *
 * Its cost while the worker polls: the kernel runs a one-instruction filter per received
 * frame and drops the frame at the full buffer (a counter increment; no copy, no clone).
 * Frames the interface sends are not tapped (PACKET_IGNORE_OUTGOING). Not for net_af_xdp:
 * XDP redirects frames to its socket before any tap sees them; nor a NIC on vfio-pci.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "dnb.h"

/* Frames taken off the socket per drain: the buffer holds a few at most. */
#define DNB_WIRE_WAKE_DRAIN_MAX 64

int dnb_wire_wake_open(uint16_t port_id)
{
	static const struct sock_filter keep_one_byte[] = { BPF_STMT(BPF_RET | BPF_K, 1) };
	const struct sock_fprog prog = {
		.len = RTE_DIM(keep_one_byte), .filter = (struct sock_filter *)keep_one_byte,
	};
	struct rte_eth_dev_info info;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int fd, one = 1, rc;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || info.if_index == 0 ||
	    strcmp(info.driver_name, "net_af_packet") != 0)
		return -ENOTSUP;
	sll.sll_ifindex = (int)info.if_index;
	/* Protocol 0: it receives nothing until bound, with its filter and buffer set. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)) < 0 || /* the least */
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

void dnb_wire_wake_drain(int fd)
{
	char byte;

	for (unsigned int i = 0; i < DNB_WIRE_WAKE_DRAIN_MAX; i++)
		if (recv(fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC) < 0)
			return;
}
