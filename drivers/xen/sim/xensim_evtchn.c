/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event channels of the "sim" backend handle, with Xen's semantics: per end a pending and
 * a mask bit; notify sets the peer's pending and delivers only when it was clear and the
 * peer is not masked; a delivered port stays masked until unmasked (as /dev/xen/evtchn);
 * closing either end returns the other to unbound. Delivery is a datagram naming the
 * receiver's port, sent to its AF_UNIX socket.
 *
 * Which guest port a local port is bound to is private to the handle. The guest's table
 * holds only what the guest must see (state, pending/mask bits, where to deliver), and is
 * re-checked on every use: a guest port still counts as ours only while it is
 * interdomain with our port number and our token. Binds and closes take the guest port's
 * lock and are written in the handle's record, so that a dead handle's ports can be closed
 * for it (xensim_rec.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xensim_hv_internal.h"

/* Datagrams pending() reads per call at most: a guest flooding our socket with junk
 * cannot keep the caller in the loop. */
#define PENDING_BUDGET 64

static struct xensim_hv *to_sim(struct xen_hv *hv)
{
	return (struct xensim_hv *)hv;
}

int xensim_hv_evtchn_init(struct xensim_hv *hv)
{
	int n, err;

	hv->ports = calloc(XENSIM_HV_NR_PORTS, sizeof(*hv->ports));
	if (hv->ports == NULL)
		return -ENOMEM;
	/* Named after the handle's record: the token is unique among the directory's. */
	n = snprintf(hv->sock_name, sizeof(hv->sock_name), "be%08x.evtchn", hv->rec.token);
	if (n < 0 || (size_t)n >= sizeof(hv->sock_name))
		goto err_name;
	hv->self_addr.sun_family = AF_UNIX;
	n = snprintf(hv->self_addr.sun_path, sizeof(hv->self_addr.sun_path), "%s/%s", hv->dir,
		     hv->sock_name);
	if (n < 0 || (size_t)n >= sizeof(hv->self_addr.sun_path))
		goto err_name;
	hv->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (hv->sock < 0)
		goto err_errno;
	unlink(hv->self_addr.sun_path); /* left by a dead holder of our token, long reaped */
	if (bind(hv->sock, (struct sockaddr *)&hv->self_addr, sizeof(hv->self_addr)) < 0) {
		err = errno;
		close(hv->sock);
		free(hv->ports);
		return -err;
	}
	return 0;

err_name:
	free(hv->ports);
	return -ENAMETOOLONG;
err_errno:
	err = errno;
	free(hv->ports);
	return -err;
}

static struct xensim_evtchn *port_channel(const struct xensim_port *p)
{
	return &p->dom->evtchn[p->gport];
}

/* Does the guest's end still name this binding? Reads the guest's table, once. */
static bool port_is_ours(const struct xensim_hv *hv, const struct xensim_port *p,
			 evtchn_port_t port)
{
	struct xensim_evtchn *ch = port_channel(p);

	return __atomic_load_n(&ch->state, __ATOMIC_ACQUIRE) == XENSIM_ECS_INTERDOMAIN &&
	       __atomic_load_n(&ch->remote_port, __ATOMIC_RELAXED) == port &&
	       __atomic_load_n(&ch->remote_token, __ATOMIC_RELAXED) == hv->rec.token &&
	       xensim_domain_alive(p->dom);
}

/* The binding of local @p port: -EINVAL out of range, -ENOTCONN when not bound. */
static int port_lookup(struct xensim_hv *hv, evtchn_port_t port, struct xensim_port **out)
{
	if (port == 0 || port >= XENSIM_HV_NR_PORTS)
		return -EINVAL;
	if (hv->ports[port].dom == NULL)
		return -ENOTCONN;
	*out = &hv->ports[port];
	return 0;
}

static void port_release(struct xensim_port *p)
{
	xensim_domain_put(p->dom);
	memset(p, 0, sizeof(*p));
}

static int port_alloc(struct xensim_hv *hv)
{
	int port;

	for (port = 1; port < (int)XENSIM_HV_NR_PORTS; port++)
		if (hv->ports[port].dom == NULL)
			return port;
	return -ENOSPC;
}

/* Claim the guest's unbound port for us, or -EINVAL as Xen's evtchn_bind_interdomain
 * (-EBUSY: it is bound to a holder, maybe a dead one). Under the port's lock: only its
 * holder puts a port in XENSIM_ECS_BINDING. */
static int channel_claim(struct xensim_hv *hv, struct xensim_evtchn *ch, evtchn_port_t lport)
{
	uint32_t state = XENSIM_ECS_UNBOUND;

	if (!__atomic_compare_exchange_n(&ch->state, &state, XENSIM_ECS_BINDING, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return state == XENSIM_ECS_INTERDOMAIN ? -EBUSY : -EINVAL;
	if (__atomic_load_n(&ch->remote_domid, __ATOMIC_ACQUIRE) != 0) {
		__atomic_store_n(&ch->state, XENSIM_ECS_UNBOUND, __ATOMIC_RELEASE);
		return -EINVAL;
	}
	__atomic_store_n(&ch->remote_port, lport, __ATOMIC_RELAXED);
	__atomic_store_n(&ch->remote_token, hv->rec.token, __ATOMIC_RELAXED);
	memcpy(ch->remote_sock, hv->sock_name, sizeof(ch->remote_sock));
	__atomic_store_n(&ch->pending[XENSIM_END_REMOTE], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ch->mask[XENSIM_END_REMOTE], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ch->queued[XENSIM_END_REMOTE], 0, __ATOMIC_RELAXED);
	/* The guest may have closed the port meanwhile: then the bind fails. */
	state = XENSIM_ECS_BINDING;
	if (!__atomic_compare_exchange_n(&ch->state, &state, XENSIM_ECS_INTERDOMAIN, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -EINVAL;
	return 0;
}

/* Claim guest port @p rport of @p d for local port @p lport, written in the record
 * first: if we die after the claim, the reaper closes the port. */
static int port_claim(struct xensim_hv *hv, struct xensim_domain *d, evtchn_port_t rport,
		      evtchn_port_t lport)
{
	struct xensim_rec_entry *e = &hv->rec.f->ports[lport];
	int rc;

	xensim_lock(&hv->rec, d, XENSIM_LOCK_PORT, rport);
	xensim_rec_set(e, d, rport, XENSIM_REC_PORT);
	rc = channel_claim(hv, &d->evtchn[rport], lport);
	if (rc < 0)
		xensim_rec_clear(e);
	xensim_unlock(&hv->rec, d, XENSIM_LOCK_PORT, rport);
	return rc;
}

int xensim_hv_evtchn_bind(struct xen_hv *base, uint32_t domid, evtchn_port_t rport)
{
	struct xensim_hv *hv = to_sim(base);
	struct sockaddr_un guest_addr = { .sun_family = AF_UNIX };
	struct xensim_domain *d;
	struct xensim_port *p;
	int lport, rc;

	if (domid > UINT16_MAX)
		return -ESRCH;
	d = xensim_hv_domain(hv, (uint16_t)domid);
	if (d == NULL)
		return -ESRCH; /* Xen: rcu_lock_domain_by_id() failed */
	if (rport == 0 || rport >= XENSIM_NR_PORTS)
		return -EINVAL;
	lport = port_alloc(hv);
	if (lport < 0)
		return lport;
	rc = xensim_dom_path(guest_addr.sun_path, sizeof(guest_addr.sun_path), hv->dir,
			     d->domid, "evtchn");
	if (rc < 0)
		return rc;
	rc = port_claim(hv, d, rport, (evtchn_port_t)lport);
	/* Bound to a holder that died: the kernel would have closed its end by now. */
	if (rc == -EBUSY &&
	    hv->rec.reap(hv->dir, __atomic_load_n(&d->evtchn[rport].remote_token,
						    __ATOMIC_RELAXED)) == 1)
		rc = port_claim(hv, d, rport, (evtchn_port_t)lport);
	if (rc < 0)
		return rc == -EBUSY ? -EINVAL : rc;
	xensim_domain_hold(d);
	p = &hv->ports[lport];
	p->dom = d;
	p->gport = rport;
	p->guest_addr = guest_addr;
	/* Xen sets the new local port pending: notifications sent to the unbound port may
	 * have been lost. */
	if (xensim_evtchn_raise(port_channel(p), XENSIM_END_REMOTE))
		xensim_evtchn_send(hv->sock, &hv->self_addr, (uint32_t)lport);
	return lport;
}

void xensim_hv_port_close(struct xensim_rec *rec, struct xensim_domain *d, uint32_t gport,
			  uint32_t lport)
{
	xensim_lock(rec, d, XENSIM_LOCK_PORT, gport);
	/* Xen's evtchn_close: the peer goes back to unbound, bindable by dom0 again. */
	xensim_evtchn_unbind_remote(&d->evtchn[gport], rec->token, lport);
	xensim_rec_clear(&rec->f->ports[lport]);
	xensim_unlock(rec, d, XENSIM_LOCK_PORT, gport);
}

int xensim_hv_evtchn_unbind(struct xen_hv *base, evtchn_port_t port)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_port *p;
	int rc;

	rc = port_lookup(hv, port, &p);
	if (rc < 0)
		return rc;
	xensim_hv_port_close(&hv->rec, p->dom, p->gport, port);
	port_release(p);
	return 0;
}

int xensim_hv_evtchn_notify(struct xen_hv *base, evtchn_port_t port)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_port *p;
	uint32_t state;
	int rc;

	rc = port_lookup(hv, port, &p);
	if (rc < 0)
		return rc;
	state = __atomic_load_n(&port_channel(p)->state, __ATOMIC_ACQUIRE);
	if (state > XENSIM_ECS_BINDING)
		return -EINVAL; /* not a state the guest may write: a corrupt table */
	/* The guest closed its end (or died): ours is unbound, and Xen drops the send. */
	if (!port_is_ours(hv, p, port))
		return 0;
	if (xensim_evtchn_raise(port_channel(p), XENSIM_END_GUEST)) {
		rc = xensim_evtchn_send(hv->sock, &p->guest_addr, p->gport);
		/* Not delivered (guest socket gone or full): stay pending, deliverable again. */
		if (rc < 0)
			__atomic_store_n(&port_channel(p)->queued[XENSIM_END_GUEST], 0,
					 __ATOMIC_SEQ_CST);
	}
	return 0;
}

int xensim_hv_evtchn_fd(struct xen_hv *base)
{
	return to_sim(base)->sock;
}

int xensim_hv_evtchn_pending(struct xen_hv *base)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_port *p;
	uint32_t port;
	ssize_t n;
	int i;

	for (i = 0; i < PENDING_BUDGET; i++) {
		n = recv(hv->sock, &port, sizeof(port), MSG_DONTWAIT);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		/* Anyone able to write to the directory can send: ignore what is not ours. */
		if (n != (ssize_t)sizeof(port) || port_lookup(hv, port, &p) < 0)
			continue;
		if (port_is_ours(hv, p, port))
			xensim_evtchn_take(port_channel(p), XENSIM_END_REMOTE);
		return (int)port;
	}
	return -EAGAIN;
}

int xensim_hv_evtchn_unmask(struct xen_hv *base, evtchn_port_t port)
{
	struct xensim_hv *hv = to_sim(base);
	struct xensim_port *p;
	int rc;

	rc = port_lookup(hv, port, &p);
	if (rc < 0)
		return rc;
	if (port_is_ours(hv, p, port) &&
	    xensim_evtchn_unmask_end(port_channel(p), XENSIM_END_REMOTE))
		xensim_evtchn_send(hv->sock, &hv->self_addr, port);
	return 0;
}

void xensim_hv_evtchn_fini(struct xensim_hv *hv)
{
	evtchn_port_t port;

	for (port = 1; port < XENSIM_HV_NR_PORTS; port++)
		if (hv->ports[port].dom != NULL)
			xensim_hv_evtchn_unbind(&hv->base, port);
	close(hv->sock);
	unlink(hv->self_addr.sun_path);
	free(hv->ports);
}
