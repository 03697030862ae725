/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_xenvif: the net_xenvif PMD against the simulated hypervisor and dnb-xenstored, no
 * root, no network. This process is the DPDK application (two ports, hotplugged), the
 * toolstack (the vifs' xenstore directories) and both guests' netfronts (test_xenvif_fe).
 *
 * Vif A (domid 5) is the one each case works on; vif B (domid 6) is its neighbour and must
 * forward a packet each way after every case. Every case starts and ends with both vifs
 * connected through the full frontend, so cases are independent of their order.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <xenctrl.h> /* first: __XEN_TOOLS__ for the xen/ headers nif.h takes */
#include <xen/io/xenbus.h>
#include <xenstore.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dnb_test_eal.h"
#include "nif.h"
#include "xb.h"
#include "pkt.h"
#include "rte_pmd_xenvif.h"
#include "test_xenvif_bed.h"
#include "xensim_dom.h"

#define DOMID_A 5
#define DOMID_B 6
/* The stall case's devarg: small, so the case is quick, and well above a burst's time. */
#define STALL_MS 50
#define RECONNECTS 20

static struct xvb bed;
#define VIF_A (&bed.vif[0])
#define VIF_B (&bed.vif[1])

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int group_setup(void **state)
{
	static const uint16_t domids[XVB_NR_VIFS] = {DOMID_A, DOMID_B};
	char extra[32];

	(void)state;
	if (xvb_start(&bed, domids) != 0 || dnb_test_eal_init(256) != 0)
		return -1;
	/* no per-lcore cache: the in-use count is exact at every step */
	bed.mp = rte_pktmbuf_pool_create("xenvif_test", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (bed.mp == NULL)
		return -1;
	snprintf(extra, sizeof(extra), "stall_ms=%u", STALL_MS);
	for (int i = 0; i < XVB_NR_VIFS; i++) {
		struct xvb_vif *v = &bed.vif[i];
		int rc;

		v->domid = domids[i];
		memcpy(v->mac, (const uint8_t[6]){0x00, 0x16, 0x3e, 0x00, 0x00, (uint8_t)v->domid},
		       6);
		rc = xvb_toolstack_add_vif(&bed, v->domid, v->mac);
		if (rc == 0)
			rc = tfe_create(&v->fe, bed.sim_dir, bed.dom_sock[i], v->domid);
		if (rc == 0)
			rc = xvb_port_add(&bed, v, extra);
		if (rc == 0)
			rc = tfe_connect(&v->fe, &tfe_full);
		if (rc == 0 && !xvb_wait_link(v->port, true, XVB_WAIT_MS))
			rc = -ETIMEDOUT;
		if (rc != 0) {
			fprintf(stderr, "setting up vif%u.0: %s (xenstored log %s)\n", v->domid,
				strerror(-rc), bed.log);
			return -1;
		}
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < XVB_NR_VIFS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "net_xenvif%u", bed.vif[i].domid);
		rte_eth_dev_stop(bed.vif[i].port);
		rte_eal_hotplug_remove("vdev", name);
		tfe_teardown(&bed.vif[i].fe);
		tfe_destroy(&bed.vif[i].fe);
	}
	rte_mempool_free(bed.mp);
	xvb_stop(&bed);
	return 0;
}

static void assert_backend_key(uint16_t domid, const char *key, const char *want)
{
	char *v = xvb_backend_read(&bed, domid, key);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("vif%u.0: %s = '%s', expected none", domid, key, v);
		return;
	}
	if (v == NULL)
		fail_msg("vif%u.0: no %s, expected '%s'", domid, key, want);
	assert_string_equal(v, want);
	free(v);
}

/* Connected, link up, no error node. */
static void assert_up(struct xvb_vif *v)
{
	char *e = xvb_error_read(&bed, v->domid);

	assert_true(xvb_wait_link(v->port, true, 0));
	assert_backend_key(v->domid, "state", "4");
	if (e != NULL)
		fail_msg("vif%u.0: error node '%s', expected none", v->domid, e);
}

/* Refused or disabled: link down, Closing, error node "<errno> <...what...>". */
static void assert_refused(struct xvb_vif *v, int err, const char *what)
{
	char prefix[16], *e;

	assert_true(xvb_wait_link(v->port, false, XVB_WAIT_MS));
	assert_int_equal(tfe_wait_backend(&v->fe, XenbusStateClosing, XVB_WAIT_MS), 0);
	/* Where Linux's xenbus_dev_fatal writes it, never in the guest-readable backend dir. */
	assert_backend_key(v->domid, "error", NULL);
	e = xvb_error_read(&bed, v->domid);
	assert_non_null(e);
	snprintf(prefix, sizeof(prefix), "%d ", err);
	if (strncmp(e, prefix, strlen(prefix)) != 0 || strstr(e, what) == NULL)
		fail_msg("vif%u.0: error node '%s', expected '%s...%s'", v->domid, e, prefix, what);
	free(e);
}

/* What every case ends with: the neighbour works, and A works again after a restart. */
static void restart_and_check(struct xvb_vif *v)
{
	xvb_check_both_ways(&bed, VIF_B, 300, 0x60);
	assert_int_equal(tfe_connect(&v->fe, &tfe_full), 0);
	assert_true(xvb_wait_link(v->port, true, XVB_WAIT_MS));
	assert_up(v);
	xvb_check_both_ways(&bed, v, 200, 0x70);
	xvb_check_both_ways(&bed, VIF_B, 300, 0x80);
}

static void test_connect(void **state)
{
	struct rte_ether_addr mac;

	(void)state;
	for (int i = 0; i < XVB_NR_VIFS; i++) {
		assert_up(&bed.vif[i]);
		assert_backend_key(bed.vif[i].domid, "hotplug-status", "connected");
		assert_backend_key(bed.vif[i].domid, "feature-rx-copy", "1");
		assert_backend_key(bed.vif[i].domid, "feature-ctrl-ring", "1");
		assert_int_equal(rte_eth_macaddr_get(bed.vif[i].port, &mac), 0);
		assert_memory_equal(mac.addr_bytes, bed.vif[i].mac, 6);
	}
	xvb_check_both_ways(&bed, VIF_A, 60, 0x01);
	xvb_check_both_ways(&bed, VIF_A, 1514, 0x02);
	xvb_check_both_ways(&bed, VIF_B, 60, 0x03);
}

/* Serve A's rings once: rx_burst (guest TX ring), or tx_burst (guest RX ring). */
static void serve_once(bool guest_rx)
{
	struct rte_mbuf *pkts[8], *m;

	if (!guest_rx) {
		assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 8), 0);
		return;
	}
	m = xvb_mbuf(bed.mp, 100, VIF_A->mac, 0x12);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 0);
	rte_pktmbuf_free(m);
}

/*
 * A hostile request set: @inject writes it into one of A's rings, which the next burst
 * serving that ring must find. The vif must be disabled with exactly @counter moved, and
 * nothing else.
 */
