/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by both sides of the simulated hypervisor. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "xensim_layout.h"

int xensim_dom_path(char *buf, size_t len, const char *dir, uint16_t domid, const char *ext)
{
	int n = snprintf(buf, len, "%s/dom%u.%s", dir, domid, ext);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xensim_evtchn_send(int sock, const struct sockaddr_un *addr, uint32_t port)
{
	ssize_t n = sendto(sock, &port, sizeof(port), MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)addr, sizeof(*addr));

	return n == (ssize_t)sizeof(port) ? 0 : -errno;
}
