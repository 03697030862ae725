/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builder and TSO-style resegmenter for the LRO tests (see test_lro_util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lro.h"
#include "test_lro_util.h"

static inline void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
}

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)rd16(b) << 16 | rd16(b + 2);
}

/* Big-endian one's complement sum, not folded. */
static uint32_t sum16(const uint8_t *b, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(b + i);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Pseudo-header sum (addresses and protocol) without the length. */
static uint32_t phdr_sum(const uint8_t *l3, uint8_t ipver)
{
	return ipver == 4 ? sum16(l3 + 12, 8, 6) : sum16(l3 + 8, 32, 6);
}

struct tl_seg tl_seg_default(uint32_t flow, uint8_t ipver, uint16_t payload_len)
{
	struct tl_seg s = {
		.ipver = ipver, .flow = flow, .seq = 1000000u * (flow + 1), .ack = 777 + flow,
		.flags = TL_TCP_ACK, .window = 512, .ttl = 64, .tos = 0, .df = true,
		.ip_id = (uint16_t)(flow * 100), .flow_label = flow & 0xfffff, .ts = true,
		.tsval = 5000 + flow, .tsecr = 9000, .payload_len = payload_len,
		.payload_seed = (uint8_t)flow,
	};
	return s;
}

uint32_t tl_build_frame(const struct tl_seg *s, uint8_t *buf)
{
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint32_t off = 12, l3, l4, l4_len = s->ts ? 32 : 20, ip_len;
	uint8_t *th;

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	for (unsigned int i = 0; i < s->nb_vlan && i < 2; i++) {
		wr16(buf + off, s->nb_vlan == 2 && i == 0 ? 0x88a8 : 0x8100);
		wr16(buf + off + 2, s->vlan[i]);
		off += 4;
	}
	wr16(buf + off, s->ipver == 4 ? 0x0800 : 0x86dd);
	l3 = off + 2;
	if (s->ipver == 4) {
		uint8_t *ip = buf + l3;

		ip_len = 20 + l4_len + s->payload_len;
		ip[0] = 0x45;
		ip[1] = s->tos;
		wr16(ip + 2, (uint16_t)ip_len);
		wr16(ip + 4, s->ip_id);
		wr16(ip + 6, s->df ? 0x4000 : 0);
		ip[8] = s->ttl;
		ip[9] = 6;
		wr16(ip + 10, 0);
		wr32(ip + 12, 0x0a000000u | (s->flow & 0xffffff));
		wr32(ip + 16, 0x0a800001u);
		l4 = l3 + 20;
	} else {
		uint8_t *ip = buf + l3;

		ip_len = 40 + l4_len + s->payload_len;
		wr32(ip, 6u << 28 | (uint32_t)s->tos << 20 | (s->flow_label & 0xfffff));
		wr16(ip + 4, (uint16_t)(ip_len - 40));
		ip[6] = 6;
		ip[7] = s->ttl;
		memset(ip + 8, 0, 32);
		ip[8] = 0xfd;
		wr32(ip + 20, s->flow);
		ip[24] = 0xfd;
		wr32(ip + 36, 0x10001);
		l4 = l3 + 40;
	}
	th = buf + l4;
	wr16(th, (uint16_t)(1024 + s->flow % 60000));
	wr16(th + 2, 5001);
	wr32(th + 4, s->seq);
	wr32(th + 8, s->ack);
	th[12] = (uint8_t)((l4_len / 4) << 4);
	th[13] = s->flags;
	wr16(th + 14, s->window);
	wr16(th + 16, 0);
	wr16(th + 18, 0);
	if (s->ts) {
		th[20] = 1;
		th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		wr32(th + 24, s->tsval);
		wr32(th + 28, s->tsecr);
	}
	for (uint32_t i = 0; i < s->payload_len; i++)
		th[l4_len + i] = (uint8_t)((s->seq + i) * 131u + s->payload_seed);
	tl_fix_csums(buf, l3 + ip_len);
	return l3 + ip_len;
}

/* Mirrors what the engine accepts as a TCP flow (it may be stricter about merging). */
bool tl_parse(const uint8_t *f, uint32_t len, uint32_t *l3_off, uint32_t *l4_off,
	      uint32_t *payload_off, uint8_t *ipver)
{
	uint32_t off = 12, ip_len, tags = 0;
	uint16_t et;

	if (len < 14)
		return false;
	et = rd16(f + off);
	while ((et == 0x8100 || et == 0x88a8) && off + 6 <= len && tags++ < 2) {
		off += 4;
		et = rd16(f + off);
	}
	off += 2;
	if (et == 0x0800 && off + 20 <= len && f[off + 9] == 6 && (f[off] >> 4) == 4 &&
	    (f[off] & 0xfu) >= 5 && (rd16(f + off + 6) & 0x1fff) == 0) {
		*ipver = 4;
		*l4_off = off + (f[off] & 0xfu) * 4u;
		ip_len = rd16(f + off + 2);
		if (ip_len < *l4_off - off + 20)
			return false;
	} else if (et == 0x86dd && off + 40 <= len && f[off + 6] == 6 && (f[off] >> 4) == 6 &&
		   rd16(f + off + 4) >= 20) {
		*ipver = 6;
		*l4_off = off + 40;
		ip_len = 40u + rd16(f + off + 4);
	} else {
		return false;
	}
	*l3_off = off;
	if (*l4_off + 20 > len || off + ip_len > len)
		return false;
	*payload_off = *l4_off + (f[*l4_off + 12] >> 4) * 4u;
	return *payload_off <= off + ip_len;
}

void tl_fix_csums(uint8_t *f, uint32_t len)
{
	uint32_t l3, l4, pl, ip_len, sum;
	uint8_t v;

	if (!tl_parse(f, len, &l3, &l4, &pl, &v))
		return;
	if (v == 4) {
		ip_len = rd16(f + l3 + 2);
		wr16(f + l3 + 10, 0);
		wr16(f + l3 + 10, (uint16_t)~fold(sum16(f + l3, l4 - l3, 0)));
	} else {
		ip_len = 40u + rd16(f + l3 + 4);
	}
	wr16(f + l4 + 16, 0);
	sum = phdr_sum(f + l3, v) + (l3 + ip_len - l4);
	wr16(f + l4 + 16, (uint16_t)~fold(sum16(f + l4, l3 + ip_len - l4, sum)));
}

struct rte_mbuf *tl_mbuf_from_split(struct rte_mempool *mp, const uint8_t *frame, uint32_t len,
				    uint32_t seg_bytes)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	uint32_t done = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = len - done < seg_bytes ? len - done : seg_bytes;
		char *p;

		if (m == NULL || (p = rte_pktmbuf_append(m, (uint16_t)n)) == NULL) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		memcpy(p, frame + done, n);
		done += n;
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = m;
	} while (done < len);
	return head;
}