static void hostile(void (*inject)(struct tfe *fe), bool guest_rx, const char *counter,
		    const char *what)
{
	struct rte_mbuf *pkts[8], *m;
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	struct xvb_snap s;

	xvb_snap(VIF_A->port, &s);
	inject(&VIF_A->fe);
	serve_once(guest_rx);
	assert_refused(VIF_A, EPROTO, what);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){{counter, 1}, {NULL, 0}});
	/* disabled: neither direction touches the (unmapped) rings; the mbuf stays ours */
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 8), 0);
	m = xvb_mbuf(bed.mp, 100, VIF_A->mac, 0x11);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 0);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	restart_and_check(VIF_A);
	/* a reconnect keeps the port's counters */
	assert_int_equal(xvb_xstat(VIF_A->port, counter), xvb_snap_value(&s, counter) + 1);
}

static void inject_impossible_prod(struct tfe *fe)
{
	/* one more request than the ring holds */
	__atomic_store_n(&fe->tx.sring->req_prod, fe->tx.req_prod_pvt + RING_SIZE(&fe->tx) + 1,
			 __ATOMIC_RELEASE);
}

static void inject_rx_impossible_prod(struct tfe *fe)
{
	__atomic_store_n(&fe->rx.sring->req_prod, fe->rx.req_prod_pvt + RING_SIZE(&fe->rx) + 1,
			 __ATOMIC_RELEASE);
}

static void inject_too_many_slots(struct tfe *fe)
{
	const unsigned int slots = 22, size = 100; /* the first and 21 follow-ups */

	for (unsigned int k = 0; k < slots; k++) {
		unsigned int b = (fe->tx.req_prod_pvt) % TFE_NR_BUFS;
		netif_tx_request_t req = {
			.gref = (grant_ref_t)fe->tx_gref[b], .offset = 0, .id = (uint16_t)b,
			.flags = k + 1 < slots ? NETTXF_more_data : 0,
			.size = (uint16_t)(k == 0 ? slots * size : size),
		};

		tfe_tx_put(fe, &req);
	}
	tfe_tx_push(fe);
}

static void inject_cross_page(struct tfe *fe)
{
	unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
	netif_tx_request_t req = {
		.gref = (grant_ref_t)fe->tx_gref[b], .offset = 4000, .id = (uint16_t)b,
		.size = 200, /* 4000 + 200 > 4096 */
	};

	tfe_tx_put(fe, &req);
	tfe_tx_push(fe);
}

static void inject_bad_extra(struct tfe *fe)
{
	unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
	netif_tx_request_t req = {
		.gref = (grant_ref_t)fe->tx_gref[b], .offset = 0, .id = (uint16_t)b,
		.flags = NETTXF_extra_info, .size = 100,
	};
	netif_extra_info_t extra = {.type = XEN_NETIF_EXTRA_TYPE_MAX, .flags = 0};

	tfe_tx_put(fe, &req);
	memcpy(RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt), &extra, sizeof(extra));
	fe->tx.req_prod_pvt++;
	tfe_tx_push(fe);
}

static void test_hostile_impossible_prod(void **state)
{
	(void)state;
	hostile(inject_impossible_prod, false, "guest_tx_fatal_impossible_reqs",
		"impossible number of requests");
}

/* The same on the guest's RX ring, found by tx_burst (netback checks only TX; we do both). */
static void test_hostile_rx_impossible_prod(void **state)
{
	(void)state;
	hostile(inject_rx_impossible_prod, true, "guest_rx_fatal_impossible_reqs",
		"impossible number of requests");
}

static void test_hostile_too_many_slots(void **state)
{
	(void)state;
	hostile(inject_too_many_slots, false, "guest_tx_fatal_too_many_slots", "too many slots");
}

static void test_hostile_cross_page(void **state)
{
	(void)state;
	hostile(inject_cross_page, false, "guest_tx_fatal_cross_page", "crosses a page");
}

static void test_hostile_bad_extra(void **state)
{
	(void)state;
	hostile(inject_bad_extra, false, "guest_tx_fatal_bad_extra_type", "invalid extra info type");
}

/* A request rewritten after the backend consumed it (and the page under it) changes
 * nothing: the packet was copied once, the slot is never read again. */
static void test_request_changed_after_copy(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct tfe *fe = &VIF_A->fe;
	uint8_t frame[256], copy[256];
	struct rte_mbuf *m = NULL, *none[4];
	netif_tx_request_t *slot;
	netif_tx_response_t rsp;
	struct xvb_snap s;
	uint16_t id;

	(void)state;
	xvb_snap(VIF_A->port, &s);
	xvb_frame(frame, sizeof(frame), bcast, 0x21);
	id = tfe_tx_send(fe, frame, sizeof(frame), 0);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, &m, 1), 1);
	/* the response took the request's slot (a ring entry is a union of both) */
	assert_true(tfe_tx_rsp(fe, &rsp));
	assert_int_equal(rsp.id, id);
	assert_int_equal(rsp.status, NETIF_RSP_OKAY);
	/* now the guest turns the consumed slot into every fatal case at once */
	slot = RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt - 1);
	slot->offset = 4000;
	slot->size = 60000;
	slot->flags = NETTXF_more_data | NETTXF_extra_info;
	slot->gref = 0;
	memset(tfe_tx_buf(fe, id), 0xee, 4096);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, none, 4), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(frame));
	assert_memory_equal(rte_pktmbuf_read(m, 0, sizeof(frame), copy), frame, sizeof(frame));
	rte_pktmbuf_free(m);
	assert_false(tfe_tx_rsp(fe, &rsp));
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_tx_packets", 1}, {"guest_tx_bytes", sizeof(frame)}, {"guest_tx_slots", 1},
		{"guest_tx_gcopy_segs", 1}, {"guest_tx_gcopy_batches", 1}, {NULL, 0}});
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x22);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x23);
}

/* A runt (first slot shorter than an Ethernet header): an error response, not fatal. */
static void test_runt(void **state)
{
	struct tfe *fe = &VIF_A->fe;
	uint8_t frame[10] = {0};
	struct rte_mbuf *pkts[4];
	netif_tx_response_t rsp;
	struct xvb_snap s;
	uint16_t id;

	(void)state;
	xvb_snap(VIF_A->port, &s);
	id = tfe_tx_send(fe, frame, sizeof(frame), 0);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 4), 0);
	assert_true(tfe_tx_rsp(fe, &rsp));
	assert_int_equal(rsp.id, id);
	assert_int_equal(rsp.status, NETIF_RSP_ERROR);
	assert_false(tfe_tx_rsp(fe, &rsp));
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_tx_drop_runt", 1}, {"guest_tx_error_rsp", 1}, {"guest_tx_slots", 1},
		{NULL, 0}});
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x31);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x32);
}

