/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "dnb_test_eal.h"
#include "fuzz_common.h"

#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif

#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	fz_bytes(in, &v, 1);
	return v;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint8_t b[2];

	fz_bytes(in, b, sizeof(b));
	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t fz_u32(struct fz_in *in)
{
	uint8_t b[4];

	fz_bytes(in, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

void fz_bytes(struct fz_in *in, void *out, size_t n)
{
	size_t take = n < in->left ? n : in->left;

	memcpy(out, in->p, take);
	memset((uint8_t *)out + take, 0, n - take);
	in->p += take;
	in->left -= take;
}

void fz_check(bool ok, const char *what, ...)
{
	va_list ap;

	if (ok)
		return;
	fprintf(stderr, "fuzz invariant violated: ");
	va_start(ap, what);
	vfprintf(stderr, what, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void fz_quiet_logs(void)
{
	rte_log_set_level_pattern("netback.*", RTE_LOG_CRIT);
	rte_log_set_level_pattern("pmd.*", RTE_LOG_CRIT);
}

void fz_eal_init(void)
{
	/* Enough for every target's pools; no hugepages, so any user can run the fuzzers. */
	fz_check(dnb_test_eal_init(256) == 0, "EAL init failed");
	fz_quiet_logs();
}

void fz_mbuf_unpoison(struct rte_mbuf *m)
{
#ifdef FZ_ASAN
	ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
#else
	(void)m;
#endif
}

void fz_mbuf_poison_outside(struct rte_mbuf *m)
{
#ifdef FZ_ASAN
	uint8_t *buf = m->buf_addr;
	uint32_t end = (uint32_t)m->data_off + m->data_len;

	ASAN_POISON_MEMORY_REGION(buf, m->data_off);
	ASAN_POISON_MEMORY_REGION(buf + end, m->buf_len - end);
#else
	(void)m;
#endif
}

void fz_check_chain(const struct rte_mbuf *m, const char *who)
{
	const struct rte_mbuf *s;
	uint32_t sum = 0;
	uint16_t n = 0;

	for (s = m; s != NULL; s = s->next) {
		fz_check(++n <= m->nb_segs, "%s: chain longer than nb_segs %u", who, m->nb_segs);
		fz_check((uint32_t)s->data_off + s->data_len <= s->buf_len,
			 "%s: segment %u data %u+%u past its buffer of %u", who, n, s->data_off,
			 s->data_len, s->buf_len);
		sum += s->data_len;
	}
	fz_check(n == m->nb_segs, "%s: nb_segs %u but %u linked", who, m->nb_segs, n);
	fz_check(sum == m->pkt_len, "%s: pkt_len %u but data_len sum %u", who, m->pkt_len, sum);
}
