/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control ring and hashing of lib/netif: the Toeplitz hash against Microsoft's published
 * RSS verification vectors and netif.h's own reference code, the frame hash per flags, every
 * control request with netback's bounds (the test is the frontend: its ring page, its
 * grant table), and the hash extra on guest-RX packets.
 */
#define XEN_NETIF_DEFINE_TOEPLITZ /* netif.h's reference xen_netif_toeplitz_hash */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "test_nif_fe.h"

/* Microsoft's "Verifying the RSS Hash Calculation" key and vectors. */
static const uint8_t ms_key[NIF_HASH_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct ms_vec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t l3, l4;
};

static const struct ms_vec ms_v4[] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

static const struct ms_vec ms_v6[] = {
	{ "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024,
	  0x4b61e985, 0x02d1feef },
};

/* The hash input of a vector: addresses then ports, network order. @return its length. */
static uint32_t vec_input(const struct ms_vec *v, int af, uint8_t *buf, bool ports)
{
	uint32_t alen = af == AF_INET ? 4 : 16;
	uint16_t sp = htons(v->sport), dp = htons(v->dport);

	assert_int_equal(inet_pton(af, v->src, buf), 1);
	assert_int_equal(inet_pton(af, v->dst, buf + alen), 1);
	if (!ports)
		return 2 * alen;
	memcpy(buf + 2 * alen, &sp, 2);
	memcpy(buf + 2 * alen + 2, &dp, 2);
	return 2 * alen + 4;
}

static void check_vectors(const struct ms_vec *v, unsigned int n, int af)
{
	for (unsigned int i = 0; i < n; i++) {
		uint8_t buf[36];
		uint32_t len = vec_input(&v[i], af, buf, false);

		assert_int_equal(nif_toeplitz(ms_key, buf, len), v[i].l3);
		assert_int_equal(xen_netif_toeplitz_hash(ms_key, sizeof(ms_key), buf, len), v[i].l3);
		len = vec_input(&v[i], af, buf, true);
		assert_int_equal(nif_toeplitz(ms_key, buf, len), v[i].l4);
		assert_int_equal(xen_netif_toeplitz_hash(ms_key, sizeof(ms_key), buf, len), v[i].l4);
	}
}

static void test_toeplitz_vectors(void **state)
{
	(void)state;
	check_vectors(ms_v4, RTE_DIM(ms_v4), AF_INET);
	check_vectors(ms_v6, RTE_DIM(ms_v6), AF_INET6);
}

/* An Ethernet frame of the vector's flow: IPv4 or IPv6, protocol @p proto, 64 bytes after. */
static struct rte_mbuf *vec_frame(const struct ms_vec *v, int af, uint8_t proto, bool frag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(nif_test_big_mp); /* room to grow */
	uint32_t l3 = af == AF_INET ? 20 : 40, alen = af == AF_INET ? 4 : 16;
	uint8_t *d, in[36];

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(14 + l3 + 20 + 64));
	memset(d, 0, 14 + l3 + 20 + 64);
	vec_input(v, af, in, true);
	d[12] = af == AF_INET ? 0x08 : 0x86;
	d[13] = af == AF_INET ? 0x00 : 0xdd;
	if (af == AF_INET) {
		d[14] = 0x45;
		d[14 + 9] = proto;
		d[14 + 6] = frag ? 0x20 : 0; /* more fragments */
		memcpy(d + 14 + 12, in, 8);
	} else {
		d[14] = 0x60;
		d[14 + 6] = proto;
		memcpy(d + 14 + 8, in, 32);
	}
	memcpy(d + 14 + l3, in + 2 * alen, 4);
	return m;
}

static void check_frame(const struct nif_hash *h, const struct ms_vec *v, int af,
			uint8_t proto, bool frag, bool want, uint32_t hash, uint8_t type)
{
	struct rte_mbuf *m = vec_frame(v, af, proto, frag);
	uint32_t got = 0;
	uint8_t got_type = 0xff;

	assert_int_equal(nif_hash_frame(h, m, &got, &got_type), want);
	if (want) {
		assert_int_equal(got, hash);
		assert_int_equal(got_type, type);
	}
	rte_pktmbuf_free(m);
}