/*
 * #16: the wake-up of a caller that sleeps (rte_eth_dev_rx_intr_*). Enabling takes what the
 * guest signalled off the queue's fd and arms the ring, so the fd is quiet; the guest's
 * next request notifies and makes it readable; the burst takes the packet.
 */
static void test_rx_intr(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct tfe *fe = &VIF_A->fe;
	struct pollfd pfd = {.events = POLLIN};
	uint8_t frame[80];
	struct rte_mbuf *pkts[4];
	netif_tx_response_t rsp;
	struct xvb_snap s;

	(void)state;
	xvb_frame(frame, sizeof(frame), bcast, 0x51);
	assert_int_equal(rte_eth_dev_rx_intr_enable(VIF_A->port, 0), 0);
	pfd.fd = rte_eth_dev_rx_intr_ctl_q_get_fd(VIF_A->port, 0);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	xvb_snap(VIF_A->port, &s);
	tfe_tx_send(fe, frame, sizeof(frame), 0);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 4), 1);
	rte_pktmbuf_free(pkts[0]);
	assert_true(tfe_tx_rsp(fe, &rsp));
	/* Armed again: the notification is taken off, the fd is quiet until the next one. */
	assert_int_equal(rte_eth_dev_rx_intr_enable(VIF_A->port, 0), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"intr_arms", 1}, {"intr_events", 1}, {"guest_tx_packets", 1},
		{"guest_tx_bytes", sizeof(frame)}, {"guest_tx_slots", 1},
		{"guest_tx_gcopy_segs", 1}, {"guest_tx_gcopy_batches", 1}, {NULL, 0}});
	assert_int_equal(rte_eth_dev_rx_intr_disable(VIF_A->port, 0), 0);
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x52);
}

/* The guest ends a TX buffer's grant before the backend copies it. */
static void test_guest_revokes_tx_grant(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct tfe *fe = &VIF_A->fe;
	unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	uint8_t frame[300];
	struct rte_mbuf *pkts[4];
	netif_tx_response_t rsp;
	struct xvb_snap s;
	uint16_t id;

	(void)state;
	xvb_snap(VIF_A->port, &s);
	xvb_frame(frame, sizeof(frame), bcast, 0x41);
	id = tfe_tx_send(fe, frame, sizeof(frame), 0);
	assert_int_equal(id, b);
	assert_int_equal(tfe_tx_revoke(fe, b), 0);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 4), 0);
	assert_true(tfe_tx_rsp(fe, &rsp));
	assert_int_equal(rsp.id, id);
	assert_int_equal(rsp.status, NETIF_RSP_ERROR);
	assert_false(tfe_tx_rsp(fe, &rsp));
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_tx_gcopy_err", 1}, {"guest_tx_error_rsp", 1}, {"guest_tx_slots", 1},
		{"guest_tx_gcopy_segs", 1}, {"guest_tx_gcopy_batches", 1}, {NULL, 0}});
	assert_up(VIF_A);
	assert_int_equal(tfe_tx_regrant(fe, b), 0);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x42);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x43);
}

/*
 * A guest that keeps its TX ring full of requests that are consumed but deliver nothing:
 * runts (an error response) and csum_blank frames that are not TCP/UDP over IP (copied,
 * answered OKAY, dropped), each reposted as soon as its response comes, for @c ms at most.
 */
struct junk_guest {
	struct tfe *fe;
	unsigned int ms;
	atomic_bool stop;
	atomic_uint posted;
};

static void junk_put(struct tfe *fe, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++) {
		unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
		bool runt = (fe->tx.req_prod_pvt & 1) != 0;
		netif_tx_request_t req = {
			.gref = (grant_ref_t)fe->tx_gref[b], .offset = 0, .id = (uint16_t)b,
			.flags = runt ? 0 : NETTXF_csum_blank | NETTXF_data_validated,
			.size = runt ? 10 : 60,
		};

		memset(tfe_tx_buf(fe, b), 0x5a, 60); /* ethertype 0x5a5a: not IP */
		tfe_tx_put(fe, &req);
	}
	tfe_tx_push(fe);
}

static void *junk_main(void *arg)
{
	struct junk_guest *g = arg;
	uint64_t end = now_ms() + g->ms;
	netif_tx_response_t rsp;

	junk_put(g->fe, TFE_NR_BUFS);
	atomic_store(&g->posted, TFE_NR_BUFS);
	while (!atomic_load(&g->stop) && now_ms() < end) {
		unsigned int got = 0;

		while (tfe_tx_rsp(g->fe, &rsp))
			got++;
		if (got > 0)
			junk_put(g->fe, got);
		atomic_fetch_add(&g->posted, got);
	}
	return NULL;
}

/*
 * One rx_burst call consumes at most its budget of packets, however fast the guest reposts
 * junk (#12: a call once ran 951 ms over 2.49 million slots). Every kind here costs one
 * slot, so the slots consumed equal the packets consumed.
 */
static void test_rx_burst_budget(void **state)
{
	struct junk_guest g = {.fe = &VIF_A->fe, .ms = 2000};
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	struct rte_mbuf *pkts[8];
	uint64_t slots, start;
	pthread_t t;

	(void)state;
	slots = xvb_xstat(VIF_A->port, "guest_tx_slots");
	assert_int_equal(pthread_create(&t, NULL, junk_main, &g), 0);
	while (atomic_load(&g.posted) == 0)
		sched_yield();
	start = now_ms();
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 8), 0);
	assert_true(now_ms() - start < 1000);
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_tx_slots") - slots, 8);
	/* many more calls: each its budget, the neighbour served in between */
	for (int i = 0; i < 50; i++) {
		slots = xvb_xstat(VIF_A->port, "guest_tx_slots");
		assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, pkts, 8), 0);
		assert_true(xvb_xstat(VIF_A->port, "guest_tx_slots") - slots <= 8);
		if (i % 10 == 0)
			xvb_check_both_ways(&bed, VIF_B, 200, (uint8_t)(0x90 + i));
	}
	atomic_store(&g.stop, true);
	pthread_join(t, NULL);
	/* answer what is left, so the ring is empty for the next case */
	while (rte_eth_rx_burst(VIF_A->port, 0, pkts, 8) == 0 &&
	       VIF_A->fe.tx.sring->rsp_prod != VIF_A->fe.tx.req_prod_pvt)
		;
	assert_int_equal(VIF_A->fe.tx.sring->rsp_prod, VIF_A->fe.tx.req_prod_pvt);
	while (tfe_tx_rsp(&VIF_A->fe, &(netif_tx_response_t){0}))
		;
	assert_true(xvb_xstat(VIF_A->port, "guest_tx_drop_csum") > 0);
	assert_true(xvb_xstat(VIF_A->port, "guest_tx_drop_runt") > 0);
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x9e);
}

