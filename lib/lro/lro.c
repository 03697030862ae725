/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LRO context and the burst/flush entry points: which aggregate each packet goes to, and
 * when an aggregate leaves (see lro.h for the contract).
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "lro_flow.h"
#include "lro_internal.h"
#include "lro_parse.h"

RTE_LOG_REGISTER(lro_logtype, netback.lro, NOTICE);

/* Output cursor of one call. */
struct lro_out {
	struct rte_mbuf **pkts;
	uint16_t n;
};

static inline void emit(struct lro_ctx *ctx, struct lro_out *o, struct rte_mbuf *m)
{
	o->pkts[o->n++] = m;
	ctx->stats.pkts_out++;
}

static int conf_resolve(const struct lro_conf *in, struct lro_conf *c)
{
	if (in != NULL) {
		*c = *in;
	} else {
		memset(c, 0, sizeof(*c));
		c->socket_id = SOCKET_ID_ANY;
	}
	if (c->max_flows == 0)
		c->max_flows = LRO_DEFAULT_MAX_FLOWS;
	if (c->max_held_mbufs == 0)
		c->max_held_mbufs = LRO_DEFAULT_MAX_HELD_MBUFS;
	if (c->timeout_cycles == 0)
		c->timeout_cycles = rte_get_tsc_hz() / 1000000 * LRO_DEFAULT_TIMEOUT_US;
	if (c->max_ip_len == 0)
		c->max_ip_len = LRO_DEFAULT_MAX_IP_LEN;
	if (c->max_slots == 0)
		c->max_slots = LRO_DEFAULT_MAX_SLOTS;
	if (c->slot_size == 0)
		c->slot_size = LRO_DEFAULT_SLOT_SIZE;
	if (c->max_flows > 65536 || c->max_ip_len > 65535 || c->max_ip_len < 128 ||
	    c->slot_size < 64)
		return -EINVAL;
	return 0;
}

struct lro_ctx *lro_ctx_create(const struct lro_conf *conf)
{
	struct lro_ctx *ctx;
	struct lro_conf c;
	int ret;

