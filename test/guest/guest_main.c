/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnb-guest: a simulated Xen guest with one netfront vif, for the test bed. It creates its
 * domain in the simulated hypervisor, negotiates with the backend through xenstore, and
 * moves frames between the netif rings and a TAP device. One thread, one poll() loop.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <xenstore.h>

#include "xensim_dom.h"
#include "guest.h"

enum { PFD_SIG, PFD_XS, PFD_EVTCHN, PFD_TAP0 };

static int gops_grant(void *ctx, uint32_t pfn, bool readonly)
{
	struct guest *g = ctx;

	return xensim_gnttab_grant(g->dom, g->be_domid, pfn, readonly);
}

static int gops_end(void *ctx, uint32_t gref)
{
	struct guest *g = ctx;

	return xensim_gnttab_end(g->dom, gref);
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* @return true when asked to stop. */
static bool signals_read(struct guest *g, int fd)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			guest_stats_print(g, "sigusr1");
		else if (si.ssi_signo == SIGUSR2)
			guest_xenbus_toggle_xdp(g);
		else
			stop = true;
	}
	return stop;
}

/* Acknowledge every delivered event. @return true when at least one was delivered. */
static bool events_drain(struct guest *g)
{
	bool any = false;
	int port;

	while ((port = xensim_evtchn_pending(g->dom)) >= 0) {
		xensim_evtchn_unmask(g->dom, (uint32_t)port);
		any = true;
	}
	return any;
}

static unsigned int tap_queue(const struct guest *g, unsigned int t)
{
	return g->nr_queues > 0 ? t % g->nr_queues : 0;
}

/* Sleep in poll() until an event, or while --hostile-ms / --junk have work, not long. */
static int poll_timeout(const struct guest *g, bool more)
{
	if (more)
		return 0;
	if (g->opt.junk != 0)
		return 0; /* spins: reposts as soon as rsp_prod moves (yielding the CPU) */
	return g->opt.hostile_ms ? (int)g->opt.hostile_ms : -1;
}

static void run(struct guest *g, int sig_fd)
{
	struct pollfd pfd[PFD_TAP0 + GUEST_MAX_QUEUES];
	bool rx_more = false, tx_more = false;
	unsigned int t, i;
	uint64_t rng = g->opt.seed | 1;
	struct timespec last, now;

	clock_gettime(CLOCK_MONOTONIC, &last);

	pfd[PFD_SIG] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	pfd[PFD_XS] = (struct pollfd){ .fd = xs_fileno(g->xs), .events = POLLIN };
	pfd[PFD_EVTCHN] = (struct pollfd){ .fd = xensim_evtchn_fd(g->dom), .events = POLLIN };
	for (;;) {
		for (t = 0; t < g->nr_tap; t++) {
			pfd[PFD_TAP0 + t].fd = g->tap_fd[t];
			/* Stop reading the TAP while the ring has no room for a largest frame. */
			pfd[PFD_TAP0 + t].events = guest_queue_can_tx(g, tap_queue(g, t)) ? POLLIN : 0;
		}
		if (poll(pfd, PFD_TAP0 + g->nr_tap, poll_timeout(g, rx_more || tx_more)) < 0 &&
		    errno != EINTR) {
			GLOG(g, "poll: %s", strerror(errno));
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (g->opt.hostile_ms && (now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000 >= g->opt.hostile_ms) {
			guest_hostile_strike(g, &rng);
			last = now;
		}
		if ((pfd[PFD_SIG].revents & POLLIN) && signals_read(g, sig_fd))
			return;
		if (pfd[PFD_XS].revents & POLLIN)
			guest_xenbus_watch_event(g);
		if (((pfd[PFD_EVTCHN].revents & POLLIN) && events_drain(g)) || rx_more) {
			rx_more = false;
			for (i = 0; i < GUEST_MAX_QUEUES; i++)
				rx_more |= guest_queue_service(g, i);
		}
		if (g->opt.junk != 0) {
			guest_junk_fill(g);
			sched_yield(); /* the test bed's other processes come first */
		}
		tx_more = false;
		for (t = 0; t < g->nr_tap; t++)
			if (pfd[PFD_TAP0 + t].revents & POLLIN)
				tx_more |= guest_queue_tap_readable(g, tap_queue(g, t), g->tap_fd[t]);
	}
}

static int setup(struct guest *g)
{
	unsigned int pages = g->opt.queues * GUEST_QUEUE_PAGES + GUEST_CTRL_PAGES;
	unsigned int grefs = GUEST_RESERVED_GREFS + g->opt.queues * GUEST_QUEUE_GREFS +
			     GUEST_CTRL_PAGES;
	int rc;

	g->dom = xensim_dom_create(g->opt.sim_dir, g->opt.domid, pages, grefs);
	if (g->dom == NULL) {
		GLOG(g, "creating domain in %s: %s", g->opt.sim_dir, strerror(errno));
		return -errno;
	}
	g->gops.grant = gops_grant;
	g->gops.end = gops_end;
	g->gops.ctx = g;
	if (xensim_evtchn_fd(g->dom) < 0) {
		GLOG(g, "no event channel fd");
		return -EBADF;
	}
	rc = guest_tap_open(g->opt.tap, g->opt.queues, g->tap_fd);
	if (rc < 0) {
		GLOG(g, "opening TAP %s: %s", g->opt.tap, strerror(-rc));
		return rc;
	}
	g->nr_tap = (unsigned int)rc;
	if (g->nr_tap < g->opt.queues)
		GLOG(g, "TAP %s is not multi_queue: one TAP queue feeds all rings", g->opt.tap);
	(void)guest_tap_set_carrier(g->tap_fd[0], false);
	if (g->opt.have_mac) {
		/* Before the test bed configures addresses on it. */
		rc = guest_tap_set_mac_up(g->opt.tap, g->opt.mac);
		if (rc < 0)
			GLOG(g, "setting MAC on %s: %s", g->opt.tap, strerror(-rc));
	}
	return guest_xenbus_start(g);
}

int main(int argc, char **argv)
{
	struct guest *g = calloc(1, sizeof(*g));
	int rc, sig_fd;
	unsigned int t;

	if (g == NULL)
		return EXIT_FAILURE;
	rc = guest_opts_parse(argc, argv, &g->opt);
	if (rc != 0) {
		free(g);
		return rc > 0 ? EXIT_SUCCESS : 2;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	sig_fd = signals_open();
	if (sig_fd < 0) {
		GLOG(g, "signalfd: %s", strerror(errno));
		free(g);
		return EXIT_FAILURE;
	}
	rc = setup(g);
	if (rc == 0) {
		GLOG(g, "running: vif %u, TAP %s (%u queue(s))", g->opt.devid, g->opt.tap, g->nr_tap);
		run(g, sig_fd);
	}
	guest_xenbus_close(g);
	guest_stats_print(g, "exit");
	for (t = 0; t < g->nr_tap; t++)
		close(g->tap_fd[t]);
	if (g->dom != NULL)
		xensim_dom_destroy(g->dom);
	close(sig_fd);
	GLOG(g, "exit");
	free(g);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