/* tx_burst until it takes the packet; returns the calls made and the time taken. */
static unsigned int send_until_taken(struct rte_mbuf *m, uint64_t *ms)
{
	uint64_t start = now_ms();
	unsigned int calls = 0;

	do {
		calls++;
		if (now_ms() - start > XVB_WAIT_MS)
			fail_msg("tx_burst still refuses after %d ms", XVB_WAIT_MS);
	} while (rte_eth_tx_burst(VIF_A->port, 0, &m, 1) == 0);
	*ms = now_ms() - start;
	return calls;
}

/*
 * The guest posts no RX buffers: packets wait in the backlog until it is full, the next
 * waits stall_ms, then the backlog and what comes are dropped, counted.
 */
static void test_rx_stall(void **state)
{
	struct tfe *fe = &VIF_A->fe;
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	struct rte_mbuf *m, *more[3];
	netif_rx_response_t rsp;
	const uint8_t *data;
	struct xvb_snap s;
	uint64_t ms, start;

	(void)state;
	assert_int_equal(fe->rx.req_prod_pvt, fe->rx.rsp_cons); /* nothing posted */
	xvb_snap(VIF_A->port, &s);
	start = now_ms();
	for (int i = 0; i < RTE_PMD_XENVIF_BACKLOG_PKTS; i++) {
		m = xvb_mbuf(bed.mp, 100, VIF_A->mac, 0x51);
		assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	}
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use + RTE_PMD_XENVIF_BACKLOG_PKTS);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_rx_backlog_pkts", RTE_PMD_XENVIF_BACKLOG_PKTS},
		{"guest_rx_no_slots", RTE_PMD_XENVIF_BACKLOG_PKTS}, {NULL, 0}});
	/* full: refused until the stall, then it and the backlog are dropped */
	m = xvb_mbuf(bed.mp, 100, VIF_A->mac, 0x51);
	assert_true(send_until_taken(m, &ms) > 1);
	assert_true(now_ms() - start >= STALL_MS);
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_backlog_drops"),
			 RTE_PMD_XENVIF_BACKLOG_PKTS);
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_stall_drops"), 1);
	assert_true(xvb_xstat(VIF_A->port, "guest_rx_backlog_full") > 0);
	/* still stalled: dropped at once */
	xvb_snap(VIF_A->port, &s);
	for (int i = 0; i < 3; i++)
		more[i] = xvb_mbuf(bed.mp, 100, VIF_A->mac, 0x52);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, more, 3), 3);
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	assert_false(tfe_rx_rsp(fe, &rsp, &data));
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_rx_stall_drops", 3}, {"guest_rx_no_slots", 1}, {NULL, 0}});
	assert_up(VIF_A);
	/* the guest posts again: delivered, and a new stall waits its time again */
	xvb_check_both_ways(&bed, VIF_A, 200, 0x53);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x55);
}

/* The guest's next RX response, waited for (bounded): its data must be @p len bytes. */
static netif_rx_response_t rx_rsp_wait(struct tfe *fe, const uint8_t *expect, uint16_t len)
{
	uint64_t start = now_ms();
	netif_rx_response_t rsp;
	const uint8_t *data;

	while (!tfe_rx_rsp(fe, &rsp, &data)) {
		if (now_ms() - start > XVB_WAIT_MS)
			fail_msg("no RX response after %d ms", XVB_WAIT_MS);
		sched_yield();
	}
	assert_int_equal(rsp.status, len);
	assert_memory_equal(data, expect, len);
	return rsp;
}

/*
 * #15: A asks for @p want bytes of headroom (xdp-headroom, Reconfiguring), the backend
 * answers Reconfigured, A is Connected again; the port lays packets out from @p want on once
 * its next tx_burst saw the change (every packet meanwhile whole, at the old offset).
 */
static void headroom_switch(uint16_t want, uint16_t old)
{
	struct tfe *fe = &VIF_A->fe;
	uint8_t expect[100];
	char path[96], v[8];
	int n = snprintf(v, sizeof(v), "%u", want);

	snprintf(path, sizeof(path), "%s/xdp-headroom", fe->fe_path);
	assert_true(xs_write(fe->xs, XBT_NULL, path, v, (unsigned int)n));
	assert_int_equal(tfe_set_state(fe, XenbusStateReconfiguring), 0);
	assert_int_equal(tfe_wait_backend(fe, XenbusStateReconfigured, XVB_WAIT_MS), 0);
	assert_int_equal(tfe_set_state(fe, XenbusStateConnected), 0);
	assert_int_equal(tfe_wait_backend(fe, XenbusStateConnected, XVB_WAIT_MS), 0);
	for (int i = 0;; i++) {
		struct rte_mbuf *m = xvb_mbuf(bed.mp, sizeof(expect), VIF_A->mac, (uint8_t)i);
		netif_rx_response_t rsp;
		uint64_t ms;

		assert_true(i < 1000); /* the control thread publishes it at once */
		xvb_frame(expect, sizeof(expect), VIF_A->mac, (uint8_t)i);
		tfe_rx_post(fe, 1);
		send_until_taken(m, &ms);
		rsp = rx_rsp_wait(fe, expect, sizeof(expect));
		if (rsp.offset == want)
			break;
		assert_int_equal(rsp.offset, old);
	}
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_headroom"), want);
}

static void test_xdp_headroom(void **state)
{
	(void)state;
	assert_backend_key(VIF_A->domid, "feature-xdp-headroom", "1");
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_headroom_changes"), 0);
	headroom_switch(256, 0);
	xvb_check_both_ways(&bed, VIF_A, 1514, 0x91); /* 1514 bytes still one slot */
	/* the value in use survives a reset of the counters */
	assert_int_equal(rte_eth_xstats_reset(VIF_A->port), 0);
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_headroom"), 256);
	headroom_switch(0, 256);
	/* one change since the reset */
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_headroom_changes"), 1);
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x92);
}

/*
 * Frames the guest has no buffers for wait in the backlog and reach it in order once it
 * posts some, sent by a tx_burst of no packets; a disconnect frees what is left.
 */
static void test_rx_backlog(void **state)
{
	struct tfe *fe = &VIF_A->fe;
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	uint8_t frame[256];
	netif_rx_response_t rsp;
	const uint8_t *data;
	struct rte_mbuf *m;
	struct xvb_snap s;

	(void)state;
	assert_int_equal(fe->rx.req_prod_pvt, fe->rx.rsp_cons);
	xvb_snap(VIF_A->port, &s);
	for (uint8_t i = 0; i < 5; i++) {
		m = xvb_mbuf(bed.mp, 120 + i, VIF_A->mac, (uint8_t)(0x61 + i));
		assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	}
	assert_false(tfe_rx_rsp(fe, &rsp, &data));
	tfe_rx_post(fe, 3);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 0), 0); /* a flush */
	for (uint8_t i = 0; i < 3; i++) {
		assert_true(tfe_rx_rsp(fe, &rsp, &data));
		xvb_frame(frame, 120 + i, VIF_A->mac, (uint8_t)(0x61 + i));
		assert_int_equal(rsp.status, 120 + i);
		assert_memory_equal(data, frame, 120 + i);
	}
	assert_false(tfe_rx_rsp(fe, &rsp, &data));
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use + 2);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_rx_backlog_pkts", 5}, {"guest_rx_packets", 3}, {"guest_rx_bytes", 363},
		{"guest_rx_slots", 3}, {"guest_rx_gcopy_segs", 3}, {"guest_rx_gcopy_batches", 1},
		{"guest_rx_no_slots", 6}, {NULL, 0}});
	/* the two left go with the connection */
	xvb_snap(VIF_A->port, &s);
	assert_int_equal(tfe_connect(fe, &tfe_full), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	xvb_check_both_ways(&bed, VIF_A, 200, 0x68);
}