struct rte_mbuf *tl_mbuf_from(struct rte_mempool *mp, const uint8_t *frame, uint32_t len)
{
	return tl_mbuf_from_split(mp, frame, len, UINT32_MAX);
}

static int add_frame(struct tl_frame **frames, uint32_t *nb, const uint8_t *data, uint32_t len)
{
	struct tl_frame *fr = realloc(*frames, sizeof(**frames) * (*nb + 1));

	if (fr == NULL)
		return -1;
	*frames = fr;
	fr[*nb].data = malloc(len ? len : 1);
	if (fr[*nb].data == NULL)
		return -1;
	memcpy(fr[*nb].data, data, len);
	fr[*nb].len = len;
	(*nb)++;
	return 0;
}

void tl_frames_free(struct tl_frame *frames, uint32_t nb)
{
	for (uint32_t i = 0; i < nb; i++)
		free(frames[i].data);
	free(frames);
}

/* Build segment @k of an aggregate linearized in @agg into @seg; returns its length. */
static uint32_t make_segment(const struct rte_mbuf *m, const uint8_t *agg, uint32_t hdr,
			     uint32_t payload, uint32_t k, uint32_t nseg, uint8_t *seg)
{
	uint32_t mss = m->tso_segsz, l3 = m->l2_len, l4 = m->l2_len + m->l3_len;
	uint32_t plen = payload - k * mss < mss ? payload - k * mss : mss, sum;
	uint16_t partial = rd16(agg + l4 + 16);
	uint8_t *th = seg + l4;

	memcpy(seg, agg, hdr);
	memcpy(seg + hdr, agg + hdr + k * mss, plen);
	if (m->l3_len == 20) {
		uint16_t id = rd16(agg + l3 + 4);

		wr16(seg + l3 + 2, (uint16_t)(m->l3_len + m->l4_len + plen));
		wr16(seg + l3 + 4, lro_mbuf_fixed_id(m) ? id : (uint16_t)(id + k));
		wr16(seg + l3 + 10, 0);
		wr16(seg + l3 + 10, (uint16_t)~fold(sum16(seg + l3, 20, 0)));
	} else {
		wr16(seg + l3 + 4, (uint16_t)(m->l4_len + plen));
	}
	wr32(th + 4, rd32(agg + l4 + 4) + k * mss);
	if (k > 0)
		th[13] &= (uint8_t)~TL_TCP_CWR;
	if (k + 1 < nseg)
		th[13] &= (uint8_t)~(TL_TCP_PSH | TL_TCP_FIN);
	/* As TSO hardware: start from the pseudo-header sum in the field, add the length. */
	wr16(th + 16, partial);
	sum = sum16(th, m->l4_len + plen, m->l4_len + plen);
	wr16(th + 16, (uint16_t)~fold(sum));
	return hdr + plen;
}

