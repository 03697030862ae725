/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers for the LRO engine: build TCP/IPv4 and TCP/IPv6 frames with valid
 * checksums, and resegment what the engine returns back into frames, the way a guest or
 * NIC would with TSO, so the result can be compared with the input byte for byte.
 */
#ifndef TEST_LRO_UTIL_H
#define TEST_LRO_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#define TL_TCP_FIN 0x01
#define TL_TCP_SYN 0x02
#define TL_TCP_RST 0x04
#define TL_TCP_PSH 0x08
#define TL_TCP_ACK 0x10
#define TL_TCP_URG 0x20
#define TL_TCP_ECE 0x40
#define TL_TCP_CWR 0x80

#define TL_MAX_FRAME 9216

/* Everything that describes one segment on the wire. */
struct tl_seg {
	uint8_t ipver;            /* 4 or 6 */
	uint8_t nb_vlan;          /* 0, 1 or 2 tags in the frame */
	uint16_t vlan[2];
	uint32_t flow;            /* picks addresses and ports */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint8_t ttl, tos;
	bool df;
	uint16_t ip_id;
	uint32_t flow_label;      /* IPv6 */
	bool ts;                  /* timestamp option (12 bytes with 2 NOPs) */
	uint32_t tsval, tsecr;
	uint16_t payload_len;
	uint8_t payload_seed;     /* payload byte i is derived from seed, seq and i */
};

/* A template: flow @flow, IPv@ipver, ACK set, window 512, TTL 64, DF, timestamps. */
struct tl_seg tl_seg_default(uint32_t flow, uint8_t ipver, uint16_t payload_len);

/* Write the frame for @s into @buf (at least TL_MAX_FRAME); returns its length. */
uint32_t tl_build_frame(const struct tl_seg *s, uint8_t *buf);

/* Allocate an mbuf from @mp holding @len bytes of @frame (one segment). NULL on failure. */
struct rte_mbuf *tl_mbuf_from(struct rte_mempool *mp, const uint8_t *frame, uint32_t len);

/* Same, split into mbuf segments of at most @seg_bytes each. */
struct rte_mbuf *tl_mbuf_from_split(struct rte_mempool *mp, const uint8_t *frame, uint32_t len,
				    uint32_t seg_bytes);

static inline struct rte_mbuf *tl_mbuf(struct rte_mempool *mp, const struct tl_seg *s)
{
	static uint8_t buf[TL_MAX_FRAME];

	return tl_mbuf_from(mp, buf, tl_build_frame(s, buf));
}

/* Recompute the IPv4 header and TCP checksums of a frame in place (after a mutation). */
void tl_fix_csums(uint8_t *frame, uint32_t len);

/* Offsets of the headers of @frame; false if it is not a parseable TCP frame. */
bool tl_parse(const uint8_t *frame, uint32_t len, uint32_t *l3_off, uint32_t *l4_off,
	      uint32_t *payload_off, uint8_t *ipver);

/* One frame, linearized. */
struct tl_frame {
	uint32_t len;
	uint8_t *data;
};

/*
 * Resegment one packet returned by the engine into frames appended to @frames (grown with
 * realloc): an aggregate (RTE_MBUF_F_TX_TCP_SEG) becomes tso_segsz-sized segments whose
 * checksums are completed from the header's pseudo-header checksum, as TSO hardware does;
 * anything else is copied. Returns the number of frames added, or -1 if an aggregate's
 * metadata or headers are inconsistent (the reason is printed).
 */
int tl_resegment(const struct rte_mbuf *m, struct tl_frame **frames, uint32_t *nb_frames);

void tl_frames_free(struct tl_frame *frames, uint32_t nb);

/* Verify an aggregate's own header state: IPv4 header checksum valid, TCP checksum field
 * the pseudo-header checksum without length, lengths consistent, within 64 KiB and 18 slots
 * of 4 KiB. Returns 0 or -1 (reason printed). */
int tl_check_aggregate(const struct rte_mbuf *m);

#endif /* TEST_LRO_UTIL_H */

/* Shared fixture. */

/* Initialise the EAL (once) and return the test mempool (created once, 8191 mbufs). */
struct rte_mempool *tl_pool(void);

/* Mbufs of tl_pool() currently allocated. */
unsigned int tl_pool_in_use(void);

/*
 * Check that what the engine returned (@out, @nb_out; all aggregates resegmented) carries,
 * flow by flow (L2 header, addresses, ports), exactly the frames of @in in the same order.
 * Every aggregate also passes tl_check_aggregate(). Returns 0, or -1 with the reason printed.
 */
int tl_check_equiv(const struct tl_frame *in, uint32_t nb_in, struct rte_mbuf *const *out,
		   uint32_t nb_out);

/* Append a copy of a frame to a frame list. Returns 0 or -1. */
int tl_frames_add(struct tl_frame **frames, uint32_t *nb, const uint8_t *data, uint32_t len);

/* Free @n packets (chains included). */
void tl_free_pkts(struct rte_mbuf **pkts, uint32_t n);