/*
 * A service restart (#13): A's port is closed keeping the vif, the guest goes on posting
 * while no backend runs, a new port for the same vif resumes it: the backend state never
 * leaves Connected, the packet posted meanwhile is delivered, the buffer posted meanwhile
 * is filled, and the resume is counted.
 */
/* The service stops with --on-exit keep: A's port closes, its vif stays Connected. */
static void port_a_close_keep(void)
{
	char name[32];

	snprintf(name, sizeof(name), "net_xenvif%u", VIF_A->domid);
	assert_int_equal(rte_pmd_xenvif_keep_on_close(VIF_A->port, true), 0);
	assert_int_equal(rte_eth_dev_stop(VIF_A->port), 0);
	assert_int_equal(rte_eal_hotplug_remove("vdev", name), 0);
	assert_backend_key(VIF_A->domid, "state", "4");
}

/* The next process probes A's vif again: its link comes up (a resume, if still Connected). */
static void port_a_probe(void)
{
	char extra[32];

	snprintf(extra, sizeof(extra), "stall_ms=%u", STALL_MS);
	assert_int_equal(xvb_port_add(&bed, VIF_A, extra), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
}

static void test_resume_after_keep(void **state)
{
	char *st;
	struct tfe *fe = &VIF_A->fe;
	struct rte_mbuf *pkts[4], *m;
	netif_tx_response_t trsp;
	netif_rx_response_t rrsp;
	const uint8_t *data;
	uint8_t frame[300];
	uint16_t id;
	int n;

	(void)state;
	port_a_close_keep();
	xvb_frame(frame, sizeof(frame), VIF_B->mac, 0xa1);
	id = tfe_tx_send(fe, frame, sizeof(frame), 0);
	tfe_rx_post(fe, 1);

	port_a_probe();
	assert_backend_key(VIF_A->domid, "state", "4");
	n = rte_eth_rx_burst(VIF_A->port, 0, pkts, 4);
	assert_int_equal(n, 1);
	assert_int_equal(pkts[0]->pkt_len, sizeof(frame));
	assert_memory_equal(rte_pktmbuf_mtod(pkts[0], void *), frame, sizeof(frame));
	rte_pktmbuf_free(pkts[0]);
	assert_true(tfe_tx_rsp(fe, &trsp));
	assert_int_equal(trsp.id, id);
	assert_int_equal(trsp.status, NETIF_RSP_OKAY);
	m = xvb_mbuf(bed.mp, 120, VIF_A->mac, 0xa2);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	assert_true(tfe_rx_rsp(fe, &rrsp, &data));
	assert_int_equal(rrsp.status, 120);
	assert_int_equal(xvb_xstat(VIF_A->port, "resumes"), 1);
	assert_int_equal(xvb_xstat(VIF_A->port, "resume_guest_tx_pending"), 1);
	assert_true(xvb_xstat(VIF_A->port, "resume_guest_rx_posted") >= 1);
	st = xvb_backend_read(&bed, VIF_A->domid, "state");
	assert_non_null(st);
	assert_string_equal(st, "4");
	free(st);
	assert_up(VIF_A);
	xvb_check_both_ways(&bed, VIF_A, 200, 0xa3);
	xvb_check_both_ways(&bed, VIF_B, 200, 0xa4);
}

/* Restart the frontend RECONNECTS times with traffic (some left in flight) in between. */
static void test_reconnect_loop(void **state)
{
	struct tfe *fe = &VIF_A->fe;
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	uint64_t pkts = xvb_xstat(VIF_A->port, "guest_tx_packets");
	int fds = xvb_count_fds();
	uint8_t frame[100] = {0};

	(void)state;
	assert_true(fds > 0);
	for (int i = 0; i < RECONNECTS; i++) {
		/* in flight at the disconnect: a TX request and RX buffers nobody used */
		tfe_tx_send(fe, frame, sizeof(frame), 0);
		tfe_rx_post(fe, 2);
		assert_int_equal(tfe_connect(fe, &tfe_full), 0);
		assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
		xvb_check_both_ways(&bed, VIF_A, (uint16_t)(60 + i * 50), (uint8_t)i);
		assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);
	}
	/* counters survive reconnects: one delivered guest packet per round */
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_tx_packets"), pkts + RECONNECTS);
	assert_int_equal(xvb_count_fds(), fds);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x61);
}

/* A frame of @p len sent to A's guest is dropped over its MTU, and nothing else moves. */
static void oversize_dropped(uint16_t len)
{
	struct rte_mbuf *m = xvb_mbuf(bed.mp, len, VIF_A->mac, 0x33);
	struct xvb_snap s;

	xvb_snap(VIF_A->port, &s);
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	xvb_expect(VIF_A->port, &s, (const struct xvb_delta[]){
		{"guest_rx_drop_oversize", 1}, {NULL, 0}});
}

/* A reconnects with @p fe (after the toolstack's key changed); its MTU is then @p mtu:
 * a frame of MTU + 18 (Ethernet + 802.1Q) reaches the guest, one byte more does not. */