/* xenvif_set_skb_hash: the maximal type the flags allow; nothing when none applies. */
static void test_hash_frame_flags(void **state)
{
	struct nif_hash h = { .alg = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ };
	const struct ms_vec *v4 = &ms_v4[0], *v6 = &ms_v6[0];

	(void)state;
	memcpy(h.key, ms_key, sizeof(ms_key));
	check_frame(&h, v4, AF_INET, IPPROTO_TCP, false, false, 0, 0); /* flags 0: off */
	h.flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
	check_frame(&h, v4, AF_INET, IPPROTO_TCP, false, true, v4->l4,
		    _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
	check_frame(&h, v4, AF_INET, IPPROTO_UDP, false, true, v4->l3,
		    _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
	check_frame(&h, v4, AF_INET, IPPROTO_TCP, true, true, v4->l3,
		    _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
	check_frame(&h, v6, AF_INET6, IPPROTO_TCP, false, false, 0, 0); /* no IPv6 type */
	h.flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | XEN_NETIF_CTRL_HASH_TYPE_IPV6;
	check_frame(&h, v4, AF_INET, IPPROTO_UDP, false, false, 0, 0); /* TCP only */
	check_frame(&h, v6, AF_INET6, IPPROTO_TCP, false, true, v6->l3,
		    _XEN_NETIF_CTRL_HASH_TYPE_IPV6);
	h.flags |= XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
	for (unsigned int i = 0; i < RTE_DIM(ms_v6); i++)
		check_frame(&h, &ms_v6[i], AF_INET6, IPPROTO_TCP, false, true, ms_v6[i].l4,
			    _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP);
	h.alg = XEN_NETIF_CTRL_HASH_ALGORITHM_NONE;
	check_frame(&h, v6, AF_INET6, IPPROTO_TCP, false, false, 0, 0);

	/* xenvif_select_queue: modular without a table, the table's entry with one */
	assert_int_equal(nif_hash_queue(&h, 7, 4), 3);
	assert_int_equal(nif_hash_queue(&h, 7, 1), 0);
	h.size = 3;
	h.mapping[0] = 2;
	h.mapping[1] = 1;
	h.mapping[2] = 9; /* never stored by the ring; still no queue out of range */
	assert_int_equal(nif_hash_queue(&h, 6, 4), 2);
	assert_int_equal(nif_hash_queue(&h, 7, 4), 1);
	assert_int_equal(nif_hash_queue(&h, 8, 4), 0);
}

/* ---- the control ring -------------------------------------------------------------- */

#define CTRL_QUEUES 4
#define KEY_GREF 100
#define MAP_GREF 101

struct ctrl_fe {
	struct fe *fe;
	struct xen_netif_ctrl_sring *sring;
	xen_netif_ctrl_front_ring_t front;
	struct nif_ctrl *c;
};

static int ctrl_gcopy(void *arg, uint32_t count, nif_gcopy_seg *segs)
{
	return fe_gcopy(arg, count, segs);
}

static void ctrl_open(struct ctrl_fe *cf, struct fe *fe)
{
	struct nif_ctrl_conf conf = {
		.ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID, .nb_queues = CTRL_QUEUES,
		.gcopy = ctrl_gcopy, .gcopy_arg = fe, .socket_id = SOCKET_ID_ANY,
	};

	cf->fe = fe;
	cf->sring = aligned_alloc(NIF_PAGE_SIZE, NIF_PAGE_SIZE);
	assert_non_null(cf->sring);
	memset(cf->sring, 0xa5, NIF_PAGE_SIZE);
	SHARED_RING_INIT(cf->sring);
	FRONT_RING_INIT(&cf->front, cf->sring, NIF_PAGE_SIZE);
	conf.sring = cf->sring;
	cf->c = nif_ctrl_create(&conf);
	assert_non_null(cf->c);
}

static void ctrl_close(struct ctrl_fe *cf)
{
	nif_ctrl_free(cf->c);
	free(cf->sring);
}

static void ctrl_post(struct ctrl_fe *cf, uint16_t type, uint32_t d0, uint32_t d1,
		      uint32_t d2)
{
	struct xen_netif_ctrl_request *req = RING_GET_REQUEST(&cf->front,
							      cf->front.req_prod_pvt);

	req->id = (uint16_t)(cf->front.req_prod_pvt + 0x100);
	req->type = type;
	req->data[0] = d0;
	req->data[1] = d1;
	req->data[2] = d2;
	cf->front.req_prod_pvt++;
	RING_PUSH_REQUESTS(&cf->front);
}

/* One request, served and answered: @return its status; *data its data. */
static uint32_t ctrl_do(struct ctrl_fe *cf, uint16_t type, uint32_t d0, uint32_t d1,
			uint32_t d2, uint32_t *data)
{
	struct xen_netif_ctrl_response *rsp;
	bool notify;
	int more;

	ctrl_post(cf, type, d0, d1, d2);
	assert_int_equal(nif_ctrl_poll(cf->c, 8, &notify), 1);
	assert_true(notify);
	assert_int_equal(cf->sring->rsp_prod, cf->front.rsp_cons + 1);
	rsp = RING_GET_RESPONSE(&cf->front, cf->front.rsp_cons);
	assert_int_equal(rsp->id, (uint16_t)(cf->front.rsp_cons + 0x100));
	assert_int_equal(rsp->type, type);
	cf->front.rsp_cons++;
	RING_FINAL_CHECK_FOR_RESPONSES(&cf->front, more); /* asks for the next notification */
	assert_false(more);
	if (data != NULL)
		*data = rsp->data;
	return rsp->status;
}

#define OK XEN_NETIF_CTRL_STATUS_SUCCESS
#define NOSUP XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED
#define INVAL XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER

/* Algorithm, flags, key: netback's answers, in netback's order of checks. */
static void test_ctrl_alg_flags_key(void **state)
{
	struct ctrl_fe cf;
	struct nif_hash h;
	uint32_t data = 0, gen = 0;

	ctrl_open(&cf, *state);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, NULL), NOSUP);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 1, 0, 0, NULL), INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 2, 0, 0, NULL),
			 INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 1, 0, 0, NULL), OK);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, &data), OK);
	assert_int_equal(data, 0xf);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x1f, 0, 0, NULL),
			 INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x5, 0, 0, NULL), OK);

	memcpy(fe_page(cf.fe, KEY_GREF), ms_key, sizeof(ms_key));
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_GREF, 41, 0, NULL),
			 INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, FE_NB_PAGES, 40, 0, NULL),
			 INVAL); /* a gref the guest never granted */
	assert_int_equal(nif_ctrl_stats(cf.c)->ctrl_gcopy_err, 1);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_GREF, 40, 0, NULL),
			 OK);
	assert_true(nif_ctrl_hash_read(cf.c, &h, &gen));
	assert_false(nif_ctrl_hash_read(cf.c, &h, &gen)); /* no change since */
	assert_int_equal(h.alg, 1);
	assert_int_equal(h.flags, 0x5);
	assert_memory_equal(h.key, ms_key, sizeof(ms_key));
	/* A shorter key: the octets not given are zero (netif.h). */
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, KEY_GREF, 4, 0, NULL),
			 OK);
	assert_true(nif_ctrl_hash_read(cf.c, &h, &gen));
	assert_memory_equal(h.key, ms_key, 4);
	for (unsigned int i = 4; i < NIF_HASH_KEY_SIZE; i++)
		assert_int_equal(h.key[i], 0);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_INVALID, 0, 0, 0, NULL), NOSUP);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING, 0, 0, 0, NULL),
			 NOSUP);
	assert_int_equal(ctrl_do(&cf, 0xffff, 0, 0, 0, NULL), NOSUP);
	ctrl_close(&cf);
}

