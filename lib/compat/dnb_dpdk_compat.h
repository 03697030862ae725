/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DNB_DPDK_COMPAT_H
#define DNB_DPDK_COMPAT_H

/**
 * @file
 * The DPDK API where the releases dpdk-netback builds against differ: DPDK 22.11 (Debian 12)
 * and 24.11 (Debian 13). This is the tree's only DPDK version test: code elsewhere calls
 * these and no `#if RTE_VERSION`. Each helper says which release changed what, so that it
 * can go when the floor passes it.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
#include <rte_thread.h>
#endif

/**
 * Add an unsigned 64-bit value to a telemetry dict.
 *
 * 23.03 renamed rte_tel_data_add_dict_u64 to rte_tel_data_add_dict_uint (the old name is
 * deprecated from then on, a warning).
 *
 * @return 0, or a negative errno (the dict is full, a bad name), as DPDK's.
 */
static inline int dnb_tel_dict_add_u64(struct rte_tel_data *d, const char *name, uint64_t val)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	return rte_tel_data_add_dict_uint(d, name, val);
#else
	return rte_tel_data_add_dict_u64(d, name, val);
#endif
}

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
/* What dnb_ctrl_thread_create hands its new thread: rte_thread's start routine returns a
 * uint32_t, the callers' a void *. Freed by the thread. */
struct dnb_ctrl_thread_start {
	void *(*fn)(void *);
	void *arg;
};

static inline uint32_t dnb_ctrl_thread_main(void *p)
{
	struct dnb_ctrl_thread_start s = *(struct dnb_ctrl_thread_start *)p;

	free(p);
	s.fn(s.arg);
	return 0;
}
#endif

/**
 * Start a control-plane thread, as DPDK starts its own: on the CPUs of the process's
 * affinity that no lcore runs on, named @p name (at most 15 characters).
 *
 * 23.11 replaced rte_ctrl_thread_create (a pthread_t) by rte_thread_create_control (an
 * rte_thread_t, whose start routine returns a uint32_t); 24.11 removed the old one. On
 * Linux an rte_thread_t holds the pthread_t, so either way the caller has a pthread_t.
 *
 * @param thread
 *   Set to the new thread, for pthread_join(*thread, NULL); the return value of @p fn is
 *   not kept.
 * @return
 *   0, or a negative errno (nothing started).
 */
static inline int dnb_ctrl_thread_create(pthread_t *thread, const char *name,
					 void *(*fn)(void *), void *arg)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	struct dnb_ctrl_thread_start *s = malloc(sizeof(*s));
	rte_thread_t t;
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	rc = rte_thread_create_control(&t, name, dnb_ctrl_thread_main, s);
	if (rc != 0) {
		free(s);
		return rc < 0 ? rc : -rc;
	}
	*thread = (pthread_t)t.opaque_id;
	return 0;
#else
	int rc = rte_ctrl_thread_create(thread, name, NULL, fn, arg);

	return rc < 0 ? rc : -rc;
#endif
}

#ifdef ALLOW_EXPERIMENTAL_API
/* librte_pcapng is experimental in 22.11: these helpers exist for the files built with
 * experimental APIs allowed (app/), and are left out of the rest, which would warn. */
#include <unistd.h>

#include <rte_pcapng.h>

/**
 * Open a pcapng writer on @p fd that can hold frames of @p port.
 *
 * 22.11's rte_pcapng_fdopen writes an interface block for every ethdev port at once; 23.03
 * added rte_pcapng_add_interface, and from then on a port's frames are written only after
 * it was added.
 *
 * @return the writer, which owns @p fd (rte_pcapng_close closes it), or NULL with rte_errno
 *   set, @p fd closed.
 */
static inline rte_pcapng_t *dnb_pcapng_open(int fd, uint16_t port, const char *appname)
{
	rte_pcapng_t *w = rte_pcapng_fdopen(fd, NULL, NULL, appname, NULL);

	if (w == NULL) {
		close(fd);
		return NULL;
	}
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	if (rte_pcapng_add_interface(w, port, NULL, NULL, NULL) < 0) {
		rte_pcapng_close(w);
		rte_errno = EIO;
		return NULL;
	}
#else
	RTE_SET_USED(port);
#endif
	return w;
}

/**
 * A frame copied for rte_pcapng_write_packets: at most @p length bytes of @p m, in an mbuf
 * of @p mp, stamped with @p tsc (22.11) or the time of the call (later releases).
 *
 * 23.03 added rte_pcapng_copy's comment argument; 23.11 dropped its timestamp one (the
 * library reads the TSC itself). In 22.11 and 24.11, rte_pcapng_write_packets does not free the copies
 * (whatever its doc says): the caller does.
 *
 * @return the copy, or NULL (@p mp empty, no room for the pcapng trailer).
 */
static inline struct rte_mbuf *dnb_pcapng_copy(uint16_t port, uint32_t queue,
					       const struct rte_mbuf *m, struct rte_mempool *mp,
					       uint32_t length, uint64_t tsc,
					       enum rte_pcapng_direction dir)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	RTE_SET_USED(tsc);
	return rte_pcapng_copy(port, queue, m, mp, length, dir, NULL);
#elif RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	return rte_pcapng_copy(port, queue, m, mp, length, tsc, dir, NULL);
#else
	return rte_pcapng_copy(port, queue, m, mp, length, tsc, dir);
#endif
}
#endif /* ALLOW_EXPERIMENTAL_API */

#endif /* DNB_DPDK_COMPAT_H */