static void reconnect_expect_mtu(const struct tfe_opts *fe, uint16_t mtu)
{
	struct rte_pmd_xenvif_offloads off;

	assert_int_equal(tfe_connect(&VIF_A->fe, fe), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
	assert_up(VIF_A);
	assert_int_equal(rte_pmd_xenvif_get_offloads(VIF_A->port, &off), 0);
	assert_int_equal(off.mtu, mtu);
	xvb_check_both_ways(&bed, VIF_A, (uint16_t)(mtu + 18), 0x34);
	oversize_dropped((uint16_t)(mtu + 19));
}

/*
 * #14 MTU: the toolstack's backend "mtu" key is the vif's MTU; without one (or a malformed
 * one) the port's own (rte_eth_dev_set_mtu, the bridge's MTU under vif-bridge); a
 * frontend without SG is held to 1500, as xenvif_carrier_on does. Frames over it are
 * dropped and counted, never sent into the guest's ring.
 */
static void test_mtu(void **state)
{
	uint16_t mtu = 0;

	(void)state;
	oversize_dropped(1519); /* the default: 1500 */
	assert_int_equal(xvb_backend_write(&bed, DOMID_A, "mtu", "1900"), 0);
	reconnect_expect_mtu(&tfe_full, 1900);
	reconnect_expect_mtu(&tfe_minimal, 1500); /* no feature-sg */
	assert_int_equal(xvb_backend_write(&bed, DOMID_A, "mtu", "65518"), 0);
	reconnect_expect_mtu(&tfe_full, 1500);    /* out of range: the port's */
	assert_int_equal(rte_eth_dev_set_mtu(VIF_A->port, 67), -EINVAL);
	assert_int_equal(rte_eth_dev_set_mtu(VIF_A->port, 1700), 0);
	assert_int_equal(rte_eth_dev_get_mtu(VIF_A->port, &mtu), 0);
	assert_int_equal(mtu, 1700);
	reconnect_expect_mtu(&tfe_full, 1700);    /* still malformed: the port's new one */
	assert_int_equal(xvb_backend_write(&bed, DOMID_A, "mtu", "2000"), 0);
	reconnect_expect_mtu(&tfe_full, 2000);    /* the key before the port's */
	assert_int_equal(xvb_backend_write(&bed, DOMID_A, "mtu", NULL), 0);
	assert_int_equal(rte_eth_dev_set_mtu(VIF_A->port, 1500), 0);
	reconnect_expect_mtu(&tfe_full, 1500);
	xvb_check_both_ways(&bed, VIF_B, 300, 0x35);
}

/* The least a frontend may write connects; a frontend without rx-copy is refused. */
static void test_minimal_and_refused_frontends(void **state)
{
	struct tfe_opts no_rx_copy = tfe_minimal;

	(void)state;
	assert_int_equal(tfe_connect(&VIF_A->fe, &tfe_minimal), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
	assert_up(VIF_A);
	assert_int_equal(VIF_A->fe.port_tx, VIF_A->fe.port_rx);
	xvb_check_both_ways(&bed, VIF_A, 1514, 0x71);
	xvb_check_both_ways(&bed, VIF_B, 200, 0x72);

	no_rx_copy.rx_copy = false;
	assert_int_equal(tfe_connect(&VIF_A->fe, &no_rx_copy), -ECONNREFUSED);
	assert_refused(VIF_A, EOPNOTSUPP, "rx-copy");
	restart_and_check(VIF_A);
}

/* ---- the control ring (feature-ctrl-ring) ------------------------------------------ */

/* A vif-wide xstat (no queue prefix) by its exact name. */
static uint64_t port_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	assert_int_equal(rte_eth_xstats_get_id_by_name(port, name, &id), 0);
	assert_int_equal(rte_eth_xstats_get_by_id(port, &id, &v, 1), 1);
	return v;
}

/* A TCP/IPv4 frame to A of flow @i (10.0.0.<i>:<1000+i> -> 10.0.1.1:80), 100 bytes. */
static struct rte_mbuf *tcp4_mbuf(unsigned int i)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(bed.mp);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 100);
	memset(eh, 0, 100);
	memcpy(eh->dst_addr.addr_bytes, VIF_A->mac, 6);
	memcpy(eh->src_addr.addr_bytes, VIF_B->mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(100 - sizeof(*eh));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, i & 0xff));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = rte_cpu_to_be_16((uint16_t)(1000 + i));
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->data_off = 5 << 4;
	return m;
}

/* netif.h's Toeplitz input of flow @i under IPV4_TCP: addresses then ports, as on the wire. */
static uint32_t tcp4_hash(const uint8_t *key, unsigned int i)
{
	uint8_t in[12] = {10, 0, 0, (uint8_t)i, 10, 0, 1, 1};
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1000 + i)), dport = rte_cpu_to_be_16(80);

	memcpy(in + 8, &sport, 2);
	memcpy(in + 10, &dport, 2);
	return nif_toeplitz(key, in, sizeof(in));
}

/* Send flow @i to A; the guest's response must carry a hash extra of @want (or none). */
static void expect_hash_extra(unsigned int i, bool has, uint32_t want)
{
	struct rte_mbuf *m = tcp4_mbuf(i);
	struct netif_extra_info ex;
	netif_rx_response_t rsp;
	const uint8_t *data;
	uint32_t got;

	tfe_rx_post(&VIF_A->fe, has ? 2 : 1); /* the extra takes a request of its own */
	assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	assert_true(tfe_rx_rsp(&VIF_A->fe, &rsp, &data));
	assert_int_equal(rsp.status, 100);
	assert_int_equal(!!(rsp.flags & NETRXF_extra_info), has);
	if (!has)
		return;
	assert_true(tfe_rx_extra(&VIF_A->fe, &ex));
	assert_int_equal(ex.type, XEN_NETIF_EXTRA_TYPE_HASH);
	assert_int_equal(ex.u.hash.algorithm, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
	assert_int_equal(ex.u.hash.type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
	memcpy(&got, ex.u.hash.value, sizeof(got));
	assert_int_equal(got, want);
}

/* rte_pmd_xenvif_tx_queues over 4 queues for flows 0..n-1 equals @want(i). */
static void expect_queues(unsigned int n, const uint8_t *key, int how)
{
	struct rte_mbuf *pkts[16];
	uint16_t qids[16];

	assert_true(n <= 16);
	for (unsigned int i = 0; i < n; i++)
		pkts[i] = tcp4_mbuf(i);
	assert_int_equal(rte_pmd_xenvif_tx_queues(VIF_A->port, pkts, (uint16_t)n, 4, qids), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint16_t want = how == 0 ? (uint16_t)(pkt_flow_hash(pkts[i]) % 4) :
				how == 1 ? (uint16_t)(tcp4_hash(key, i) % 4) : 0;

		if (qids[i] != want)
			fail_msg("flow %u: queue %u, expected %u (mode %d)", i, qids[i], want, how);
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

static void inject_ctrl_impossible_prod(struct tfe *fe)
{
	__atomic_store_n(&fe->ctrl.sring->req_prod,
			 fe->ctrl.req_prod_pvt + RING_SIZE(&fe->ctrl) + 1, __ATOMIC_RELEASE);
	xensim_evtchn_notify(fe->dom, (uint32_t)fe->port_ctrl);
}

/*
 * A Windows-like frontend with a control ring: Toeplitz, IPv4/IPv6 TCP, a key, a mapping.
 * Frames to the guest carry the hash it would compute; the PMD picks queues by it; a broken
 * control ring disables that vif alone; a frontend without one is served as before.
 */
static void test_ctrl_ring(void **state)
{
	struct tfe_opts opts = tfe_full;
	struct tfe *fe = &VIF_A->fe;
	uint8_t key[NIF_HASH_KEY_SIZE];
	uint64_t reqs0 = port_xstat(VIF_A->port, "ctrl_requests");
	unsigned int in_use = rte_mempool_in_use_count(bed.mp);
	uint16_t qid;

	(void)state;
	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x6d + 13 * i);
	opts.ctrl_ring = true;
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, NULL), -ENODEV);
	assert_int_equal(tfe_connect(fe, &opts), 0);
	assert_up(VIF_A);
	expect_hash_extra(1, false, 0);
	expect_queues(16, key, 0); /* nothing set: by flow */

	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
				  XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0, NULL), 0);
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
				  XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |
				  XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP, 0, 0, NULL), 0);
	memcpy(tfe_ctrl_data(fe), key, sizeof(key));
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, (uint32_t)fe->ctrl_data_gref,
				  sizeof(key), 0, NULL), 0);
	for (unsigned int i = 0; i < 8; i++)
		expect_hash_extra(i, true, tcp4_hash(key, i));
	expect_queues(16, key, 1); /* no table: hash % queues */

	/* a table of 8 entries, each the guest's one queue; one past it is refused */
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0, NULL), 0);
	memset(tfe_ctrl_data(fe), 0, 8 * sizeof(uint32_t));
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
				  (uint32_t)fe->ctrl_data_gref, 8, 0, NULL), 0);
	((uint32_t *)tfe_ctrl_data(fe))[3] = 1;
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
				  (uint32_t)fe->ctrl_data_gref, 8, 0, NULL),
			 XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
	expect_queues(16, key, 2);
	assert_int_equal(port_xstat(VIF_A->port, "ctrl_requests"), reqs0 + 6);
	assert_int_equal(port_xstat(VIF_A->port, "ctrl_invalid"), 1);
	assert_int_equal(rte_pmd_xenvif_tx_queues(RTE_MAX_ETHPORTS - 1, NULL, 0, 4, &qid),
			 -ENODEV);
	assert_int_equal(rte_mempool_in_use_count(bed.mp), in_use);

	/* a broken control ring disables A alone; a restart without one works as before */
	inject_ctrl_impossible_prod(fe);
	assert_refused(VIF_A, EPROTO, "control ring: impossible number of requests");
	assert_int_equal(port_xstat(VIF_A->port, "ctrl_fatal_impossible_reqs"), 1);
	restart_and_check(VIF_A);
	expect_queues(16, key, 0);
	expect_hash_extra(2, false, 0);
}