static void put_mapping(struct fe *fe, const uint32_t *e, unsigned int n)
{
	memcpy(fe_page(fe, MAP_GREF), e, n * sizeof(*e));
}

/* Mapping size and table: bounds, wrap, entries past the queues, failed copies. */
static void test_ctrl_mapping(void **state)
{
	static const uint32_t good[4] = { 3, 2, 1, 0 };
	static const uint32_t bad[2] = { 1, CTRL_QUEUES };
	struct ctrl_fe cf;
	struct nif_hash h;
	uint32_t data = 0, gen = 0;

	ctrl_open(&cf, *state);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE, 0, 0, 0, &data),
			 OK);
	assert_int_equal(data, NIF_HASH_MAPPING_MAX);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
				 NIF_HASH_MAPPING_MAX + 1, 0, 0, NULL), INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0, NULL),
			 OK);
	put_mapping(cf.fe, good, 4);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF, 4, 4, NULL),
			 OK);
	/* off + len past the size, and wrapping */
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF, 4, 5, NULL),
			 INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF, 2,
				 UINT32_MAX, NULL), INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF,
				 UINT32_MAX, 2, NULL), INVAL);
	/* an entry past the queues: refused, the table as it was */
	put_mapping(cf.fe, bad, 2);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF, 2, 0, NULL),
			 INVAL);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, FE_NB_PAGES + 1, 2, 0,
				 NULL), INVAL);
	assert_true(nif_ctrl_hash_read(cf.c, &h, &gen));
	assert_int_equal(h.size, 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(h.mapping[i], i < 4 ? 0 : good[i - 4]);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, MAP_GREF, 0, 8, NULL),
			 OK); /* empty, at the end: nothing to copy */
	/* a new size zeroes the table */
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 8, 0, 0, NULL),
			 OK);
	assert_true(nif_ctrl_hash_read(cf.c, &h, &gen));
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(h.mapping[i], 0);
	assert_int_equal(nif_ctrl_stats(cf.c)->ctrl_invalid, 6);
	ctrl_close(&cf);
}