int tl_resegment(const struct rte_mbuf *m, struct tl_frame **frames, uint32_t *nb_frames)
{
	static uint8_t agg[70000], seg[TL_MAX_FRAME];
	uint32_t len = m->pkt_len, hdr, payload, nseg;
	const uint8_t *p;

	if (len > sizeof(agg))
		return -1;
	p = rte_pktmbuf_read(m, 0, len, agg);
	if (p == NULL)
		return -1;
	if (p != agg)
		memcpy(agg, p, len);
	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
		return add_frame(frames, nb_frames, agg, len) == 0 ? 1 : -1;
	if (tl_check_aggregate(m) != 0)
		return -1;
	hdr = (uint32_t)m->l2_len + m->l3_len + m->l4_len;
	payload = len - hdr;
	nseg = (payload + m->tso_segsz - 1) / m->tso_segsz;
	for (uint32_t k = 0; k < nseg; k++) {
		uint32_t n = make_segment(m, agg, hdr, payload, k, nseg, seg);

		if (add_frame(frames, nb_frames, seg, n) != 0)
			return -1;
	}
	return (int)nseg;
}

#define FAIL(...) do { fprintf(stderr, "aggregate: " __VA_ARGS__); fputc('\n', stderr); \
		return -1; } while (0)

int tl_check_aggregate(const struct rte_mbuf *m)
{
	uint8_t first[256];
	const uint8_t *f = rte_pktmbuf_read(m, 0, m->pkt_len < 256 ? m->pkt_len : 256, first);
	uint32_t l3, l4, pl, hdr, payload, nseg, ip_len, segs = 0;
	const struct rte_mbuf *s;
	uint8_t v;

	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_NONE)
		FAIL("flags %#" PRIx64, m->ol_flags);
	for (s = m; s != NULL; s = s->next)
		segs++;
	if (segs != m->nb_segs)
		FAIL("nb_segs %u but %u mbufs", m->nb_segs, segs);
	if (f == NULL || !tl_parse(f, m->pkt_len, &l3, &l4, &pl, &v) || pl > m->data_len)
		FAIL("headers do not parse or are not in the first segment");
	hdr = pl;
	if (m->l2_len != l3 || m->l3_len != l4 - l3 || m->l4_len != pl - l4 || m->tso_segsz == 0)
		FAIL("l2/l3/l4 %u/%u/%u tso %u", m->l2_len, m->l3_len, m->l4_len, m->tso_segsz);
	ip_len = v == 4 ? rd16(f + l3 + 2) : 40u + rd16(f + l3 + 4);
	if (ip_len != m->pkt_len - l3 || ip_len > 65535)
		FAIL("ip length %u, frame %u", ip_len, m->pkt_len);
	if ((m->pkt_len + 4095) / 4096 > 18)
		FAIL("frame %u needs more than 18 slots", m->pkt_len);
	if (v == 4 && fold(sum16(f + l3, 20, 0)) != 0xffff)
		FAIL("bad IPv4 header checksum");
	if (rd16(f + l4 + 16) != fold(phdr_sum(f + l3, v)))
		FAIL("TCP checksum field %#x is not the pseudo-header sum %#x",
		     rd16(f + l4 + 16), fold(phdr_sum(f + l3, v)));
	payload = m->pkt_len - hdr;
	nseg = (payload + m->tso_segsz - 1) / m->tso_segsz;
	if (nseg < 2 || nseg != lro_mbuf_nb_segs(m))
		FAIL("%u segments by length, %u by metadata", nseg, lro_mbuf_nb_segs(m));
	return 0;
}

/* ---- shared fixture ---- */

#include "dnb_test_eal.h"

static struct rte_mempool *pool;

