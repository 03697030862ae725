/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LRO internals shared by the engine's files; never included outside lib/lro.
 */
#ifndef LRO_INTERNAL_H
#define LRO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "lro.h"

extern int lro_logtype;
#define LRO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, lro_logtype, "lro: " fmt "\n", ## __VA_ARGS__)

/* Sentinel of every index link (bucket chains, age list, free list). */
#define LRO_NIL UINT32_MAX

/* TCP flag bits (byte 13 of the header). */
#define LRO_TCP_FIN 0x01
#define LRO_TCP_SYN 0x02
#define LRO_TCP_RST 0x04
#define LRO_TCP_PSH 0x08
#define LRO_TCP_ACK 0x10
#define LRO_TCP_URG 0x20
#define LRO_TCP_ECE 0x40
#define LRO_TCP_CWR 0x80

#define LRO_TCP_MAX_OPTS 40

/*
 * Flow identity: everything that must be equal for two segments to be the same flow, built
 * as whole 64-bit words (so it is hashed and compared with word loads that never straddle
 * the parser's stores):
 *   w[0], w[1]  source address (IPv4: low 32 bits of w[0], w[1] = 0)
 *   w[2], w[3]  destination address
 *   w[4]        TCP ports (as on the wire) | outer VLAN TCI << 32 | inner VLAN TCI << 48
 *   w[5]        destination MAC and the first 2 bytes of the source MAC (as on the wire)
 *   w[6]        last 4 bytes of the source MAC | IPv6 flow label << 32 | IP version << 52 |
 *               VLAN-stripped flag << 56 | VLAN tags in the frame << 57
 * The bucket comes from w[0..4].
 */
#define LRO_KEY_WORDS 7
struct lro_flow_key {
	uint64_t w[LRO_KEY_WORDS];
};

/* What the parser learnt about one frame. */
struct lro_pkt {
	struct lro_flow_key key;
	uint64_t hash;
	uint8_t *l3;              /* IP header in the first segment */
	uint8_t *l4;              /* TCP header */
	uint16_t l2_len, l3_len, l4_len;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t first_frag;       /* IPv4 first fragment (MF set, offset 0) */
	uint32_t ip_len;          /* IPv4 total length, or 40 + IPv6 payload length */
	uint32_t payload_len;
	uint32_t seq, ack;        /* host order */
	uint32_t tcp_word3;       /* data offset, flags, window as on the wire */
	uint16_t ip_id;           /* host order (IPv4) */
	uint8_t tos;              /* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl;              /* TTL or hop limit */
	uint8_t df;
	uint8_t flags;            /* TCP flags */
};

enum lro_id_mode {
	LRO_ID_ANY = 0,           /* one segment so far (or IPv6) */
	LRO_ID_INC,               /* IDs increment by one */
	LRO_ID_FIXED,             /* IDs equal, DF set */
};

/*
 * One flow entry, laid out for the per-packet path: line 0 is looked up, line 1 is checked
 * and updated on merge (with the first options bytes), the rest is touched per aggregate.
 * head == NULL means the entry is free (then it is on the free list); otherwise it holds
 * an open aggregate and is on one bucket chain and on the age list.
 */
struct lro_flow {
	/* line 0: lookup */
	struct lro_flow_key key;
	uint64_t hash;
	/* line 1: merge */
	struct rte_mbuf *head;    /* first segment, headers included */
	struct rte_mbuf *tail;    /* last mbuf of the chain */
	uint32_t next_seq;        /* sequence number the next segment must carry */
	uint32_t ack;
	uint32_t ip_len;          /* IP header + payload so far */
	uint32_t tcp_word3;       /* first segment's data offset/flags/window */
	uint16_t mss;             /* first segment's payload length */
	uint16_t nb_segs;         /* TCP segments merged, >= 1 */
	uint16_t nb_mbufs;        /* mbufs in the chain */
	uint16_t last_ip_id;
	uint8_t id_mode;          /* enum lro_id_mode */
	uint8_t tos, ttl, df;
	uint8_t flags_or;         /* PSH/FIN of merged segments, OR'd into the header at flush */
	uint8_t opt_len;
	uint8_t l2_len;
	uint8_t ipver;
	uint8_t opts[LRO_TCP_MAX_OPTS];
	/* per aggregate */
	uint64_t start_tsc;       /* arrival of the first segment; not moved by merges */
	uint32_t bucket_next;     /* next entry in the same bucket, or the free list */
	uint32_t age_prev, age_next; /* age list, oldest first */
	uint16_t l3_len, l4_len;
	uint8_t nb_tags;          /* VLAN tags in the frame */
} __rte_cache_aligned;

struct lro_ctx {
	struct lro_flow *flows;
	uint32_t *buckets;        /* head entry per hash bucket */
	uint32_t bucket_mask;
	uint32_t max_flows;
	uint32_t free_head;       /* free entries, linked by bucket_next */
	uint32_t age_head, age_tail;
	uint32_t nb_held_flows;
	uint32_t nb_held_mbufs;
	uint32_t max_held_mbufs;
	uint64_t timeout_cycles;
	uint32_t max_ip_len;
	uint32_t max_frame_len;   /* max_slots * slot_size */
	struct lro_stats stats;
};

/* Cause of a parse verdict, each mapped to one counter. */
enum lro_verdict {
	LRO_V_OK = 0,             /* TCP segment that may be merged */
	LRO_V_FLOW_ONLY,          /* TCP segment with a flow key, not mergeable (see cause) */
	LRO_V_PASS,               /* no flow key: pass through */
};

/* Flow table (lro_table.c). */
int lro_table_init(struct lro_ctx *ctx, int socket_id);
void lro_table_fini(struct lro_ctx *ctx);
struct lro_flow *lro_table_insert(struct lro_ctx *ctx, const struct lro_pkt *p);
void lro_table_remove(struct lro_ctx *ctx, struct lro_flow *f);
static inline struct lro_flow *lro_table_oldest(struct lro_ctx *ctx)
{
	return ctx->age_head == LRO_NIL ? NULL : &ctx->flows[ctx->age_head];
}

/* Aggregate completion and header fix-up (lro_merge.c). Parsing is in lro_parse.h, the
 * per-packet flow work in lro_flow.h. */
struct rte_mbuf *lro_close(struct lro_ctx *ctx, struct lro_flow *f);
int lro_dynfield_register(void);

#endif /* LRO_INTERNAL_H */
