/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frontend's side of the control ring (netif.h "Control ring"), as a Windows PV
 * frontend uses it for RSS (xenvif's receiver-side scaling code): a ring page and an event
 * channel written as ctrl-ring-ref / event-channel-ctrl, then, once connected, the hash
 * algorithm (Toeplitz), the hash types (IPv4+TCP, IPv6+TCP), a key and a mapping table
 * passed in a granted page. Every received frame is then checked against our own Toeplitz
 * (written here from netif.h's definition, not shared with the backend): its hash extra,
 * and the queue the table gives for it. Mismatches are counted and the first few printed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xensim_dom.h"
#include "guest.h"

#define CTRL_WAIT_MS 2000
#define CTRL_PRINT_MAX 10
#define CTRL_PAGE 4096u

static uint32_t ctrl_pfn(const struct guest *g)
{
	return g->opt.queues * GUEST_QUEUE_PAGES;
}

int guest_ctrl_setup(struct guest *g)
{
	struct guest_ctrl *c = &g->ctrl;
	xen_netif_ctrl_sring_t *s;

	c->on = false;
	c->hashing = false;
	c->ring_ref = c->data_ref = c->port = -1;
	if (!g->opt.ctrl_ring || !g->be_ctrl)
		return 0;
	s = xensim_dom_page(g->dom, ctrl_pfn(g));
	memset(s, 0, CTRL_PAGE);
	SHARED_RING_INIT(s);
	FRONT_RING_INIT(&c->ring, s, CTRL_PAGE);
	c->ring_ref = xensim_gnttab_grant(g->dom, g->be_domid, ctrl_pfn(g), false);
	c->data_ref = xensim_gnttab_grant(g->dom, g->be_domid, ctrl_pfn(g) + 1, true);
	c->port = xensim_evtchn_alloc_unbound(g->dom, g->be_domid);
	if (c->ring_ref < 0 || c->data_ref < 0 || c->port < 0) {
		GLOG(g, "control ring setup: %s", strerror(-(c->ring_ref < 0 ? c->ring_ref :
			 c->data_ref < 0 ? c->data_ref : c->port)));
		guest_ctrl_teardown(g);
		return -EIO;
	}
	c->on = true;
	return 0;
}

/* End a grant, waiting (as gnttab_end_foreign_access) while the backend still maps it. */
static void end_grant(struct guest *g, int *ref)
{
	for (int tries = 0; *ref >= 0 && tries < 500; tries++) {
		if (xensim_gnttab_end(g->dom, (uint32_t)*ref) == 0)
			*ref = -1;
		else
			usleep(10000);
	}
	if (*ref >= 0)
		g->grants_leaked++;
	*ref = -1;
}

void guest_ctrl_teardown(struct guest *g)
{
	struct guest_ctrl *c = &g->ctrl;

	if (c->port >= 0)
		xensim_evtchn_close(g->dom, (uint32_t)c->port);
	c->port = -1;
	end_grant(g, &c->ring_ref);
	end_grant(g, &c->data_ref);
	c->on = c->hashing = false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One request, answered within CTRL_WAIT_MS. @return its status, or -1 (logged). */
static int ctrl_request(struct guest *g, uint16_t type, uint32_t d0, uint32_t d1)
{
	struct guest_ctrl *c = &g->ctrl;
	struct xen_netif_ctrl_response rsp;
	uint64_t end = now_ms() + CTRL_WAIT_MS;
	RING_IDX i = c->ring.req_prod_pvt++;
	int notify;

	*RING_GET_REQUEST(&c->ring, i) = (struct xen_netif_ctrl_request){
		.id = (uint16_t)i, .type = type, .data = {d0, d1, 0}};
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&c->ring, notify);
	if (notify)
		xensim_evtchn_notify(g->dom, (uint32_t)c->port);
	while (c->ring.sring->rsp_prod == c->ring.rsp_cons) {
		if (now_ms() > end) {
			GLOG(g, "control request type %u: no answer in %d ms", type, CTRL_WAIT_MS);
			return -1;
		}
		usleep(1000);
	}
	xen_rmb();
	rsp = *RING_GET_RESPONSE(&c->ring, c->ring.rsp_cons);
	c->ring.rsp_cons++;
	if (rsp.id != (uint16_t)i || rsp.type != type) {
		GLOG(g, "control response id %u type %u, expected %u/%u", rsp.id, rsp.type,
		     (unsigned int)(uint16_t)i, type);
		return -1;
	}
	return (int)rsp.status;
}

void guest_ctrl_configure(struct guest *g)
{
	struct guest_ctrl *c = &g->ctrl;
	uint8_t *data;
	int st[5];

	if (!c->on || c->hashing)
		return;
	data = xensim_dom_page(g->dom, ctrl_pfn(g) + 1);
	for (unsigned int i = 0; i < sizeof(c->key); i++)
		c->key[i] = (uint8_t)(0x6d + 29 * i + g->opt.domid);
	/* not hash % queues: a backend that ignored the table would put frames elsewhere */
	for (unsigned int i = 0; i < GUEST_CTRL_MAP; i++)
		c->map[i] = (i + 1) % g->nr_queues;
	st[0] = ctrl_request(g, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
			     XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0);
	st[1] = ctrl_request(g, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
			     XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP,
			     0);
	memcpy(data, c->key, sizeof(c->key));
	st[2] = ctrl_request(g, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, (uint32_t)c->data_ref,
			     sizeof(c->key));
	st[3] = ctrl_request(g, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, GUEST_CTRL_MAP, 0);
	memcpy(data, c->map, sizeof(c->map));
	/* SET_HASH_MAPPING: data[0] gref, [1] entries, [2] offset (0) */
	st[4] = ctrl_request(g, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, (uint32_t)c->data_ref,
			     GUEST_CTRL_MAP);
	for (unsigned int i = 0; i < 5; i++)
		if (st[i] != XEN_NETIF_CTRL_STATUS_SUCCESS) {
			GLOG(g, "control ring: request %u answered %d: hashing not checked", i,
			     st[i]);
			return;
		}
	c->hashing = true;
	GLOG(g, "control ring: Toeplitz over IPv4+TCP and IPv6+TCP, %u-entry mapping",
	     GUEST_CTRL_MAP);
}

/* netif.h's xen_netif_toeplitz_hash, bit by bit: for @len bytes of input (at most 36). */
static uint32_t toeplitz(const uint8_t key[40], const uint8_t *in, unsigned int len)
{
	uint32_t r = 0, win = (uint32_t)key[0] << 24 | key[1] << 16 | key[2] << 8 | key[3];

	for (unsigned int i = 0; i < len; i++)
		for (unsigned int b = 0; b < 8; b++) {
			if (in[i] & (0x80 >> b))
				r ^= win;
			win = win << 1 | ((key[i + 4] >> (7 - b)) & 1);
		}
	return r;
}

/* The frame's first bytes, from its iovecs (iov[0] is the virtio header). */
static unsigned int frame_head(const struct gr_rx_pkt *p, uint8_t *buf, unsigned int want)
{
	unsigned int got = 0;

	for (unsigned int i = 1; i < p->nr_iov && got < want; i++) {
		unsigned int n = (unsigned int)p->iov[i].iov_len;

		n = n > want - got ? want - got : n;
		memcpy(buf + got, p->iov[i].iov_base, n);
		got += n;
	}
	return got;
}

/* The hash input of a TCP frame that is not a fragment (addresses, ports), else 0 bytes. */
static unsigned int hash_input(const uint8_t *f, unsigned int n, uint8_t *in, uint8_t *type)
{
	unsigned int l3 = 14, alen, l4;

	if (n < 14)
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00 && n >= l3 + 20 && f[l3 + 9] == 6 &&
	    (f[l3 + 6] & 0x3f) == 0 && f[l3 + 7] == 0) {
		alen = 8;
		l4 = l3 + (f[l3] & 0xf) * 4u;
		memcpy(in, f + l3 + 12, alen);
		*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
	} else if (f[12] == 0x86 && f[13] == 0xdd && n >= l3 + 40 && f[l3 + 6] == 6) {
		alen = 32;
		l4 = l3 + 40;
		memcpy(in, f + l3 + 8, alen);
		*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
	} else {
		return 0;
	}
	if (n < l4 + 4)
		return 0;
	memcpy(in + alen, f + l4, 4);
	return alen + 4;
}

void guest_ctrl_check(struct guest *g, unsigned int qidx, const struct gr_rx_pkt *pkt)
{
	struct guest_ctrl *c = &g->ctrl;
	uint8_t f[128], in[36], type = 0;
	unsigned int n, len;
	uint32_t want, q;

	if (!c->hashing)
		return;
	n = frame_head(pkt, f, sizeof(f));
	len = hash_input(f, n, in, &type);
	if (len == 0) {
		c->unhashed++;
		if (pkt->has_hash && c->hash_bad++ < CTRL_PRINT_MAX)
			GLOG(g, "ctrl: q%u: hash extra %#x on a frame no hash type applies to",
			     qidx, pkt->hash);
		return;
	}
	want = toeplitz(c->key, in, len);
	if (!pkt->has_hash || pkt->hash != want || pkt->hash_type != type) {
		if (c->hash_bad++ < CTRL_PRINT_MAX)
			GLOG(g, "ctrl: q%u: hash %s%#x type %u, expected %#x type %u", qidx,
			     pkt->has_hash ? "" : "(none) ", pkt->hash, pkt->hash_type, want, type);
		return;
	}
	c->hash_ok++;
	q = c->map[want % GUEST_CTRL_MAP];
	if (q == qidx) {
		c->queue_ok++;
	} else if (c->queue_bad++ < CTRL_PRINT_MAX) {
		GLOG(g, "ctrl: hash %#x arrived on q%u, the mapping says q%u", want, qidx, q);
	}
}