struct rte_mempool *tl_pool(void)
{
	if (pool != NULL)
		return pool;
	if (dnb_test_eal_init(512) != 0)
		return NULL;
	pool = rte_pktmbuf_pool_create("tl_pool", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	return pool;
}

unsigned int tl_pool_in_use(void)
{
	return pool == NULL ? 0 : rte_mempool_in_use_count(pool);
}

int tl_frames_add(struct tl_frame **frames, uint32_t *nb, const uint8_t *data, uint32_t len)
{
	return add_frame(frames, nb, data, len);
}

void tl_free_pkts(struct rte_mbuf **pkts, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}

/* Flow identity of a frame for grouping: L2 header, addresses, ports; 0 if not TCP. */
static uint64_t fnv(uint64_t h, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t frame_flow(const struct tl_frame *f)
{
	uint32_t l3, l4, pl;
	uint64_t h = 1469598103934665603ULL;
	uint8_t v;

	if (!tl_parse(f->data, f->len, &l3, &l4, &pl, &v))
		return 0;
	h = fnv(h, f->data, l3);
	if (v == 6) { /* the flow label is part of the flow, as for the engine */
		uint8_t label[3] = { f->data[l3 + 1] & 0x0f, f->data[l3 + 2], f->data[l3 + 3] };

		h = fnv(h, label, 3);
	}
	h = v == 4 ? fnv(h, f->data + l3 + 12, 8) : fnv(h, f->data + l3 + 8, 32);
	return fnv(h, f->data + l4, 4) | 1;
}

static uint64_t *flow_keys(const struct tl_frame *f, uint32_t n)
{
	uint64_t *k = malloc(sizeof(*k) * (n ? n : 1));

	for (uint32_t i = 0; k != NULL && i < n; i++)
		k[i] = frame_flow(&f[i]);
	return k;
}

static int compare_flow(const struct tl_frame *in, const uint64_t *kin, uint32_t nb_in,
			const struct tl_frame *out, const uint64_t *kout, uint32_t nb_out,
			uint64_t key)
{
	uint32_t i = 0, o = 0, k = 0;

	for (;;) {
		while (i < nb_in && kin[i] != key)
			i++;
		while (o < nb_out && kout[o] != key)
			o++;
		if (i == nb_in || o == nb_out)
			break;
		if (in[i].len != out[o].len || memcmp(in[i].data, out[o].data, in[i].len) != 0) {
			uint32_t d = 0;

			while (d < in[i].len && d < out[o].len && in[i].data[d] == out[o].data[d])
				d++;
			fprintf(stderr, "flow %#" PRIx64 ": frame %u differs (len %u vs %u, first "
				"difference at byte %u)\n", key, k, in[i].len, out[o].len, d);
			for (uint32_t b = 0; b < 80 && b < in[i].len && b < out[o].len; b++)
				fprintf(stderr, "%02x%s", in[i].data[b], b % 40 == 39 ? "\n" : "");
			fprintf(stderr, " <- in\n");
			for (uint32_t b = 0; b < 80 && b < in[i].len && b < out[o].len; b++)
				fprintf(stderr, "%02x%s", out[o].data[b], b % 40 == 39 ? "\n" : "");
			fprintf(stderr, " <- out\n");
			return -1;
		}
		i++, o++, k++;
	}
	if (i != nb_in || o != nb_out) {
		fprintf(stderr, "flow %#" PRIx64 ": %s has more frames after %u\n", key,
			i != nb_in ? "input" : "output", k);
		return -1;
	}
	return 0;
}

int tl_check_equiv(const struct tl_frame *in, uint32_t nb_in, struct rte_mbuf *const *out,
		   uint32_t nb_out)
{
	struct tl_frame *res = NULL;
	uint64_t *kin = NULL, *kres = NULL, *done = NULL;
	uint32_t nb_res = 0, nb_done = 0;
	int ret = 0;

	for (uint32_t i = 0; i < nb_out && ret == 0; i++)
		if (tl_resegment(out[i], &res, &nb_res) < 0)
			ret = -1;
	if (ret == 0 && nb_res != nb_in) {
		fprintf(stderr, "%u frames in, %u after resegmenting\n", nb_in, nb_res);
		ret = -1;
	}
	if (ret == 0) {
		kin = flow_keys(in, nb_in);
		kres = flow_keys(res, nb_res);
		done = malloc(sizeof(*done) * (nb_in ? nb_in : 1));
		if (kin == NULL || kres == NULL || done == NULL)
			ret = -1;
	}
	for (uint32_t i = 0; i < nb_in && ret == 0; i++) {
		bool seen = false;

		for (uint32_t j = 0; j < nb_done && !seen; j++)
			seen = done[j] == kin[i];
		if (seen)
			continue;
		done[nb_done++] = kin[i];
		ret = compare_flow(in, kin, nb_in, res, kres, nb_res, kin[i]);
	}
	free(kin);
	free(kres);
	free(done);
	tl_frames_free(res, nb_res);
	return ret;
}