/* ---- multicast control (feature-multicast-control) ---------------------------------- */

/* A's frontend puts one MCAST request (@p type of @p addr); rx_burst answers it @p status. */
static void mcast_request(uint8_t type, const uint8_t *addr, int16_t status)
{
	struct tfe *fe = &VIF_A->fe;
	unsigned int b = fe->tx.req_prod_pvt % TFE_NR_BUFS;
	netif_tx_request_t req = {
		.gref = (grant_ref_t)fe->tx_gref[b], .id = (uint16_t)b, .flags = NETTXF_extra_info,
	};
	netif_extra_info_t extra = {.type = type};
	struct rte_mbuf *none[4];
	netif_tx_response_t rsp;

	memcpy(extra.u.mcast.addr, addr, 6);
	tfe_tx_put(fe, &req);
	memcpy(RING_GET_REQUEST(&fe->tx, fe->tx.req_prod_pvt), &extra, sizeof(extra));
	fe->tx.req_prod_pvt++;
	tfe_tx_push(fe);
	assert_int_equal(rte_eth_rx_burst(VIF_A->port, 0, none, 4), 0);
	assert_true(tfe_tx_rsp(fe, &rsp));
	assert_int_equal(rsp.id, b);
	assert_int_equal(rsp.status, status);
	assert_true(tfe_tx_rsp(fe, &rsp)); /* the extra's slot */
	assert_int_equal(rsp.status, NETIF_RSP_NULL);
}

/* A's frontend writes request-multicast-control; the port's gauge follows (bounded wait). */
static void mcast_control_set(const char *value, uint64_t want)
{
	struct tfe *fe = &VIF_A->fe;
	uint64_t start = now_ms();
	char path[96];

	snprintf(path, sizeof(path), "%s/request-multicast-control", fe->fe_path);
	assert_true(xs_write(fe->xs, XBT_NULL, path, value, (unsigned int)strlen(value)));
	while (port_xstat(VIF_A->port, "guest_mcast_control") != want) {
		if (now_ms() - start > XVB_WAIT_MS)
			fail_msg("guest_mcast_control not %" PRIu64 " after %d ms", want,
				 XVB_WAIT_MS);
		sched_yield();
	}
}

/*
 * #15 feature-multicast-control, through the PMD: the frontend's ADD reaches the vif's list
 * (guest_mcast_addrs); with request-multicast-control on (written while connected), a
 * frame to a group not on it is dropped in tx_burst and counted, the joined group and a
 * broadcast reach the guest; a reconnect empties the list; switched off, everything passes.
 */
static void test_mcast_control(void **state)
{
	static const uint8_t joined[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	static const uint8_t other[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x04};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const uint8_t *dst[3] = {other, joined, bcast};
	struct tfe *fe = &VIF_A->fe;
	uint8_t expect[100];
	uint64_t filtered;

	(void)state;
	assert_backend_key(VIF_A->domid, "feature-multicast-control", "1");
	assert_backend_key(VIF_A->domid, "feature-dynamic-multicast-control", "1");
	mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, joined, NETIF_RSP_OKAY);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 1);
	mcast_control_set("1", 1);
	filtered = xvb_xstat(VIF_A->port, "guest_rx_mcast_filtered");
	tfe_rx_post(fe, 2);
	for (unsigned int i = 0; i < 3; i++) {
		struct rte_mbuf *m = xvb_mbuf(bed.mp, sizeof(expect), dst[i], (uint8_t)i);

		assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	}
	for (unsigned int i = 1; i < 3; i++) {
		xvb_frame(expect, sizeof(expect), dst[i], (uint8_t)i);
		rx_rsp_wait(fe, expect, sizeof(expect));
	}
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_mcast_filtered"), filtered + 1);
	/* a reconnect empties the list (netback's xenvif_mcast_addr_list_free) */
	assert_int_equal(tfe_connect(fe, &tfe_full), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 0);
	mcast_control_set("0", 0);
	mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, joined, NETIF_RSP_OKAY); /* none: OKAY */
	xvb_check_both_ways(&bed, VIF_A, 200, 0x95);
	assert_up(VIF_A);
}

/* ---- a restart keeps what the guest set through its rings (#13, #15) ------------------ */

/* Close A's port leaving the vif Connected (a service restart), write @p key_value into
 * its state key while no process runs (NULL: leave it), and probe it again: a resume. */
static void restart_port_a(const char *key_value)
{
	port_a_close_keep();
	if (key_value != NULL)
		assert_int_equal(xvb_backend_write(&bed, VIF_A->domid, XB_PERSIST_KEY, key_value),
				 0);
	port_a_probe();
	assert_int_equal(xvb_xstat(VIF_A->port, "resumes"), 1);
}

