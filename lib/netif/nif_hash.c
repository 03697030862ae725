/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hash of a guest-RX frame as the frontend configured it over the control ring, and the
 * queue it picks: xen-netback's xenvif_set_skb_hash (hash.c) and xenvif_select_queue
 * (interface.c). The Toeplitz hash itself is DPDK's rte_softrss, which is netif.h's
 * xen_netif_toeplitz_hash for a 40-byte key (the unit test checks both on Microsoft's
 * published RSS vectors). No hash cache: netback's only saves recomputing, and a
 * 36-byte Toeplitz is cheaper than its lookup.
 */
#include <rte_byteorder.h>
#include <rte_thash.h>

#include "nif_internal.h"
#include "pkt.h"

uint32_t nif_toeplitz(const uint8_t key[NIF_HASH_KEY_SIZE], const uint8_t *data,
		      uint32_t len)
{
	/* rte_softrss takes the input as host-order words and reads the key as words (so an
	 * aligned copy), one word past the input's: 36 input bytes at most for 40 of key. */
	uint32_t words[NIF_HASH_KEY_SIZE / 4 - 1] = {0};
	uint32_t kw[NIF_HASH_KEY_SIZE / 4];
	uint32_t n = RTE_MIN(len, (uint32_t)sizeof(words));

	memcpy(kw, key, sizeof(kw));
	memcpy(words, data, n);
	for (uint32_t i = 0; i < RTE_DIM(words); i++)
		words[i] = rte_be_to_cpu_32(words[i]);
	return rte_softrss(words, (n + 3) / 4, (const uint8_t *)kw);
}

/* The hash input and type of @p t under @p flags (netif.h's "Hash types"), or 0 bytes. */
static uint32_t hash_input(const struct pkt_flow_tuple *t, uint32_t flags, uint8_t *buf,
			   uint8_t *type)
{
	bool tcp = t->proto == IPPROTO_TCP && t->has_ports;
	uint32_t alen = t->ipv == 4 ? 8 : 32;
	uint32_t f_l3 = t->ipv == 4 ? XEN_NETIF_CTRL_HASH_TYPE_IPV4 : XEN_NETIF_CTRL_HASH_TYPE_IPV6;
	uint32_t f_l4 = t->ipv == 4 ? XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP :
				      XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;

	memcpy(buf, t->addrs, alen);
	if (tcp && (flags & f_l4)) {
		memcpy(buf + alen, t->ports, 4);
		*type = t->ipv == 4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP :
				      _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
		return alen + 4;
	}
	if (flags & f_l3) {
		*type = t->ipv == 4 ? _XEN_NETIF_CTRL_HASH_TYPE_IPV4 : _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
		return alen;
	}
	return 0;
}

bool nif_hash_frame(const struct nif_hash *h, const struct rte_mbuf *m, uint32_t *hash,
		    uint8_t *type)
{
	struct pkt_flow_tuple t;
	uint8_t buf[36];
	uint32_t n;

	if (h->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ || h->flags == 0 ||
	    pkt_flow_tuple(m, &t) == 0)
		return false;
	n = hash_input(&t, h->flags, buf, type);
	if (n == 0)
		return false;
	*hash = nif_toeplitz(h->key, buf, n);
	return true;
}

uint16_t nif_hash_queue(const struct nif_hash *h, uint32_t hash, uint16_t nb_queues)
{
	uint32_t q;

	if (nb_queues <= 1)
		return 0;
	if (h->size == 0 || h->size > NIF_HASH_MAPPING_MAX)
		return (uint16_t)(hash % nb_queues);
	q = h->mapping[hash % h->size];
	return q < nb_queues ? (uint16_t)q : 0;
}
