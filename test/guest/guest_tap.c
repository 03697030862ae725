/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest's TAP device: it stands where netfront's net_device stands. Frames carry a
 * struct virtio_net_hdr (IFF_VNET_HDR) so GSO aggregates and partial checksums cross it
 * as they cross netfront's skb interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "guest.h"

static int tap_open_one(const char *name, bool multi)
{
	int vnet_hdr_sz = sizeof(struct virtio_net_hdr);
	struct ifreq ifr;
	int fd, rc;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (multi ? IFF_MULTI_QUEUE : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &vnet_hdr_sz) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int guest_tap_open(const char *name, unsigned int want, int *fds)
{
	unsigned int i;
	int fd;

	if (want <= 1) {
		fd = tap_open_one(name, false);
		if (fd < 0)
			return fd;
		fds[0] = fd;
		return 1;
	}
	for (i = 0; i < want; i++) {
		fd = tap_open_one(name, true);
		if (fd < 0) {
			while (i > 0)
				close(fds[--i]);
			/* A persistent TAP made without multi_queue refuses IFF_MULTI_QUEUE. */
			if (fd == -EINVAL)
				return guest_tap_open(name, 1, fds);
			return fd;
		}
		fds[i] = fd;
	}
	return (int)want;
}

int guest_tap_set_offload(int fd, const struct gr_tx_features *f)
{
	/* IPv4 checksum offload is always there (netfront's NETIF_F_IP_CSUM); tun has one
	 * flag for both families, IPv6 is completed in software when not negotiated. */
	unsigned int flags = TUN_F_CSUM;

	if (f->sg && f->gso4)
		flags |= TUN_F_TSO4;
	if (f->sg && f->gso6 && f->csum6)
		flags |= TUN_F_TSO6;
	if (ioctl(fd, TUNSETOFFLOAD, flags) < 0)
		return -errno;
	return 0;
}

/* A socket for interface ioctls on @name, with @ifr cleared and named. -errno on failure. */
static int ifreq_socket(const char *name, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return s;
}

int guest_tap_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;
	int s, rc = 0;

	s = ifreq_socket(name, &ifr);
	if (s < 0)
		return s;
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

int guest_tap_set_mac_up(const char *name, const uint8_t mac[6])
{
	struct ifreq ifr;
	int s, rc = 0;

	s = ifreq_socket(name, &ifr);
	if (s < 0)
		return s;
	if (mac != NULL) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0)
			rc = -errno;
	}
	if (rc == 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
	close(s);
	return rc;
}

int guest_tap_set_carrier(int fd, bool on)
{
	int v = on;

	if (ioctl(fd, TUNSETCARRIER, &v) < 0)
		return -errno;
	return 0;
}
