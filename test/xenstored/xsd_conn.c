/* SPDX-License-Identifier: BSD-3-Clause */
#include "xsd_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsd_log.h"
#include "xsd_txn.h"
#include "xsd_watch.h"

struct xsd_conn *xsd_conn_new(int fd, uint32_t domid, uint32_t id,
			      const struct xsd_conn_limits *lim)
{
	struct xsd_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		goto fail;
	c->txns = calloc(lim->max_txns ? lim->max_txns : 1, sizeof(*c->txns));
	if (c->txns == NULL)
		goto fail;
	c->fd = fd;
	c->id = id;
	c->domid = domid;
	c->lim = *lim;
	return c;
fail:
	free(c);
	close(fd);
	return NULL;
}

void xsd_conn_free(struct xsd_conn *c)
{
	struct xsd_outbuf *o;
	uint32_t i;

	close(c->fd);
	while ((o = c->out_head) != NULL) {
		c->out_head = o->next;
		free(o);
	}
	xsd_watch_remove_all(c);
	for (i = 0; i < c->lim.max_txns; i++)
		xsd_txn_free(c->txns[i]);
	free(c->txns);
	free(c);
}

void xsd_conn_kill(struct xsd_conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	xsd_log(XSD_LOG_INFO, "conn %u (domid %u): closed: %s", c->id, c->domid, why);
}

int xsd_conn_send(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		  const struct iovec *iov, int nr_iov)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = req_id, .tx_id = tx_id };
	struct xsd_outbuf *o;
	size_t len = 0, off;
	int i;

	if (c->dead)
		return -EPIPE;
	for (i = 0; i < nr_iov; i++)
		len += iov[i].iov_len;
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	hdr.len = (uint32_t)len;
	if (c->out_bytes + sizeof(hdr) + len > c->lim.out_limit) {
		xsd_log(XSD_LOG_WARN, "conn %u (domid %u): %zu bytes queued, over the bound %zu",
			c->id, c->domid, c->out_bytes, c->lim.out_limit);
		xsd_conn_kill(c, "output queue bound exceeded (client does not read)");
		return -ENOBUFS;
	}
	o = malloc(sizeof(*o) + sizeof(hdr) + len);
	if (o == NULL) {
		xsd_conn_kill(c, "out of memory");
		return -ENOMEM;
	}
	o->next = NULL;
	o->off = 0;
	o->len = sizeof(hdr) + len;
	memcpy(o->data, &hdr, sizeof(hdr));
	for (i = 0, off = sizeof(hdr); i < nr_iov; off += iov[i].iov_len, i++)
		if (iov[i].iov_len != 0)
			memcpy(o->data + off, iov[i].iov_base, iov[i].iov_len);
	if (c->out_tail != NULL)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += o->len;
	return 0;
}

void xsd_conn_flush(struct xsd_conn *c)
{
	struct xsd_outbuf *o;
	ssize_t n;

	while (!c->dead && (o = c->out_head) != NULL) {
		n = send(c->fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				xsd_conn_kill(c, "write error");
			return;
		}
		o->off += (size_t)n;
		c->out_bytes -= (size_t)n;
		if (o->off < o->len)
			continue;
		c->out_head = o->next;
		if (c->out_head == NULL)
			c->out_tail = NULL;
		free(o);
	}
}

bool xsd_conn_wants_input(const struct xsd_conn *c)
{
	return !c->dead && c->out_bytes <= c->lim.out_limit / 2;
}

/* Bytes still missing for the message being assembled. */
static size_t in_missing(const struct xsd_conn *c)
{
	const struct xsd_sockmsg *hdr = (const void *)c->in;

	if (c->in_have < sizeof(*hdr))
		return sizeof(*hdr) - c->in_have;
	return sizeof(*hdr) + hdr->len - c->in_have;
}

void xsd_conn_receive(struct xsd_conn *c, unsigned int budget, xsd_conn_msg_fn fn, void *arg)
{
	struct xsd_sockmsg hdr;
	size_t want;
	ssize_t n;

	while (budget > 0 && xsd_conn_wants_input(c)) {
		want = in_missing(c);
		if (want > 0) {
			n = recv(c->fd, c->in + c->in_have, want, MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n <= 0) {
				xsd_conn_kill(c, n == 0 ? "client closed" : "read error");
				return;
			}
			c->in_have += (uint32_t)n;
		}
		if (c->in_have < sizeof(hdr))
			continue;
		memcpy(&hdr, c->in, sizeof(hdr));
		if (hdr.len > XENSTORE_PAYLOAD_MAX) {
			xsd_log(XSD_LOG_WARN, "conn %u (domid %u): message len %u over %u",
				c->id, c->domid, hdr.len, XENSTORE_PAYLOAD_MAX);
			xsd_conn_kill(c, "protocol violation (payload too long)");
			return;
		}
		if (in_missing(c) > 0)
			continue;
		c->in[sizeof(hdr) + hdr.len] = '\0';
		c->in_have = 0;
		budget--;
		fn(arg, c, &hdr, c->in + sizeof(hdr));
	}
}