/* A resume restores what the previous process's ring held: checked as the ring's setters
 * check requests (XSA-270's entry bound included), published, and a hostile one refused
 * with the state as it was. */
static void test_ctrl_hash_restore(void **state)
{
	struct ctrl_fe cf;
	struct nif_hash h, bad, got;
	uint32_t data = 0, gen = 0;

	ctrl_open(&cf, *state);
	memset(&h, 0, sizeof(h));
	h.alg = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
	h.flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
	memcpy(h.key, ms_key, sizeof(ms_key));
	h.size = 3;
	h.mapping[0] = CTRL_QUEUES - 1;
	h.mapping[5] = 1; /* past size: not kept */
	assert_int_equal(nif_ctrl_hash_restore(cf.c, &h), 0);
	assert_true(nif_ctrl_hash_read(cf.c, &got, &gen));
	h.mapping[5] = 0;
	assert_memory_equal(&got, &h, sizeof(h));
	/* hostile: each refused, nothing published */
	bad = h;
	bad.alg = 2;
	assert_int_equal(nif_ctrl_hash_restore(cf.c, &bad), -EINVAL);
	bad = h;
	bad.flags = 0x10;
	assert_int_equal(nif_ctrl_hash_restore(cf.c, &bad), -EINVAL);
	bad = h;
	bad.size = NIF_HASH_MAPPING_MAX + 1;
	assert_int_equal(nif_ctrl_hash_restore(cf.c, &bad), -EINVAL);
	bad = h;
	bad.mapping[2] = CTRL_QUEUES;
	assert_int_equal(nif_ctrl_hash_restore(cf.c, &bad), -EINVAL);
	assert_false(nif_ctrl_hash_read(cf.c, &got, &gen));
	/* the ring goes on from the restored state as from one it set itself */
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, &data), OK);
	assert_int_equal(ctrl_do(&cf, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x5, 0, 0, NULL), OK);
	assert_true(nif_ctrl_hash_read(cf.c, &got, &gen));
	assert_int_equal(got.flags, 0x5);
	assert_int_equal(got.size, 3);
	assert_memory_equal(got.key, ms_key, sizeof(ms_key));
	ctrl_close(&cf);
}

/* A bounded number per poll, every request answered, in order; an impossible ring is fatal. */
static void test_ctrl_budget_and_fatal(void **state)
{
	struct ctrl_fe cf;
	bool notify;

	ctrl_open(&cf, *state);
	for (unsigned int i = 0; i < 5; i++)
		ctrl_post(&cf, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE, 0, 0, 0);
	assert_int_equal(nif_ctrl_poll(cf.c, 2, &notify), 2);
	assert_int_equal(cf.sring->rsp_prod, 2);
	assert_int_equal(nif_ctrl_poll(cf.c, 2, &notify), 2);
	assert_int_equal(nif_ctrl_poll(cf.c, 2, &notify), 1);
	assert_int_equal(nif_ctrl_poll(cf.c, 2, &notify), 0);
	assert_false(notify);
	assert_int_equal(cf.sring->rsp_prod, 5);
	for (unsigned int i = 0; i < 5; i++) {
		struct xen_netif_ctrl_response *rsp = RING_GET_RESPONSE(&cf.front, i);

		assert_int_equal(rsp->id, 0x100 + i);
		assert_int_equal(rsp->status, OK);
	}
	assert_int_equal(cf.sring->req_event, 6); /* armed for the next one */
	cf.sring->req_prod += RING_SIZE(&cf.front) + 1;
	assert_int_equal(nif_ctrl_poll(cf.c, 64, &notify), -EIO);
	assert_int_equal(nif_ctrl_fatal(cf.c), NIF_FATAL_IMPOSSIBLE_REQS);
	assert_int_equal(cf.sring->rsp_prod, 5);
	ctrl_close(&cf);

	/* attaching to a ring already past its size is refused */
	{
		struct nif_ctrl_conf conf = {
			.ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID, .nb_queues = 1,
			.gcopy = ctrl_gcopy, .gcopy_arg = *state, .socket_id = SOCKET_ID_ANY,
		};

		ctrl_open(&cf, *state);
		cf.sring->req_prod = RING_SIZE(&cf.front) + 1;
		conf.sring = cf.sring;
		assert_null(nif_ctrl_create(&conf));
		conf.sring = NULL;
		assert_null(nif_ctrl_create(&conf));
		ctrl_close(&cf);
	}
}

