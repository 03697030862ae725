/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnb-xenstored: a small xenstore daemon for the dpdk-netback test bed, where there is no
 * Xen and Debian's oxenstored cannot start.
 *
 * It speaks the xenstore wire protocol of <xen/io/xs_wire.h> on Unix stream sockets, so
 * the unmodified libxenstore reaches it: set XENSTORED_PATH to the socket (xs_open()
 * connects to that path when it is a socket).
 *
 * Domains: clients of --socket act as dom0 (privileged). Each --domain-socket DOMID:PATH
 * opens one more socket whose clients act as domain DOMID: relative paths resolve below
 * /local/domain/DOMID, nodes they create are owned by DOMID, and node permissions ("n0",
 * "r5", ... as xenstored's) are enforced on them, as Xen enforces them on a guest's
 * xenbus connection. A simulated guest reaches its own socket with
 * XENSTORED_PATH=<its PATH>. The domid comes from the socket, never from the client.
 *
 * Single-threaded poll() loop; see xsd_conn.h for the per-client output bound.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xsd_conn.h"
#include "xsd_listen.h"
#include "xsd_log.h"
#include "xsd_ops.h"
#include "xsd_server.h"

/* Requests handled per connection per loop turn, so one busy client cannot starve others. */
#define XSD_BUDGET 64
#define XSD_MAX_LISTENERS 64

struct xsd_opts {
	struct xsd_listener listeners[XSD_MAX_LISTENERS];
	uint32_t nr_listeners;
	const char *pid_file;
	const char *log_file;
	bool verbose;
	struct xsd_conn_limits lim;
	uint32_t max_nodes;
	uint32_t max_conns;
	/* sockets to open, from the command line */
	const char *paths[XSD_MAX_LISTENERS];
	uint32_t domids[XSD_MAX_LISTENERS];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: dnb-xenstored --socket PATH [OPTION]...\n"
		"A xenstore daemon for the dpdk-netback test bed (xs_wire.h protocol on Unix\n"
		"sockets; point libxenstore at it with XENSTORED_PATH=PATH).\n"
		"\n"
		"  --socket PATH             listen on PATH; its clients act as dom0 (required)\n"
		"  --domain-socket ID:PATH   also listen on PATH; its clients act as guest domain\n"
		"                            ID (1..32751): relative paths resolve below\n"
		"                            /local/domain/ID and node permissions apply to them.\n"
		"                            Repeat for each simulated guest.\n"
		"  --pid-file FILE           write the pid to FILE once the sockets listen\n"
		"  --log FILE                append the log to FILE instead of stderr\n"
		"  -v, --verbose             log every request\n"
		"  --max-queue BYTES         output a client may leave unread before it is\n"
		"                            disconnected (default 262144)\n"
		"  --max-watches N           watches per connection (default 128)\n"
		"  --max-transactions N      open transactions per connection (default 10)\n"
		"  --max-nodes N             nodes in the store (default 100000)\n"
		"  --max-connections N       simultaneous clients (default 256)\n"
		"  -h, --help                this text\n"
		"\n"
		"SIGTERM or SIGINT stops the daemon and removes its sockets and pid file.\n");
}

/* Parse an unsigned number in [min, max] for option @name; exits with a message naming it. */
static unsigned long parse_num(const char *name, const char *arg, unsigned long min,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "dnb-xenstored: option %s: '%s' is not a number in %lu..%lu\n",
			name, arg, min, max);
		exit(2);
	}
	return v;
}

static void add_socket(struct xsd_opts *o, const char *name, const char *path, uint32_t domid)
{
	if (o->nr_listeners == XSD_MAX_LISTENERS) {
		fprintf(stderr, "dnb-xenstored: option %s: more than %d sockets\n", name,
			XSD_MAX_LISTENERS);
		exit(2);
	}
	if (path[0] == '\0') {
		fprintf(stderr, "dnb-xenstored: option %s: empty path\n", name);
		exit(2);
	}
	o->paths[o->nr_listeners] = path;
	o->domids[o->nr_listeners++] = domid;
}

static void parse_domain_socket(struct xsd_opts *o, char *arg)
{
	char *colon = strchr(arg, ':');

	if (colon == NULL) {
		fprintf(stderr, "dnb-xenstored: option --domain-socket: '%s' is not DOMID:PATH\n",
			arg);
		exit(2);
	}
	*colon = '\0';
	add_socket(o, "--domain-socket", colon + 1,
		   (uint32_t)parse_num("--domain-socket", arg, 1, 0x7fef));
}

enum {
	OPT_SOCKET = 256, OPT_DOMAIN_SOCKET, OPT_PID_FILE, OPT_LOG, OPT_MAX_QUEUE,
	OPT_MAX_WATCHES, OPT_MAX_TXNS, OPT_MAX_NODES, OPT_MAX_CONNS,
};