	ret = conf_resolve(conf, &c);
	if (ret == 0)
		ret = lro_dynfield_register();
	if (ret < 0) {
		rte_errno = -ret;
		return NULL;
	}
	ctx = rte_zmalloc_socket("lro_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE, c.socket_id);
	if (ctx == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ctx->max_flows = c.max_flows;
	ctx->max_held_mbufs = c.max_held_mbufs;
	ctx->timeout_cycles = c.timeout_cycles;
	ctx->max_ip_len = c.max_ip_len;
	ctx->max_frame_len = (uint32_t)c.max_slots * c.slot_size;
	ret = lro_table_init(ctx, c.socket_id);
	if (ret < 0) {
		rte_free(ctx);
		rte_errno = -ret;
		return NULL;
	}
	LRO_LOG(DEBUG, "context: %u flows, %u mbufs, timeout %" PRIu64 " cycles, ip %u, frame %u",
		ctx->max_flows, ctx->max_held_mbufs, ctx->timeout_cycles, ctx->max_ip_len,
		ctx->max_frame_len);
	return ctx;
}

void lro_ctx_free(struct lro_ctx *ctx)
{
	struct lro_flow *f;

	if (ctx == NULL)
		return;
	while ((f = lro_table_oldest(ctx)) != NULL) {
		ctx->stats.flushed_all++;
		rte_pktmbuf_free(lro_close(ctx, f));
	}
	lro_table_fini(ctx);
	rte_free(ctx);
}

static inline bool over_cap(const struct lro_ctx *ctx, const struct rte_mbuf *m)
{
	return ctx->nb_held_mbufs + m->nb_segs > ctx->max_held_mbufs;
}

/* Return the oldest aggregate to make room; only when this packet has emitted nothing yet,
 * so that a packet never emits more than LRO_OUT_PER_PKT. */
static void evict_oldest(struct lro_ctx *ctx, struct lro_out *o, uint16_t first_out)
{
	struct lro_flow *old = lro_table_oldest(ctx);

	if (old == NULL || o->n != first_out)
		return;
	ctx->stats.flushed_evicted++;
	emit(ctx, o, lro_close(ctx, old));
}

/* Merge @m into @f; returns false when the held-mbuf cap forbids it (nothing done). */
static bool try_merge(struct lro_ctx *ctx, struct lro_flow *f, const struct lro_pkt *p,
		      struct rte_mbuf *m, struct lro_out *o)
{
	bool flags_end = (p->flags & (LRO_TCP_PSH | LRO_TCP_FIN)) != 0;
	bool short_end = p->payload_len < f->mss;
	bool size_end = !lro_has_room(ctx, f->l2_len, f->ip_len + p->payload_len, f->mss);

	if (!flags_end && !short_end && !size_end && over_cap(ctx, m))
		return false;
	lro_merge(ctx, f, p, m);
	if (!(flags_end || short_end || size_end))
		return true;
	if (flags_end)
		ctx->stats.flushed_flags++;
	else if (short_end)
		ctx->stats.flushed_short++;
	else
		ctx->stats.flushed_size++;
	emit(ctx, o, lro_close(ctx, f));
	return true;
}

/* Open a new aggregate for @m (its flow has none), or pass it through. */
static __rte_noinline void open_or_pass(struct lro_ctx *ctx, const struct lro_pkt *p, struct rte_mbuf *m,
			 uint64_t now_tsc, struct lro_out *o, uint16_t first_out)
{
	struct lro_flow *f;

	if (p->flags & (LRO_TCP_PSH | LRO_TCP_FIN)) {
		ctx->stats.tcp_flags++; /* would end at once: nothing to join */
		emit(ctx, o, m);
		return;
	}
	if (!lro_has_room(ctx, p->l2_len, p->ip_len, p->payload_len))
		goto no_room;
	if (over_cap(ctx, m)) {
		ctx->stats.held_full++;
		evict_oldest(ctx, o, first_out);
		if (over_cap(ctx, m))
			goto no_room;
	}
	f = lro_table_insert(ctx, p);
	if (f == NULL) {
		ctx->stats.table_full++;
		evict_oldest(ctx, o, first_out);
		f = lro_table_insert(ctx, p);
		if (f == NULL)
			goto no_room;
	}
	lro_open(ctx, f, p, m, now_tsc);
	return;
no_room:
	ctx->stats.no_room++;
	emit(ctx, o, m);
}

struct lro_parsed {
	struct lro_pkt p;
	uint64_t *cause;
	enum lro_verdict v;
};

static void reassemble_one(struct lro_ctx *ctx, struct rte_mbuf *m, struct lro_parsed *pp,
			   uint64_t now_tsc, struct lro_out *o)
{
	const struct lro_pkt *p = &pp->p;
	uint16_t first_out = o->n;
	struct lro_flow *f;

	if (pp->v == LRO_V_PASS) {
		(*pp->cause)++;
		emit(ctx, o, m);
		return;
	}
	f = lro_table_lookup(ctx, p);
	if (pp->v == LRO_V_FLOW_ONLY) {
		(*pp->cause)++;
		if (f != NULL) { /* keep the flow's order: its aggregate leaves first */
			ctx->stats.flushed_mismatch++;
			emit(ctx, o, lro_close(ctx, f));
		}
		emit(ctx, o, m);
		return;
	}
	if (f != NULL) {
		if (lro_can_merge(ctx, f, p)) {
			if (try_merge(ctx, f, p, m, o))
				return;
			ctx->stats.held_full++;
			ctx->stats.flushed_evicted++;
		} else {
			ctx->stats.flushed_mismatch++;
		}
		emit(ctx, o, lro_close(ctx, f));
	}
	open_or_pass(ctx, p, m, now_tsc, o, first_out);
}

int lro_reassemble_burst(struct lro_ctx *ctx, struct rte_mbuf *const *pkts, uint16_t nb_pkts,
			 uint64_t now_tsc, struct rte_mbuf **out, uint16_t max_out)
{
	struct lro_out o = { .pkts = out, .n = 0 };

	if (ctx == NULL || (nb_pkts != 0 && (pkts == NULL || out == NULL)) ||
	    (uint32_t)max_out < (uint32_t)LRO_OUT_PER_PKT * nb_pkts)
		return -EINVAL;
	ctx->stats.pkts_in += nb_pkts;
	for (uint16_t i = 0; i < nb_pkts; i++) {
		struct lro_parsed pp;

		if (i + 1 < nb_pkts)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		pp.v = lro_parse(ctx, pkts[i], &pp.p, &pp.cause);
		reassemble_one(ctx, pkts[i], &pp, now_tsc, &o);
	}
	return o.n;
}

uint16_t lro_flush(struct lro_ctx *ctx, uint64_t now_tsc, struct rte_mbuf **out,
		   uint16_t max_out)
{
	struct lro_out o = { .pkts = out, .n = 0 };
	struct lro_flow *f;

	while (o.n < max_out && (f = lro_table_oldest(ctx)) != NULL) {
		if (now_tsc == LRO_FLUSH_ALL) {
			ctx->stats.flushed_all++;
		} else {
			if (now_tsc < f->start_tsc || now_tsc - f->start_tsc < ctx->timeout_cycles)
				break; /* the age list is oldest first: the rest is younger */
			ctx->stats.flushed_timeout++;
		}
		emit(ctx, &o, lro_close(ctx, f));
	}
	return o.n;
}

uint32_t lro_held_flows(const struct lro_ctx *ctx)
{
	return ctx->nb_held_flows;
}

uint32_t lro_held_mbufs(const struct lro_ctx *ctx)
{
	return ctx->nb_held_mbufs;
}

int lro_stats_get(const struct lro_ctx *ctx, struct lro_stats *stats)
{
	if (ctx == NULL || stats == NULL)
		return -EINVAL;
	*stats = ctx->stats;
	return 0;
}

void lro_stats_reset(struct lro_ctx *ctx)
{
	memset(&ctx->stats, 0, sizeof(ctx->stats));
}