/* ---- the hash extra on guest RX ------------------------------------------------------ */

/* A TCP/IPv4 frame gets its hash extra; with GSO the hash extra follows the GSO one. */
static void test_rx_hash_extra(void **state)
{
	static const struct nif_rx_features feat = {
		.sg = true, .gso_tcpv4 = true, .csum_ipv4 = true, .mtu = 1500,
	};
	struct fe *fe = *state;
	struct nif_rxq_conf conf = {
		.sring = fe->rx_sring, .ring_bytes = NIF_PAGE_SIZE, .domid = FE_DOMID,
		.features = feat, .socket_id = SOCKET_ID_ANY,
	};
	struct nif_hash h = { .alg = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
			      .flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP };
	struct nif_rxq *q = nif_rxq_create(&conf);
	struct rte_mbuf *m[3];
	nif_gcopy_seg *segs;
	netif_extra_info_t *ex;
	uint32_t nsegs, val;
	bool notify;

	assert_non_null(q);
	memcpy(h.key, ms_key, sizeof(ms_key));
	nif_rxq_set_hash(q, &h);
	m[0] = vec_frame(&ms_v4[0], AF_INET, IPPROTO_TCP, false);
	m[1] = vec_frame(&ms_v4[1], AF_INET, IPPROTO_UDP, false); /* no type: no extra */
	m[2] = vec_frame(&ms_v4[2], AF_INET, IPPROTO_TCP, false);
	/* the third as a GSO packet of two pages */
	assert_non_null(rte_pktmbuf_append(m[2], 4000));
	m[2]->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_TCP_SEG;
	m[2]->tso_segsz = 1000;
	m[2]->l2_len = 14;
	m[2]->l3_len = 20;
	m[2]->l4_len = 20;
	fe_rx_post(fe, 2 + 1 + 4, 0, 0);
	assert_int_equal(nif_rx_prepare_burst(q, m, 3), 3);
	nsegs = nif_rx_gcopy_segs(q, &segs);
	assert_int_equal(fe_gcopy(fe, nsegs, segs), 0);
	assert_int_equal(nif_rx_finish_burst(q, 0, &notify), 0);
	assert_int_equal(fe->rx_sring->rsp_prod, 7);

	assert_int_equal(RING_GET_RESPONSE(&fe->rx, 0)->flags, NETRXF_extra_info);
	ex = (void *)RING_GET_RESPONSE(&fe->rx, 1);
	assert_int_equal(ex->type, XEN_NETIF_EXTRA_TYPE_HASH);
	assert_int_equal(ex->flags, 0);
	assert_int_equal(ex->u.hash.type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
	assert_int_equal(ex->u.hash.algorithm, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
	memcpy(&val, ex->u.hash.value, 4);
	assert_int_equal(val, ms_v4[0].l4);
	assert_int_equal(RING_GET_RESPONSE(&fe->rx, 2)->flags, 0); /* UDP: no extra */

	assert_true(RING_GET_RESPONSE(&fe->rx, 3)->flags & NETRXF_extra_info);
	assert_true(RING_GET_RESPONSE(&fe->rx, 3)->flags & NETRXF_more_data);
	ex = (void *)RING_GET_RESPONSE(&fe->rx, 4);
	assert_int_equal(ex->type, XEN_NETIF_EXTRA_TYPE_GSO);
	assert_int_equal(ex->flags, XEN_NETIF_EXTRA_FLAG_MORE);
	ex = (void *)RING_GET_RESPONSE(&fe->rx, 5);
	assert_int_equal(ex->type, XEN_NETIF_EXTRA_TYPE_HASH);
	assert_int_equal(ex->flags, 0);
	memcpy(&val, ex->u.hash.value, 4);
	assert_int_equal(val, ms_v4[2].l4);
	/* its second data slot comes after both extras */
	assert_int_equal(RING_GET_RESPONSE(&fe->rx, 6)->status, 54 + 64 + 4000 - 4096);
	assert_int_equal(nif_rxq_stats(q)->rx_hash, 2);
	assert_int_equal(nif_rxq_stats(q)->rx_gso, 1);
	nif_rxq_free(q);
}

int nif_test_ctrl_group(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_vectors),
		cmocka_unit_test(test_hash_frame_flags),
		cmocka_unit_test_setup_teardown(test_ctrl_alg_flags_key, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_mapping, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_hash_restore, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_budget_and_fatal, nif_test_setup,
						nif_test_teardown),
		cmocka_unit_test_setup_teardown(test_rx_hash_extra, nif_test_setup,
						nif_test_teardown),
	};

	return cmocka_run_group_tests_name("nif_ctrl", tests, NULL, NULL);
}
