/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * LRO: TCP/IPv4 and TCP/IPv6 receive aggregation into mbuf chains.
 *
 * A context belongs to one receive queue and is used by exactly one lcore: no call here takes
 * a lock, and none may run concurrently on the same context. Every call except
 * lro_ctx_create() and lro_ctx_free() is hot-path safe: no allocation, no system call, no
 * logging above DEBUG.
 *
 * Packets are Ethernet frames with at most two VLAN tags (or one tag stripped into
 * mbuf::vlan_tci). The engine parses the headers itself; mbuf::packet_type and the l2/l3/l4
 * length fields of the input are ignored, so mbufs from any PMD (af_packet, pcap, ...) work.
 * The headers (L2 to TCP options) must lie in the first mbuf segment, or the packet is passed
 * through.
 *
 * A flow (MAC addresses, VLAN tags, IP addresses, IPv6 flow label, TCP ports) holds at most
 * one open aggregate. Flows are found through a hash table sized at create; the per-packet
 * cost does not grow with the number of flows held. Segments are merged as Linux GRO merges them (net/ipv4/tcp_offload.c,
 * af_inet.c, ip6_offload.c), never more loosely:
 * - IPv4: header of exactly 20 bytes, no fragment, valid header checksum, same TTL, TOS and
 *   DF; IP ID incrementing by one per segment, or constant with DF set.
 * - IPv6: next header is TCP (no extension header), same traffic class and hop limit.
 * - TCP: contiguous sequence numbers, same ACK number, same data offset, window and options
 *   (byte for byte, timestamps included); flags equal apart from PSH, FIN and CWR. PSH or FIN
 *   is merged, OR'd into the aggregate and ends it; CWR ends the open aggregate and starts a
 *   new one; URG, RST, SYN and segments without payload are never merged. No segment may carry
 *   more payload than the aggregate's first one; a shorter one is merged and ends the aggregate.
 * - The TCP checksum of every segment is verified in software, unless the mbuf says
 *   RTE_MBUF_F_RX_L4_CKSUM_GOOD (and RTE_MBUF_F_RX_IP_CKSUM_GOOD for the IPv4 header). A
 *   segment with a bad checksum is never merged.
 * - The aggregate's IP packet stays within lro_conf::max_ip_len bytes and its frame within
 *   lro_conf::max_slots netfront data slots of lro_conf::slot_size bytes, counted as a
 *   Xen backend packs a frame into guest RX pages (contiguously, page after page).
 *
 * Whatever is not merged is passed through unchanged, and never ahead of the open aggregate
 * of its own flow: a packet that cannot join its flow's aggregate first flushes it (this
 * includes IPv4 first fragments, bad checksums and malformed TCP headers whose ports could
 * be read). Packets without a readable flow (not TCP, truncated, later IPv4 fragments) and
 * packets of different flows may leave in a different order than they came. Malformed
 * input is counted per cause in struct lro_stats, never dropped, and never read beyond the
 * frame (mbuf data_len of the first segment for headers, pkt_len for the payload).
 *
 * An output packet that carries two or more segments (lro_mbuf_nb_segs() >= 2) is a chain
 * of the original mbufs, the first keeping all headers and each later one trimmed to its
 * payload (no payload byte is copied). Its headers are fixed: IPv4 total length and header
 * checksum, or IPv6 payload length; the TCP header is the first segment's with PSH/FIN of the
 * merged segments OR'd in, and its checksum field holds the pseudo-header checksum without the
 * length, as DPDK TSO expects. Its metadata: ol_flags = RTE_MBUF_F_TX_TCP_SEG |
 * RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM (or
 * RTE_MBUF_F_TX_IPV6), plus RTE_MBUF_F_RX_L4_CKSUM_NONE (data verified, checksum field not
 * final) and RTE_MBUF_F_RX_IP_CKSUM_GOOD for IPv4; l2_len, l3_len, l4_len, packet_type and
 * tso_segsz (the MSS: the first segment's payload length) are set. A backend turns
 * RTE_MBUF_F_TX_TCP_SEG and tso_segsz into a netif GSO extra-info slot
 * (XEN_NETIF_GSO_TYPE_TCPV4/V6) and the checksum state into NETRXF_csum_blank |
 * NETRXF_data_validated.
 *
 * Every mbuf given to the engine comes back, exactly once, either alone or inside an
 * aggregate chain, from lro_reassemble_burst() or lro_flush(), or is freed by
 * lro_ctx_free(). The one exception: when a multi-segment packet whose first segment holds
 * only headers is merged, that emptied segment is returned to its mempool rather than
 * chained with no data.
 */
#ifndef LRO_H
#define LRO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque engine state for one receive queue. */
struct lro_ctx;

/** Packets lro_reassemble_burst() may emit per input packet: one flushed aggregate + itself. */
#define LRO_OUT_PER_PKT 2

/** lro_flush() @p now_tsc value that flushes every held aggregate, whatever its age. */
#define LRO_FLUSH_ALL UINT64_MAX

/** Default number of flows that may hold an aggregate at once. */
#define LRO_DEFAULT_MAX_FLOWS 512
/** Default cap on mbufs (segments) held in open aggregates, across all flows. */
#define LRO_DEFAULT_MAX_HELD_MBUFS 8192
/** Default time budget of an aggregate, from its first segment's arrival (microseconds). */
#define LRO_DEFAULT_TIMEOUT_US 40
/** Default cap on an aggregate's IP packet (header included), as netfront accepts (bytes). */
#define LRO_DEFAULT_MAX_IP_LEN 65535
/** Default cap on netfront data slots per packet: XEN_NETIF_NR_SLOTS_MIN in xen/io/netif.h. */
#define LRO_DEFAULT_MAX_SLOTS 18
/** Default size of one netfront data slot: a guest page (bytes). */
#define LRO_DEFAULT_SLOT_SIZE 4096

/** Configuration for lro_ctx_create(). A zero field takes its LRO_DEFAULT_* value. */
struct lro_conf {
	int socket_id;             /**< NUMA socket of the tables, or SOCKET_ID_ANY */
	uint32_t max_flows;        /**< flows holding an aggregate at once (1..65536) */
	uint32_t max_held_mbufs;   /**< mbufs held across all aggregates; keep it well below the
				    *   RX mempool size so the port never starves */
	uint64_t timeout_cycles;   /**< TSC cycles an aggregate may stay open, counted from its
				    *   first segment (0: LRO_DEFAULT_TIMEOUT_US) */
	uint32_t max_ip_len;       /**< bytes of IP header + payload per aggregate (<= 65535) */
	uint16_t max_slots;        /**< netfront data slots per aggregate frame */
	uint16_t slot_size;        /**< bytes per netfront data slot */
};

/**
 * Per-cause counters. Counted per packet unless said otherwise; written only by the lcore
 * that owns the context.
 */
struct lro_stats {
	uint64_t pkts_in;          /**< packets given to lro_reassemble_burst() */
	uint64_t pkts_out;         /**< packets returned (aggregates count once) */
	uint64_t held;             /**< segments that opened an aggregate */
	uint64_t merged;           /**< segments appended to an open aggregate */
	uint64_t aggregates_out;   /**< aggregates returned with two or more segments */
	uint64_t segs_out;         /**< TCP segments inside the aggregates returned (>= 1 each) */
	/* Why an aggregate was returned (one per aggregate). */
	uint64_t flushed_timeout;  /**< its time budget ran out (lro_flush) */
	uint64_t flushed_all;      /**< lro_flush(LRO_FLUSH_ALL) or lro_ctx_free() */
	uint64_t flushed_size;     /**< no room for another full segment (IP length or slots) */
	uint64_t flushed_flags;    /**< PSH or FIN merged */
	uint64_t flushed_short;    /**< a segment shorter than the MSS merged */
	uint64_t flushed_mismatch; /**< a segment of its flow could not join (order, headers) */
	uint64_t flushed_evicted;  /**< its slot was needed: table_full or held_full */
	/* Why a packet was passed through without being held (one cause per packet). */
	uint64_t not_ip;           /**< not IPv4/IPv6 (ARP, LLDP, ...) */
	uint64_t not_tcp;          /**< IP but not TCP */
	uint64_t bad_hdr;          /**< truncated frame, bad version/IHL/data offset, IP length
				    *   larger than the frame or smaller than its headers */
	uint64_t len_mismatch;     /**< frame longer than the IP length says (padding/trailer) */
	uint64_t hdr_split;        /**< headers not all in the first mbuf segment */
	uint64_t ip_opts;          /**< IPv4 header with options */
	uint64_t ip_frag;          /**< IPv4 fragment */
	uint64_t ipv6_ext;         /**< IPv6 extension header, or jumbogram */
	uint64_t bad_ip_csum;      /**< IPv4 header checksum wrong */
	uint64_t bad_l4_csum;      /**< TCP checksum wrong */
	uint64_t no_payload;       /**< TCP segment without data (pure ACK, ...) */
	uint64_t tcp_flags;        /**< SYN, RST, URG, or PSH/FIN with nothing to join */
	uint64_t no_room;          /**< could not be held although mergeable: aggregate limits,
				    *   or held_full with nothing left to evict */
	/* Capacity events (counted in addition to the above). */
	uint64_t table_full;       /**< a new flow needed an entry: the oldest was evicted */
	uint64_t held_full;        /**< max_held_mbufs reached: an aggregate was returned early */
};

/**
 * Create an engine context. Allocates all tables (not hot-path safe). Requires the EAL.
 *
 * @param conf
 *   Limits; NULL for all defaults. Copied, need not outlive the call.
 * @return
 *   The context, or NULL with rte_errno set: EINVAL (a limit out of range), ENOMEM, or the
 *   error of registering the mbuf dynamic field.
 */
struct lro_ctx *lro_ctx_create(const struct lro_conf *conf);

/**
 * Free a context. Held aggregates are returned to their mempools (rte_pktmbuf_free): call
 * lro_flush(ctx, LRO_FLUSH_ALL, ...) first to deliver them instead. NULL is a no-op.
 */
void lro_ctx_free(struct lro_ctx *ctx);

/**
 * Feed a burst of received packets.
 *
 * Each packet is either merged into its flow's open aggregate, held as the start of a new
 * one, or passed through. Returned in @p out, in order of decision: passed-through packets
 * and aggregates that this burst completed (PSH/FIN, short segment, size limit, a segment
 * that could not join, eviction). Held aggregates stay in the context; call lro_flush() after
 * every poll, even when the port returned nothing, so that the time budget is honoured.
 *
 * @param ctx      Context, not NULL.
 * @param pkts     Packets; ownership of all @p nb_pkts passes to the engine. The array itself
 *                 is only read.
 * @param nb_pkts  Number of packets.
 * @param now_tsc  Current TSC (rte_rdtsc()); stamps the aggregates opened by this burst.
 * @param out      Receives packets owned by the caller from now on.
 * @param max_out  Room in @p out; must be at least LRO_OUT_PER_PKT * @p nb_pkts.
 * @return
 *   Number of packets written to @p out, or -EINVAL (bad arguments; nothing was taken).
 */
int lro_reassemble_burst(struct lro_ctx *ctx, struct rte_mbuf *const *pkts, uint16_t nb_pkts,
			 uint64_t now_tsc, struct rte_mbuf **out, uint16_t max_out);

/**
 * Return held aggregates whose time budget has run out at @p now_tsc, oldest first.
 *
 * @param ctx      Context, not NULL.
 * @param now_tsc  Current TSC, or LRO_FLUSH_ALL to return every held aggregate.
 * @param out      Receives aggregates, owned by the caller from now on.
 * @param max_out  Room in @p out; the rest stays held and is returned by a later call.
 * @return
 *   Number of packets written to @p out.
 */
uint16_t lro_flush(struct lro_ctx *ctx, uint64_t now_tsc, struct rte_mbuf **out,
		   uint16_t max_out);

/** Number of aggregates currently held. */
uint32_t lro_held_flows(const struct lro_ctx *ctx);

/** Number of mbufs (segments) currently held. */
uint32_t lro_held_mbufs(const struct lro_ctx *ctx);

/**
 * Copy the counters into @p stats.
 * @return 0, or -EINVAL if an argument is NULL.
 */
int lro_stats_get(const struct lro_ctx *ctx, struct lro_stats *stats);

/** Zero the counters. */
void lro_stats_reset(struct lro_ctx *ctx);

/**
 * TCP segments carried by a packet returned by the engine: >= 2 for an aggregate, else 1.
 * Valid until the mbuf is changed by someone else.
 */
uint16_t lro_mbuf_nb_segs(const struct rte_mbuf *m);

/**
 * Copy packet @p m (an aggregate chain) into one contiguous mbuf from @p mp, keeping its
 * offload metadata (not the buffer-ownership flags RTE_MBUF_F_INDIRECT and
 * RTE_MBUF_F_EXTERNAL, which stay the new mbuf's own): what the Linux bridge did to every LRO aggregate in the study this
 * project comes from (dpdk-netback --lro linearize, and its benchmark). Not for the hot
 * path of the default mode: it copies every payload byte.
 * @return the new mbuf (and @p m is freed), or NULL when @p mp is empty or its data room is
 *   smaller than the packet (then @p m is untouched and still the caller's).
 */
struct rte_mbuf *lro_linearize(struct rte_mbuf *m, struct rte_mempool *mp);

/**
 * Whether an IPv4 aggregate's segments all had the same IP ID (with DF), so a resegmenter
 * should keep the ID fixed (Linux SKB_GSO_TCP_FIXEDID) rather than increment it.
 */
bool lro_mbuf_fixed_id(const struct rte_mbuf *m);

#ifdef __cplusplus
}
#endif

#endif /* LRO_H */