static void parse_args(int argc, char **argv, struct xsd_opts *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "domain-socket", required_argument, NULL, OPT_DOMAIN_SOCKET },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-queue", required_argument, NULL, OPT_MAX_QUEUE },
		{ "max-watches", required_argument, NULL, OPT_MAX_WATCHES },
		{ "max-transactions", required_argument, NULL, OPT_MAX_TXNS },
		{ "max-nodes", required_argument, NULL, OPT_MAX_NODES },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_socket = false;
	int opt;

	opterr = 0; /* our own messages name the option */
	while ((opt = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SOCKET:
			if (have_socket) {
				fprintf(stderr, "dnb-xenstored: option --socket given twice\n");
				exit(2);
			}
			have_socket = true;
			add_socket(o, "--socket", optarg, 0);
			break;
		case OPT_DOMAIN_SOCKET: parse_domain_socket(o, optarg); break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_LOG: o->log_file = optarg; break;
		case 'v': o->verbose = true; break;
		case OPT_MAX_QUEUE:
			/* at least one full message must fit */
			o->lim.out_limit = parse_num("--max-queue", optarg,
						     2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX),
						     1ul << 30);
			break;
		case OPT_MAX_WATCHES:
			o->lim.max_watches = (uint32_t)parse_num("--max-watches", optarg, 1, 65536);
			break;
		case OPT_MAX_TXNS:
			o->lim.max_txns = (uint32_t)parse_num("--max-transactions", optarg, 1, 1024);
			break;
		case OPT_MAX_NODES:
			o->max_nodes = (uint32_t)parse_num("--max-nodes", optarg, 16, 100000000);
			break;
		case OPT_MAX_CONNS:
			o->max_conns = (uint32_t)parse_num("--max-connections", optarg, 1, 65536);
			break;
		case 'h': usage(stdout); exit(0);
		case ':':
			fprintf(stderr, "dnb-xenstored: option %s needs an argument\n", argv[optind - 1]);
			exit(2);
		default:
			if (optopt != 0)
				fprintf(stderr, "dnb-xenstored: unknown option '-%c' (see --help)\n",
					optopt);
			else
				fprintf(stderr, "dnb-xenstored: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dnb-xenstored: unexpected argument '%s' (see --help)\n", argv[optind]);
		exit(2);
	}
	if (!have_socket) {
		fprintf(stderr, "dnb-xenstored: option --socket PATH is required (see --help)\n");
		exit(2);
	}
}

static void accept_clients(struct xsd_server *s, const struct xsd_listener *l,
			   const struct xsd_opts *o)
{
	struct xsd_conn *c;
	int fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				xsd_log(XSD_LOG_WARN, "accept on %s: %s", l->path, strerror(errno));
			return;
		}
		if (s->nr_conns >= o->max_conns) {
			xsd_log(XSD_LOG_WARN, "refusing a client on %s: %u connections open",
				l->path, s->nr_conns);
			close(fd);
			continue;
		}
		c = xsd_conn_new(fd, l->domid, ++s->next_conn_id, &o->lim);
		if (c == NULL) {
			xsd_log(XSD_LOG_ERR, "out of memory for a new connection");
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->nr_conns++;
		xsd_log(XSD_LOG_DEBUG, "conn %u (domid %u): connected on %s", c->id, c->domid,
			l->path);
	}
}

static void reap_dead(struct xsd_server *s)
{
	struct xsd_conn **pp = &s->conns, *c;

	while ((c = *pp) != NULL) {
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		xsd_conn_free(c);
		s->nr_conns--;
	}
}

/* (Re)build the poll set: listeners first, then one slot per connection, in list order. */
static struct pollfd *build_pollset(struct xsd_server *s, const struct xsd_opts *o,
				    struct pollfd *fds, size_t *cap, nfds_t *nfds)
{
	size_t need = o->nr_listeners + s->nr_conns, n = 0;
	struct xsd_conn *c;
	uint32_t i;

	if (need > *cap) {
		struct pollfd *p = realloc(fds, need * sizeof(*p));

		if (p == NULL)
			return NULL;
		fds = p;
		*cap = need;
	}
	for (i = 0; i < o->nr_listeners; i++)
		fds[n++] = (struct pollfd){ .fd = o->listeners[i].fd, .events = POLLIN };
	for (c = s->conns; c != NULL; c = c->next) {
		fds[n] = (struct pollfd){ .fd = c->fd };
		if (xsd_conn_wants_input(c))
			fds[n].events |= POLLIN;
		if (c->out_head != NULL)
			fds[n].events |= POLLOUT;
		n++;
	}
	*nfds = (nfds_t)n;
	return fds;
}

