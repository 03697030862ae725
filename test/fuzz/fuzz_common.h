/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Shared pieces of the fuzz targets: a byte cursor over the fuzz input, invariant checks
 * that abort (libFuzzer records an abort as a crash, the replay runner as a failed test),
 * the EAL and log setup, and ASan poisoning of the bytes around a frame so that a read past
 * it inside a library compiled with ASan is reported even though mbufs live in DPDK memory
 * ASan does not otherwise track.
 */
#ifndef DNB_FUZZ_COMMON_H
#define DNB_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

/** The libFuzzer entry points every target defines. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** A read cursor over the fuzz input. Reads past the end yield zeros. */
struct fz_in {
	const uint8_t *p;
	size_t left;
};

static inline void fz_in_init(struct fz_in *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

static inline bool fz_more(const struct fz_in *in)
{
	return in->left > 0;
}

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
/** Copy @p n bytes into @p out (zero-filled past the end of the input). */
void fz_bytes(struct fz_in *in, void *out, size_t n);

/**
 * Abort with a message when an invariant fails. A function, not a macro hiding control
 * flow: the caller passes the condition and a description.
 */
void fz_check(bool ok, const char *what, ...) __attribute__((format(printf, 2, 3)));

/**
 * EAL (no hugepages) once per process, and library logs quieted to CRIT so the fuzzers'
 * speed is not spent on expected error lines. Aborts when the EAL cannot start.
 */
void fz_eal_init(void);

/** Quiet the project's log types (usable without the EAL). */
void fz_quiet_logs(void);

/**
 * Make the whole data room of @p m addressable again (right after allocation), or poison
 * every byte of it outside [data_off, data_off + data_len) so that a library read past the
 * frame (or before it) is an ASan report. No-ops without ASan.
 */
void fz_mbuf_unpoison(struct rte_mbuf *m);
void fz_mbuf_poison_outside(struct rte_mbuf *m);

/** Whether [p, p + len) lies inside [lo, lo + lo_len). */
static inline bool fz_within(const void *p, size_t len, const void *lo, size_t lo_len)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)lo;

	return a >= b && len <= lo_len && a - b <= lo_len - len;
}

/**
 * Sanity of a chain handed back by a library: nb_segs links, pkt_len the sum of data_len,
 * every segment's data inside its own buffer. Aborts otherwise.
 */
void fz_check_chain(const struct rte_mbuf *m, const char *who);

#endif /* DNB_FUZZ_COMMON_H */