/* Frames to @p other are filtered, to @p joined reach A (the filter on, its list kept). */
static void expect_mcast_filter(const uint8_t *joined, const uint8_t *other, bool on)
{
	uint64_t filtered = xvb_xstat(VIF_A->port, "guest_rx_mcast_filtered");
	const uint8_t *dst[2] = {other, joined};
	uint8_t expect[100];

	tfe_rx_post(&VIF_A->fe, 2);
	for (unsigned int i = 0; i < 2; i++) {
		struct rte_mbuf *m = xvb_mbuf(bed.mp, sizeof(expect), dst[i], (uint8_t)(0xc0 + i));

		assert_int_equal(rte_eth_tx_burst(VIF_A->port, 0, &m, 1), 1);
	}
	for (unsigned int i = on ? 1 : 0; i < 2; i++) {
		xvb_frame(expect, sizeof(expect), dst[i], (uint8_t)(0xc0 + i));
		rx_rsp_wait(&VIF_A->fe, expect, sizeof(expect));
	}
	assert_int_equal(xvb_xstat(VIF_A->port, "guest_rx_mcast_filtered"), filtered + on);
}

/*
 * A Windows-like frontend sets hashing over its control ring and joins a group with
 * multicast control on; the service restarts under it (--on-exit keep). The new process
 * restores both from the vif's dpdk-netback-state key, with nothing asked of the guest:
 * the same hash extras, the same queue choice, the group still filtered. A key a crashed
 * process left broken (or one naming a queue the vif does not have) restores nothing,
 * and is replaced by the state as it is; a reconnect starts afresh.
 */
static void test_resume_keeps_ring_state(void **state)
{
	static const uint8_t joined[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	static const uint8_t other[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x04};
	struct tfe_opts opts = tfe_full;
	struct tfe *fe = &VIF_A->fe;
	uint8_t key[NIF_HASH_KEY_SIZE];
	char *v;

	(void)state;
	for (unsigned int i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x3b + 7 * i);
	opts.ctrl_ring = true;
	assert_int_equal(tfe_connect(fe, &opts), 0);
	assert_up(VIF_A);
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
				  XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0, NULL), 0);
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
				  XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, 0, 0, NULL), 0);
	memcpy(tfe_ctrl_data(fe), key, sizeof(key));
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, (uint32_t)fe->ctrl_data_gref,
				  sizeof(key), 0, NULL), 0);
	assert_int_equal(tfe_ctrl(fe, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 4, 0, 0, NULL), 0);
	mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, joined, NETIF_RSP_OKAY);
	mcast_control_set("1", 1);
	expect_hash_extra(5, true, tcp4_hash(key, 5));
	expect_mcast_filter(joined, other, true);

	/* restarted at once: what the last moment changed is saved when the port closes */
	restart_port_a(NULL);
	v = xvb_backend_read(&bed, VIF_A->domid, XB_PERSIST_KEY);
	assert_non_null(v);
	assert_non_null(strstr(v, " map=4:0000 mcast=1:01005e010203"));
	free(v);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_control"), 1);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 1);
	assert_int_equal(port_xstat(VIF_A->port, "state_restored"), 1);
	assert_int_equal(port_xstat(VIF_A->port, "state_refused"), 0);
	for (unsigned int i = 0; i < 6; i++)
		expect_hash_extra(i, true, tcp4_hash(key, i));
	expect_queues(16, key, 2); /* the 4-entry table of queue 0 */
	expect_mcast_filter(joined, other, true);
	/* the guest goes on from there: a DEL it sends now applies to the restored list */
	mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_DEL, joined, NETIF_RSP_OKAY);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 0);
	mcast_request(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, joined, NETIF_RSP_OKAY);

	/* a mapping entry past the vif's one queue (XSA-270): nothing restored, filter off */
	restart_port_a("v=1 alg=1 flags=2 key=" "00000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000 map=2:01 mcast=1:01005e010203");
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_control"), 0);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 0);
	assert_int_equal(port_xstat(VIF_A->port, "state_refused"), 1);
	assert_int_equal(port_xstat(VIF_A->port, "state_restored"), 0);
	expect_hash_extra(1, false, 0);
	expect_mcast_filter(joined, other, false);
	/* ... and the key now says what is, at the control thread's next tick */
	for (uint64_t t0 = now_ms();; sched_yield()) {
		v = xvb_backend_read(&bed, VIF_A->domid, XB_PERSIST_KEY);
		if (v != NULL && strstr(v, "alg=0 ") != NULL)
			break;
		if (now_ms() - t0 > XVB_WAIT_MS)
			fail_msg("state key still '%s'", v != NULL ? v : "(none)");
		free(v);
	}
	assert_non_null(strstr(v, " map=0: mcast=0:"));
	free(v);
	assert_true(port_xstat(VIF_A->port, "state_saves") >= 1);
	assert_int_equal(port_xstat(VIF_A->port, "state_save_errors"), 0);
	/* garbage: the same */
	restart_port_a("v=1 alg=1 flags=2 key=zz");
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_control"), 0);
	expect_hash_extra(2, false, 0);

	/* a reconnect: netback's fresh connection, nothing carried over; the key follows */
	assert_int_equal(tfe_connect(fe, &tfe_full), 0);
	assert_true(xvb_wait_link(VIF_A->port, true, XVB_WAIT_MS));
	assert_up(VIF_A);
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 0);
	/* a well-formed key with hashing for a vif without a control ring: not this
	 * connection's, nothing restored (its list neither) */
	restart_port_a("v=1 alg=1 flags=2 key=" "00000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000 map=0: mcast=1:01005e010203");
	assert_int_equal(port_xstat(VIF_A->port, "guest_mcast_addrs"), 0);
	assert_int_equal(port_xstat(VIF_A->port, "state_refused"), 1);
	expect_hash_extra(3, false, 0);
	xvb_check_both_ways(&bed, VIF_A, 200, 0xc5);
	xvb_check_both_ways(&bed, VIF_B, 200, 0xc6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_hostile_impossible_prod),
		cmocka_unit_test(test_hostile_rx_impossible_prod),
		cmocka_unit_test(test_hostile_too_many_slots),
		cmocka_unit_test(test_hostile_cross_page),
		cmocka_unit_test(test_hostile_bad_extra),
		cmocka_unit_test(test_request_changed_after_copy),
		cmocka_unit_test(test_runt),
		cmocka_unit_test(test_rx_intr),
		cmocka_unit_test(test_guest_revokes_tx_grant),
		cmocka_unit_test(test_rx_stall),
		cmocka_unit_test(test_rx_backlog),
		cmocka_unit_test(test_xdp_headroom),
		cmocka_unit_test(test_mcast_control),
		cmocka_unit_test(test_rx_burst_budget),
		cmocka_unit_test(test_resume_after_keep),
		cmocka_unit_test(test_reconnect_loop),
		cmocka_unit_test(test_minimal_and_refused_frontends),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_ctrl_ring),
		cmocka_unit_test(test_resume_keeps_ring_state),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