static void serve_conns(struct xsd_server *s, const struct pollfd *fds)
{
	struct xsd_conn *c;

	for (c = s->conns; c != NULL; c = c->next, fds++) {
		if (fds->revents & POLLNVAL)
			xsd_conn_kill(c, "invalid descriptor");
		if (fds->revents & POLLOUT)
			xsd_conn_flush(c);
		if (fds->revents & (POLLIN | POLLHUP | POLLERR))
			xsd_conn_receive(c, XSD_BUDGET, xsd_ops_handle, s);
	}
	/* Replies and events just queued, for any connection: push them out now. */
	for (c = s->conns; c != NULL; c = c->next)
		if (c->out_head != NULL)
			xsd_conn_flush(c);
}

static int run(struct xsd_server *s, const struct xsd_opts *o, const sigset_t *run_mask)
{
	struct pollfd *fds = NULL, *p;
	size_t cap = 0;
	nfds_t nfds;
	uint32_t i;
	int rc = 0;

	while (stop_signal == 0) {
		p = build_pollset(s, o, fds, &cap, &nfds);
		if (p == NULL) {
			xsd_log(XSD_LOG_ERR, "out of memory for the poll set");
			rc = -ENOMEM;
			break;
		}
		fds = p;
		/* Signals are blocked except inside ppoll: no lost wake-up. */
		if (ppoll(fds, nfds, NULL, run_mask) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			xsd_log(XSD_LOG_ERR, "poll: %s", strerror(errno));
			break;
		}
		/* Connections first, while the list still matches the poll slots. */
		serve_conns(s, fds + o->nr_listeners);
		for (i = 0; i < o->nr_listeners; i++)
			if (fds[i].revents & POLLIN)
				accept_clients(s, &o->listeners[i], o);
		reap_dead(s);
	}
	free(fds);
	return rc;
}

static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) == 0 ? 0 : -errno;
}

/*
 * Guests' sockets first, dom0's last: once the --socket file exists (what a launcher
 * waits for), every socket accepts connections.
 */
static int open_listeners(struct xsd_opts *o)
{
	uint32_t i, pass;
	int rc;

	for (i = 0; i < o->nr_listeners; i++)
		o->listeners[i].fd = -1;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < o->nr_listeners; i++) {
			if ((o->domids[i] == 0) != (pass == 1))
				continue;
			rc = xsd_listen_open(&o->listeners[i], o->paths[i], o->domids[i]);
			if (rc != 0) {
				xsd_log(XSD_LOG_ERR, "cannot listen on %s: %s", o->paths[i],
					strerror(-rc));
				return rc;
			}
			xsd_log(XSD_LOG_INFO, "listening on %s as domid %u", o->paths[i],
				o->domids[i]);
		}
	}
	return 0;
}

/* Block the stop signals (they are let through only inside ppoll) and install handlers. */
static void setup_signals(sigset_t *run_mask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t stop;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, run_mask);
	sigdelset(run_mask, SIGTERM);
	sigdelset(run_mask, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void shutdown_server(struct xsd_server *s, struct xsd_opts *o)
{
	struct xsd_conn *c;
	uint32_t i;

	while ((c = s->conns) != NULL) {
		s->conns = c->next;
		xsd_conn_free(c);
	}
	for (i = 0; i < o->nr_listeners; i++)
		xsd_listen_close(&o->listeners[i]);
	if (o->pid_file != NULL)
		unlink(o->pid_file);
	xsd_tree_free(s->tree);
}

int main(int argc, char **argv)
{
	static struct xsd_opts opts = {
		.lim = { .out_limit = 262144, .max_watches = 128, .max_txns = 10 },
		.max_nodes = 100000,
		.max_conns = 256,
	};
	static struct xsd_server server;
	sigset_t run_mask;
	int rc;

	parse_args(argc, argv, &opts);
	if (opts.log_file != NULL && (rc = xsd_log_open(opts.log_file)) != 0) {
		fprintf(stderr, "dnb-xenstored: option --log: cannot open '%s': %s\n",
			opts.log_file, strerror(-rc));
		return 1;
	}
	xsd_log_set_verbose(opts.verbose);
	setup_signals(&run_mask);
	server.tree = xsd_tree_create(opts.max_nodes, &server.gen);
	if (server.tree == NULL) {
		xsd_log(XSD_LOG_ERR, "out of memory");
		return 1;
	}
	xsd_server_set_introduced(&server, 0, true);
	rc = open_listeners(&opts);
	if (rc == 0 && opts.pid_file != NULL && (rc = write_pid_file(opts.pid_file)) != 0)
		xsd_log(XSD_LOG_ERR, "cannot write --pid-file %s: %s", opts.pid_file,
			strerror(-rc));
	if (rc == 0)
		rc = run(&server, &opts, &run_mask);
	if (stop_signal != 0)
		xsd_log(XSD_LOG_INFO, "signal %d: shutting down", (int)stop_signal);
	shutdown_server(&server, &opts);
	xsd_log_close();
	return rc == 0 ? 0 : 1;
}
