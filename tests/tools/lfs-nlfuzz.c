// SPDX-License-Identifier: GPL-2.0
/*
 * lfs-nlfuzz: seeded fuzzer of the layerfs generic netlink family, over
 * raw AF_NETLINK/NETLINK_GENERIC sockets (no libnl).
 *
 *   lfs-nlfuzz [-s SEED] [-n COUNT] [-d DIR] [-k DIRS] [-e EVERY]
 *              [-t SECONDS] [-v] [--nonroot [--strict-eperm]] [--cleanup]
 *
 * -t stops sending new messages after SECONDS (and says after how many).
 *
 * Each message starts as a valid template of one command (LAYER_ADD,
 * LAYER_DEL, LAYER_GET and its dump, VIEW_GET, VIEW_COMMIT, or an unknown
 * command), built from what the registry holds (layer names and ids, view
 * ids read at start) and from scratch directories DIR/0 .. DIR/DIRS-1
 * (created here), and is then mutated or not: attributes retyped, dropped,
 * duplicated, added (unknown types), truncated, re-lengthed, flattened,
 * nested deeper; strings made huge, NUL-less or with embedded NULs;
 * integers of the wrong size; random header flags, lengths, commands,
 * versions; several messages in one send; raw random bytes.
 *
 * As root (default) it checks that the registry changes only through
 * requests the kernel acknowledged with success: after each such request
 * of a changing command (and each EVERY messages, and at the end) it dumps
 * the layers and compares them with its model: the layers at start plus
 * the layers whose ADD (or VIEW_COMMIT) replies it received minus the ones
 * a successful DEL removed (a DEL may remove exactly one layer that no view
 * and no layer used).  Replies are checked to be well-formed netlink.
 * --cleanup deletes, at the end, every layer that did not exist at start
 * (children first) and checks the registry is back to its start.
 *
 * --nonroot: the fuzzing runs in children without privilege (uid/gid
 * 65534): one opens a socket as root and then drops privilege (the sender
 * is unprivileged), one opens its socket after dropping it; and the parent
 * (root) sends through a socket a third, unprivileged, child opened (the
 * opener is unprivileged), without a destination address, as write(2)
 * would: netlink checks the opener only then (with an explicit address
 * only the sender counts, by design of netlink_capable()).  No message may succeed; every message that
 * reaches one of the family's operations must fail with EPERM; the
 * registry must not change.
 *
 * Prints "# ..." progress and figures and "nlfuzz: PASS ..." or
 * "nlfuzz: FAIL ..." last; exits 0 on PASS.  Failures name the message
 * index: rerun with the same seed and -n INDEX+1 -e 1 -v to reproduce.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/layerfs.h>

#include "lfs-common.h"
#include "lfs-fuzz.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MSG_MAX		(256 * 1024)	/* one send: messages and padding */
#define RX_MAX		(256 * 1024)
#define NODES_MAX	256
#define ARENA_MAX	(512 * 1024)
#define LAYERS_MAX	4096
#define VIEWS_MAX	64
#define NOBODY		65534

/* An attribute of @rem remaining bytes is whole. */
#define NLA_OK(a, rem) ((rem) >= (int)NLA_HDRLEN &&			\
			(a)->nla_len >= NLA_HDRLEN && (a)->nla_len <= (rem))
/* The attribute after @a; @rem is reduced by @a's aligned length. */
#define NLA_NEXT(a, rem) ((rem) -= NLA_ALIGN((a)->nla_len),		\
			  (void *)((char *)(a) + NLA_ALIGN((a)->nla_len)))

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nlfuzz: FAIL ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static bool verbose;
static double budget;		/* seconds of fuzzing, 0: no limit */
static double t_start;


/* ------------------------------------------------------------------ */
/* Attribute trees: built from templates, mutated, then serialised. */

struct node {
	uint16_t type;		/* nla_type, flag bits included */
	bool nest;		/* children, not data */
	int child, next;	/* first child, next sibling: indexes or -1 */
	const uint8_t *data;
	uint32_t len;
	int len_delta;		/* added to the nla_len written */
};

static struct node nodes[NODES_MAX];
static int nnodes;
static uint8_t arena[ARENA_MAX];
static size_t arena_used;

static void tree_reset(void)
{
	nnodes = 0;
	arena_used = 0;
}

static uint8_t *arena_alloc(size_t len)
{
	uint8_t *p;

	if (arena_used + len > ARENA_MAX)
		return NULL;
	p = arena + arena_used;
	arena_used += (len + 7) & ~(size_t)7;
	return p;
}

/* A new node appended to the list whose head is *head; -1 if full. */
static int node_add(int *head, uint16_t type)
{
	int i, *link = head;

	if (nnodes == NODES_MAX)
		return -1;
	i = nnodes++;
	nodes[i] = (struct node){ .type = type, .child = -1, .next = -1 };
	while (*link >= 0)
		link = &nodes[*link].next;
	*link = i;
	return i;
}

static int put_bytes(int *head, uint16_t type, const void *data, size_t len)
{
	int i = node_add(head, type);
	uint8_t *p;

	if (i < 0)
		return -1;
	p = arena_alloc(len);
	if (!p) {
		nodes[i].len = 0;
		return i;
	}
	memcpy(p, data, len);
	nodes[i].data = p;
	nodes[i].len = len;
	return i;
}

static int put_str(int *head, uint16_t type, const char *s)
{
	return put_bytes(head, type, s, strlen(s) + 1);
}

static int put_u32(int *head, uint16_t type, uint32_t v)
{
	return put_bytes(head, type, &v, sizeof(v));
}

static int put_u64(int *head, uint16_t type, uint64_t v)
{
	return put_bytes(head, type, &v, sizeof(v));
}

static int put_nest(int *head, uint16_t type)
{
	int i = node_add(head, type | NLA_F_NESTED);

	if (i >= 0)
		nodes[i].nest = true;
	return i;
}

/* Serialise the list at @head into @buf; returns bytes written. */
static size_t tree_write(int head, uint8_t *buf, size_t cap, int depth)
{
	size_t off = 0;
	int i;

	for (i = head; i >= 0; i = nodes[i].next) {
		struct node *n = &nodes[i];
		struct nlattr *nla;
		size_t body;

		if (off + NLA_HDRLEN > cap || depth > 64)
			break;
		nla = (struct nlattr *)(buf + off);
		if (n->nest) {
			body = tree_write(n->child, buf + off + NLA_HDRLEN,
					  cap - off - NLA_HDRLEN, depth + 1);
		} else {
			body = n->len;
			if (off + NLA_HDRLEN + body > cap)
				body = cap - off - NLA_HDRLEN;
			if (body)
				memcpy(buf + off + NLA_HDRLEN, n->data, body);
		}
		nla->nla_type = n->type;
		nla->nla_len = (uint16_t)(NLA_HDRLEN + body + n->len_delta);
		off += NLA_ALIGN(NLA_HDRLEN + body);
		if (off > cap)
			off = cap;
	}
	return off;
}

/* ------------------------------------------------------------------ */
/* What the fuzzer knows: the registry model, views, directories. */

struct layer {
	uint64_t id;
	char name[LAYERFS_NAME_MAX + 1];
	uint32_t views, children;
	bool present;
};

static struct layer model[LAYERS_MAX];	/* expected registry */
static int nmodel;
static struct layer start_layers[LAYERS_MAX];
static int nstart;
static uint64_t view_ids[VIEWS_MAX];
static int nviews;
static uint64_t max_id_seen;
/* Layers made by successful commits: in use by their view until unmounted. */
static uint64_t commit_ids[LAYERS_MAX];
static int ncommits;

static const char *dir = "/tmp/nlfuzz";
static unsigned int ndirs = 32;
static char *dir_paths[1024];
static char *file_path, *link_path, *long_path;
static unsigned long name_seq;

static uint16_t fam_id;
/* GENL_CMD_CAP_DO / _DUMP of each command the family implements. */
static uint32_t fam_ops[256];
#define OP_KNOWN (1u << 31)

/* Fill @buf with n bytes of a random printable (or not) string. */
static void rnd_fill(char *buf, size_t n, bool printable)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = printable ? (char)('a' + lfs_rnd(26)) : (char)(1 + lfs_rnd(255));
}

/* A layer name: fresh valid, existing, or invalid. */
static const char *pick_name(char *buf, size_t cap, bool fresh)
{
	static const char *const invalid[] = {
		"", "A", "a//b", "a:", ":t", "a..b", "-a", "a/", "/a", "a b",
		"a\tb", "a:\xff", "a:.t", "a:-t", "../x", "a___b", "a/../b",
		"base:latest", "\xc3\xa9", "a:tag:tag",
	};
	size_t n;

	if (!fresh && nmodel && lfs_chance(70)) {
		snprintf(buf, cap, "%s", model[lfs_rnd(nmodel)].name);
		return buf;
	}
	switch (lfs_rnd(fresh ? 8 : 10)) {
	case 0:
		snprintf(buf, cap, "nlfuzz/n%lu:t%lu", name_seq, lfs_rnd64() % 1000);
		break;
	case 1:	/* 255 or 256 bytes */
		n = LAYERFS_NAME_MAX + lfs_rnd(2);
		if (n >= cap)
			n = cap - 1;
		memcpy(buf, "nlfuzz-", 7);
		rnd_fill(buf + 7, n - 7, true);
		buf[n] = '\0';
		break;
	case 8:
	case 9:
		snprintf(buf, cap, "%s", invalid[lfs_rnd(ARRAY_SIZE(invalid))]);
		break;
	default:
		snprintf(buf, cap, "nlfuzz-%lu", name_seq);
		break;
	}
	name_seq++;
	return buf;
}

static const char *pick_path(void)
{
	static const char *const odd[] = {
		"", "relative/dir", "/", "/proc/self", "/sys", "/dev",
		"/nonexistent/dir", ".", "..", "/tmp/../tmp",
	};

	switch (lfs_rnd(16)) {
	case 0:
		return odd[lfs_rnd(ARRAY_SIZE(odd))];
	case 1:
		return file_path;
	case 2:
		return link_path;
	case 3:
		return long_path;
	default:
		return dir_paths[lfs_rnd(ndirs)];
	}
}

static uint64_t pick_id(void)
{
	if (nmodel && lfs_chance(75))
		return model[lfs_rnd(nmodel)].id;
	switch (lfs_rnd(4)) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return max_id_seen + 1 + lfs_rnd(3);
	default:
		return lfs_rnd64();
	}
}

/* A text for AUTHOR or MESSAGE, sometimes at or past the limit. */
static void put_text(int *head, uint16_t type)
{
	static char big[LAYERFS_TEXT_MAX + 2];
	size_t n;

	switch (lfs_rnd(8)) {
	case 0:
		n = LAYERFS_TEXT_MAX + lfs_rnd(2);
		break;
	case 1:
		n = 0;
		break;
	default:
		n = 1 + lfs_rnd(40);
		break;
	}
	rnd_fill(big, n, true);
	big[n] = '\0';
	put_str(head, type, big);
}

/* ------------------------------------------------------------------ */
/* Templates. */

struct msgdesc {
	uint8_t cmd;
	uint16_t flags;
	int top;		/* attribute list */
	const char *what;
};

static void tmpl_layer_add(struct msgdesc *m)
{
	char name[LAYERFS_NAME_MAX + 8];
	int nest;

	m->what = "LAYER_ADD";
	nest = put_nest(&m->top, LAYERFS_A_LAYER);
	put_str(&nodes[nest].child, LAYERFS_LAYER_A_NAME,
		pick_name(name, sizeof(name), lfs_chance(90)));
	put_str(&nodes[nest].child, LAYERFS_LAYER_A_PATH, pick_path());
	if (lfs_chance(30))
		put_str(&nodes[nest].child, LAYERFS_LAYER_A_PARENT,
			pick_name(name, sizeof(name), false));
	else if (lfs_chance(15))
		put_u64(&nodes[nest].child, LAYERFS_LAYER_A_PARENT_ID, pick_id());
	if (lfs_chance(50))
		put_text(&nodes[nest].child, LAYERFS_LAYER_A_AUTHOR);
	if (lfs_chance(50))
		put_text(&nodes[nest].child, LAYERFS_LAYER_A_MESSAGE);
	if (lfs_chance(20))
		put_u64(&nodes[nest].child, LAYERFS_LAYER_A_CREATED,
			lfs_rnd64());
	if (lfs_chance(15))
		put_u32(&nodes[nest].child, LAYERFS_LAYER_A_FLAGS,
			lfs_chance(70) ? LAYERFS_LAYER_F_FROZEN : (uint32_t)lfs_rnd64());
	if (lfs_chance(10)) {
		uint64_t base[8];
		unsigned int i, n = lfs_rnd(ARRAY_SIZE(base) + 1);

		for (i = 0; i < n; i++)
			base[i] = pick_id();
		put_bytes(&nodes[nest].child, LAYERFS_LAYER_A_BASE, base,
			  n * sizeof(base[0]));
	}
}

/* NAME or ID (or both, or neither) of a layer: DEL and GET. */
static void tmpl_selector(struct msgdesc *m)
{
	char name[LAYERFS_NAME_MAX + 8];
	int nest = put_nest(&m->top, LAYERFS_A_LAYER);

	switch (lfs_rnd(10)) {
	case 0:
		break;
	case 1:
		put_str(&nodes[nest].child, LAYERFS_LAYER_A_NAME,
			pick_name(name, sizeof(name), false));
		put_u64(&nodes[nest].child, LAYERFS_LAYER_A_ID, pick_id());
		break;
	case 2:
	case 3:
	case 4:
		put_u64(&nodes[nest].child, LAYERFS_LAYER_A_ID, pick_id());
		break;
	default:
		put_str(&nodes[nest].child, LAYERFS_LAYER_A_NAME,
			pick_name(name, sizeof(name), false));
		break;
	}
}

static void tmpl_view_commit(struct msgdesc *m)
{
	char name[LAYERFS_NAME_MAX + 8];
	int nest;

	m->what = "VIEW_COMMIT";
	nest = put_nest(&m->top, LAYERFS_A_VIEW);
	if (lfs_chance(95))
		put_u64(&nodes[nest].child, LAYERFS_VIEW_A_ID,
			nviews && lfs_chance(80) ? view_ids[lfs_rnd(nviews)] : lfs_rnd64() % 8);
	if (lfs_chance(95))
		put_str(&nodes[nest].child, LAYERFS_VIEW_A_NEW_UPPER,
			pick_path());
	nest = put_nest(&m->top, LAYERFS_A_LAYER);
	if (lfs_chance(95))
		put_str(&nodes[nest].child, LAYERFS_LAYER_A_NAME,
			pick_name(name, sizeof(name), lfs_chance(90)));
	if (lfs_chance(30))
		put_text(&nodes[nest].child, LAYERFS_LAYER_A_AUTHOR);
	if (lfs_chance(30))
		put_text(&nodes[nest].child, LAYERFS_LAYER_A_MESSAGE);
	if (lfs_chance(10))
		put_u64(&nodes[nest].child, LAYERFS_LAYER_A_CREATED,
			lfs_rnd64());
	if (lfs_chance(5))
		put_str(&nodes[nest].child, LAYERFS_LAYER_A_PATH, pick_path());
}

/* Random attributes of random types: for unknown commands and mutations. */
static void rnd_attrs(int *head, int depth)
{
	unsigned int i, n = lfs_rnd(5);

	for (i = 0; i < n; i++) {
		uint16_t type = lfs_rnd(20);
		uint8_t buf[64];
		size_t len = lfs_rnd(sizeof(buf) + 1);

		if (depth < 3 && lfs_chance(25)) {
			int nest = put_nest(head, type | (lfs_chance(50) ? NLA_F_NESTED : 0));

			if (nest >= 0)
				rnd_attrs(&nodes[nest].child, depth + 1);
			continue;
		}
		rnd_fill((char *)buf, len, false);
		put_bytes(head, type, buf, len);
	}
}

static void make_template(struct msgdesc *m)
{
	unsigned int r = lfs_rnd(100);

	m->top = -1;
	m->flags = NLM_F_REQUEST | NLM_F_ACK;
	if (r < 32) {
		m->cmd = LAYERFS_CMD_LAYER_ADD;
		tmpl_layer_add(m);
	} else if (r < 47) {
		m->cmd = LAYERFS_CMD_LAYER_DEL;
		m->what = "LAYER_DEL";
		tmpl_selector(m);
	} else if (r < 57) {
		m->cmd = LAYERFS_CMD_LAYER_GET;
		m->what = "LAYER_GET";
		tmpl_selector(m);
	} else if (r < 66) {
		m->cmd = LAYERFS_CMD_LAYER_GET;
		m->what = "LAYER_GET dump";
		m->flags |= NLM_F_DUMP;
	} else if (r < 74) {
		m->cmd = LAYERFS_CMD_VIEW_GET;
		m->what = "VIEW_GET dump";
		m->flags |= NLM_F_DUMP;
	} else if (r < 92) {
		m->cmd = LAYERFS_CMD_VIEW_COMMIT;
		tmpl_view_commit(m);
	} else {
		m->cmd = lfs_chance(50) ? lfs_rnd(256) : (uint8_t)(LAYERFS_CMD_MAX + 1 + lfs_rnd(3));
		m->what = "random command";
		if (lfs_chance(30))
			m->flags |= NLM_F_DUMP;
		rnd_attrs(&m->top, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Mutations. */

/* Every node reachable from @head, into @out. */
static int collect(int head, int *out, int n)
{
	int i;

	for (i = head; i >= 0 && n < NODES_MAX; i = nodes[i].next) {
		out[n++] = i;
		if (nodes[i].nest)
			n = collect(nodes[i].child, out, n);
	}
	return n;
}

/* The list head pointer holding node @t (for unlinking). */
static int *find_link(int *head, int t)
{
	int *link, *r;

	for (link = head; *link >= 0; link = &nodes[*link].next) {
		if (*link == t)
			return link;
		if (nodes[*link].nest) {
			r = find_link(&nodes[*link].child, t);
			if (r)
				return r;
		}
	}
	return NULL;
}

static void mutate_data(struct node *n)
{
	uint8_t *p;
	size_t len;

	switch (lfs_rnd(9)) {
	case 0:	/* huge string */
		len = 1000 + lfs_rnd(64000);
		p = arena_alloc(len);
		if (!p)
			return;
		rnd_fill((char *)p, len - 1, true);
		p[len - 1] = lfs_chance(80) ? '\0' : 'x';
		break;
	case 1:	/* embedded NUL */
		if (!n->len)
			return;
		p = arena_alloc(n->len + 4);
		if (!p)
			return;
		memcpy(p, n->data, n->len);
		len = n->len;
		p[lfs_rnd(len)] = '\0';
		if (lfs_chance(50)) {
			memcpy(p + len, "x\0y", 4);
			len += 4;
		}
		break;
	case 2:	/* no terminating NUL */
		if (!n->len)
			return;
		p = arena_alloc(n->len);
		if (!p)
			return;
		memcpy(p, n->data, n->len);
		len = n->len;
		p[len - 1] = 'z';
		break;
	case 3:	/* truncated */
		n->len = n->len ? lfs_rnd(n->len) : 0;
		return;
	case 4:	/* integer of the wrong size */
		len = (size_t[]){ 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 16 }
			[lfs_rnd(11)];
		p = arena_alloc(len ? len : 1);
		if (!p)
			return;
		rnd_fill((char *)p, len, false);
		break;
	case 5:	/* random bytes */
		len = lfs_rnd(300);
		p = arena_alloc(len ? len : 1);
		if (!p)
			return;
		rnd_fill((char *)p, len, false);
		break;
	case 6:	/* u64 edge values */
		len = 8;
		p = arena_alloc(8);
		if (!p)
			return;
		memcpy(p, &(uint64_t[]){ 0, 1, UINT64_MAX, INT64_MAX,
					  (uint64_t)INT64_MIN }[lfs_rnd(5)], 8);
		break;
	case 7:	/* a PATH_MAX path */
		len = 4094 + lfs_rnd(4);
		p = arena_alloc(len);
		if (!p)
			return;
		p[0] = '/';
		rnd_fill((char *)p + 1, len - 2, true);
		p[len - 1] = '\0';
		break;
	default:	/* empty */
		len = 0;
		p = NULL;
		break;
	}
	n->data = p;
	n->len = len;
}

static void mutate_tree(struct msgdesc *m)
{
	int all[NODES_MAX], n, t, *link, i, copy;

	n = collect(m->top, all, 0);
	if (!n || lfs_chance(10)) {
		rnd_attrs(&m->top, 0);
		return;
	}
	t = all[lfs_rnd(n)];
	switch (lfs_rnd(12)) {
	case 0:	/* retype */
		nodes[t].type = lfs_chance(50) ? lfs_rnd(20) :
				(uint16_t)lfs_rnd64();
		break;
	case 1:	/* flag bits */
		nodes[t].type ^= lfs_chance(50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
		break;
	case 2:	/* drop */
		link = find_link(&m->top, t);
		if (link)
			*link = nodes[t].next;
		break;
	case 3:	/* duplicate (shares the data or children) */
		if (nnodes == NODES_MAX)
			break;
		copy = nnodes++;
		nodes[copy] = nodes[t];
		nodes[t].next = copy;
		break;
	case 4:	/* wrong nla_len */
		nodes[t].len_delta = (int)lfs_rnd(9) - 4;
		if (lfs_chance(20))
			nodes[t].len_delta = (int)lfs_rnd(70000) - 35000;
		break;
	case 5:	/* unknown sibling */
		i = put_u32(&nodes[t].next,
			    LAYERFS_LAYER_A_BASE + 1 + lfs_rnd(100),
			    (uint32_t)lfs_rnd64());
		(void)i;
		break;
	case 6:	/* flatten a nest, or nest a leaf */
		if (nodes[t].nest) {
			nodes[t].nest = false;
			mutate_data(&nodes[t]);
		} else {
			nodes[t].nest = true;
			nodes[t].child = -1;
			rnd_attrs(&nodes[t].child, 1);
		}
		break;
	case 7:	/* wrap in another level */
		if (nnodes == NODES_MAX)
			break;
		copy = nnodes++;
		nodes[copy] = nodes[t];
		nodes[copy].next = -1;
		nodes[t].nest = true;
		nodes[t].child = copy;
		nodes[t].len_delta = 0;
		break;
	default:
		if (nodes[t].nest)
			rnd_attrs(&nodes[t].child, 1);
		else
			mutate_data(&nodes[t]);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Netlink plumbing. */

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1, size = 8 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind: %s", strerror(errno));
	return fd;
}

static uint8_t txbuf[MSG_MAX], rxbuf[RX_MAX];
static uint32_t seq = 1;

/* Append one netlink message at @off; returns its length. */
static size_t msg_write(uint8_t *buf, size_t cap, uint16_t type,
			uint16_t flags, uint32_t s, uint8_t cmd, int top)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	size_t len;

	if (cap < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	g->cmd = cmd;
	g->version = LAYERFS_GENL_VERSION;
	len = NLMSG_HDRLEN + GENL_HDRLEN;
	len += tree_write(top, buf + len, cap - len, 0);
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = s;
	return len;
}

/*
 * Send to the kernel: with an explicit destination address, or (@noaddr)
 * without one, as write(2) would.  The difference matters: netlink_capable()
 * checks the socket opener's capabilities only for the latter (the kernel
 * sets NETLINK_SKB_DST for an explicit destination).
 */
static bool noaddr;

static int nl_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (noaddr)
		n = send(fd, buf, len, 0);
	else
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	return n < 0 ? -errno : 0;
}

/* What came back for one sequence number. */
struct outcome {
	int err;		/* first error (negative), 0 if none */
	bool acked;		/* NLMSG_ERROR 0 or NLMSG_DONE 0 */
	bool data;		/* a family message */
	bool done;		/* NLMSG_DONE */
	unsigned int ndata;
	/* the layer of a LAYER_ADD / VIEW_COMMIT reply */
	bool have_layer;
	struct layer layer;
	uint8_t reply_cmd;
};

/* Parse the nested LAYER of a reply into @l; false if malformed. */
static bool parse_layer(const struct nlattr *outer, struct layer *l)
{
	const struct nlattr *a;
	int rem;

	memset(l, 0, sizeof(*l));
	a = (const struct nlattr *)((const char *)outer + NLA_HDRLEN);
	rem = outer->nla_len - NLA_HDRLEN;
	while (rem >= NLA_HDRLEN) {
		int alen = a->nla_len - NLA_HDRLEN;
		const void *d = (const char *)a + NLA_HDRLEN;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return false;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case LAYERFS_LAYER_A_ID:
			if (alen != 8)
				return false;
			memcpy(&l->id, d, 8);
			break;
		case LAYERFS_LAYER_A_NAME:
			if (alen < 1 || alen > LAYERFS_NAME_MAX + 1 ||
			    ((const char *)d)[alen - 1])
				return false;
			memcpy(l->name, d, alen);
			break;
		case LAYERFS_LAYER_A_VIEWS:
			if (alen != 4)
				return false;
			memcpy(&l->views, d, 4);
			break;
		case LAYERFS_LAYER_A_CHILDREN:
			if (alen != 4)
				return false;
			memcpy(&l->children, d, 4);
			break;
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return l->id && l->name[0];
}

/* Find top-level attribute @type of a genl message. */
static const struct nlattr *genl_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;
	int rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	a = (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	while (rem >= NLA_HDRLEN) {
		if (a->nla_len < NLA_HDRLEN || a->nla_len > rem)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		rem -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

#define MAX_BATCH 4

/*
 * Receive everything the kernel queued for us (it handles a send
 * synchronously; dumps continue as we read).  @out[i] is the outcome of
 * sequence number @first + i, @out[n] that of replies to other numbers.  Each layer of a layer dump is passed to
 * @dump_cb when given.
 */
static void nl_drain(int fd, uint32_t first, int n, struct outcome *out,
		     void (*dump_cb)(const struct layer *))
{
	ssize_t len;

	for (;;) {
		struct nlmsghdr *nlh;
		int rem;

		len = recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			if (errno == ENOBUFS) {
				lfs_bad("recv: ENOBUFS (replies lost)");
				continue;
			}
			die("recv: %s", strerror(errno));
		}
		if (len > (ssize_t)sizeof(rxbuf)) {
			lfs_bad("reply of %zd bytes truncated", len);
			continue;
		}
		rem = len;
		for (nlh = (struct nlmsghdr *)rxbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			struct outcome *o;
			int idx = (int)(nlh->nlmsg_seq - first);

			/*
			 * A message whose nlmsg_len is shorter than what was
			 * sent makes the kernel parse the rest as further
			 * messages, with whatever sequence numbers their bytes
			 * hold: their replies go to the stray slot out[n].
			 */
			if (idx < 0 || idx >= n)
				idx = n;
			o = &out[idx];
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
					lfs_bad("short NLMSG_ERROR");
					continue;
				}
				if (e->error > 0)
					lfs_bad("positive error %d", e->error);
				if (e->error && !o->err)
					o->err = e->error;
				if (!e->error)
					o->acked = true;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
				o->done = true;
				if (e && !o->err)
					o->err = e;
				if (!e)
					o->acked = true;
			} else if (nlh->nlmsg_type == fam_id) {
				const struct genlmsghdr *g = NLMSG_DATA(nlh);
				const struct nlattr *a;
				struct layer l;

				if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
					lfs_bad("short family message");
					continue;
				}
				o->data = true;
				o->ndata++;
				o->reply_cmd = g->cmd;
				a = genl_attr(nlh, LAYERFS_A_LAYER);
				if (a) {
					if (!parse_layer(a, &l)) {
						lfs_bad("malformed layer in reply (cmd %u)", g->cmd);
						continue;
					}
					if (dump_cb)
						dump_cb(&l);
					o->have_layer = true;
					o->layer = l;
				}
				if (g->cmd == LAYERFS_CMD_VIEW_GET) {
					a = genl_attr(nlh, LAYERFS_A_VIEW);
					if (!a)
						lfs_bad("view dump message without a view");
				}
			} else {
				lfs_bad("unexpected reply type %u", nlh->nlmsg_type);
			}
		}
	}
}

/* One request and its outcome; waits for the reply (no DONTWAIT race). */
static struct outcome request(int fd, uint16_t type, uint16_t flags,
			      uint8_t cmd, int top,
			      void (*dump_cb)(const struct layer *))
{
	struct outcome o[2] = {};
	size_t len;
	int err;

	len = msg_write(txbuf, sizeof(txbuf), type, flags, seq, cmd, top);
	err = nl_send(fd, txbuf, len);
	if (err)
		die("send: %s", strerror(-err));
	nl_drain(fd, seq, 1, o, dump_cb);
	if (o[1].acked || o[1].err || o[1].data)
		lfs_bad("reply to a request with another sequence number");
	seq++;
	return o[0];
}

/* Resolve the family id and its operations. */
static void resolve_family(int fd)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)txbuf;
	struct genlmsghdr *g;
	struct nlattr *a;
	ssize_t len;
	int rem;

	memset(txbuf, 0, 256);
	g = NLMSG_DATA(nlh);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 2;
	a = (struct nlattr *)((char *)g + GENL_HDRLEN);
	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(LAYERFS_GENL_NAME);
	memcpy((char *)a + NLA_HDRLEN, LAYERFS_GENL_NAME, sizeof(LAYERFS_GENL_NAME));
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(a->nla_len));
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq++;
	if (nl_send(fd, txbuf, nlh->nlmsg_len))
		die("send GETFAMILY: %s", strerror(errno));
	len = recv(fd, rxbuf, sizeof(rxbuf), 0);
	if (len < 0)
		die("recv GETFAMILY: %s", strerror(errno));
	nlh = (struct nlmsghdr *)rxbuf;
	if (!NLMSG_OK(nlh, len) || nlh->nlmsg_type == NLMSG_ERROR)
		die("family %s not found (module not loaded?)", LAYERFS_GENL_NAME);
	rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	for (; NLA_OK(a, rem); a = NLA_NEXT(a, rem)) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&fam_id, (char *)a + NLA_HDRLEN, 2);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OPS) {
			struct nlattr *op = (struct nlattr *)((char *)a + NLA_HDRLEN);
			int orem = a->nla_len - NLA_HDRLEN;

			for (; NLA_OK(op, orem); op = NLA_NEXT(op, orem)) {
				struct nlattr *f = (struct nlattr *)((char *)op + NLA_HDRLEN);
				int frem = op->nla_len - NLA_HDRLEN;

				uint32_t id = 256, caps = 0;

				for (; NLA_OK(f, frem); f = NLA_NEXT(f, frem)) {
					if (f->nla_type == CTRL_ATTR_OP_ID)
						memcpy(&id, (char *)f + NLA_HDRLEN, 4);
					if (f->nla_type == CTRL_ATTR_OP_FLAGS)
						memcpy(&caps, (char *)f + NLA_HDRLEN, 4);
				}
				if (id < 256)
					fam_ops[id] = caps | OP_KNOWN;
			}
		}
	}
	if (!fam_id)
		die("no family id in the GETFAMILY reply");
	/* Drain a possible trailing ack. */
	while (recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT) > 0)
		;
}

/* ------------------------------------------------------------------ */
/* The registry model. */

static struct layer dumped[LAYERS_MAX];
static int ndumped;

static void dump_collect(const struct layer *l)
{
	if (ndumped < LAYERS_MAX)
		dumped[ndumped++] = *l;
	if (l->id > max_id_seen)
		max_id_seen = l->id;
}

static void dump_layers(int fd)
{
	struct outcome o;

	ndumped = 0;
	tree_reset();
	o = request(fd, fam_id, NLM_F_REQUEST | NLM_F_DUMP,
		    LAYERFS_CMD_LAYER_GET, -1, dump_collect);
	if (o.err || !o.done)
		die("layer dump failed: %s", o.err ? strerror(-o.err) : "no DONE");
}

static void view_collect(int fd)
{
	struct outcome o;
	const struct nlmsghdr *nlh;
	ssize_t len;

	/* Views: read the dump by hand to get the ids. */
	tree_reset();
	len = msg_write(txbuf, sizeof(txbuf), fam_id, NLM_F_REQUEST | NLM_F_DUMP,
			seq, LAYERFS_CMD_VIEW_GET, -1);
	if (nl_send(fd, txbuf, len))
		die("send VIEW_GET");
	nviews = 0;
	for (;;) {
		int rem;

		len = recv(fd, rxbuf, sizeof(rxbuf), 0);
		if (len < 0)
			die("recv VIEW_GET: %s", strerror(errno));
		rem = len;
		for (nlh = (struct nlmsghdr *)rxbuf; NLMSG_OK(nlh, rem);
		     nlh = NLMSG_NEXT(nlh, rem)) {
			const struct nlattr *v, *a;
			int vrem;

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
				goto out;
			v = genl_attr(nlh, LAYERFS_A_VIEW);
			if (!v)
				continue;
			a = (const struct nlattr *)((const char *)v + NLA_HDRLEN);
			vrem = v->nla_len - NLA_HDRLEN;
			for (; NLA_OK(a, vrem); a = NLA_NEXT(a, vrem)) {
				uint64_t id;

				if (a->nla_type != LAYERFS_VIEW_A_ID || nviews == VIEWS_MAX)
					continue;
				memcpy(&id, (const char *)a + NLA_HDRLEN, 8);
				if (!nviews || view_ids[nviews - 1] != id)
					view_ids[nviews++] = id;
			}
		}
	}
out:
	seq++;
	(void)o;
}

static int model_find(uint64_t id)
{
	int i;

	for (i = 0; i < nmodel; i++)
		if (model[i].id == id)
			return i;
	return -1;
}

static void model_set_from_dump(void)
{
	memcpy(model, dumped, ndumped * sizeof(dumped[0]));
	nmodel = ndumped;
}

/*
 * Compare a fresh dump with the model after message @idx (@what).
 * @adds: the @nadds layers that successful ADD/COMMIT replies announced;
 * @ndels: successful (or silent) DELs, each may have removed one unused
 * layer.
 */
static void reconcile(int fd, unsigned long idx, const char *what,
		      const struct layer *adds, int nadds, int ndels)
{
	bool added[MAX_BATCH + 1] = {};
	int i, j, k, removed = 0;

	dump_layers(fd);
	for (i = 0; i < ndumped; i++) {
		j = model_find(dumped[i].id);
		if (j >= 0) {
			if (strcmp(model[j].name, dumped[i].name))
				lfs_bad("message %lu (%s): layer %llu renamed '%s' -> '%s'",
					idx, what, (unsigned long long)dumped[i].id,
					model[j].name, dumped[i].name);
			continue;
		}
		for (k = 0; k < nadds; k++)
			if (adds[k].id == dumped[i].id &&
			    !strcmp(adds[k].name, dumped[i].name) && !added[k])
				break;
		if (k < nadds) {
			added[k] = true;
			continue;
		}
		lfs_bad("message %lu (%s): layer %llu '%s' appeared without a successful reply",
			idx, what, (unsigned long long)dumped[i].id, dumped[i].name);
	}
	for (k = 0; k < nadds; k++)
		if (!added[k])
			lfs_bad("message %lu (%s): layer %llu '%s' acknowledged but not in the dump",
				idx, what, (unsigned long long)adds[k].id, adds[k].name);
	for (i = 0; i < nmodel; i++) {
		bool found = false;

		for (j = 0; j < ndumped; j++)
			if (dumped[j].id == model[i].id)
				found = true;
		if (found)
			continue;
		removed++;
		if (removed > ndels)
			lfs_bad("message %lu (%s): layer %llu '%s' vanished", idx, what,
				(unsigned long long)model[i].id, model[i].name);
		else if (model[i].views || model[i].children)
			lfs_bad("message %lu (%s): busy layer '%s' (views %u, children %u) removed",
				idx, what, model[i].name, model[i].views, model[i].children);
	}
	model_set_from_dump();
}

/* ------------------------------------------------------------------ */
/* Fuzzing loops. */

struct stats {
	unsigned long sent, acked, errors, silent, data, send_err;
	unsigned long adds, dels, commits, strays;
	unsigned long err_by[140];
	unsigned long non_eperm;	/* unprivileged: reached an op, not EPERM */
	unsigned long err_by_np[140];
};

static void count_err(unsigned long *by, int err)
{
	int e = -err;

	if (e > 0 && e < 139)
		by[e]++;
	else
		by[139]++;
}

static void print_errs(const char *label, const unsigned long *by)
{
	char line[2048];
	size_t off = 0;
	int e;

	for (e = 1; e < 140; e++) {
		if (!by[e])
			continue;
		off += snprintf(line + off, sizeof(line) - off, " %s=%lu",
				e == 139 ? "other" : strerrorname_np(e), by[e]);
		if (off >= sizeof(line))
			break;
	}
	printf("# %s:%s\n", label, off ? line : " none");
}

/* One built message, as sent. */
struct built {
	uint16_t type, flags;
	uint8_t cmd;
	const char *what;
	bool delivered;		/* handed to the family (genetlink) */
	bool reaches_op;	/* ... for a command it implements */
	bool mutating;		/* may change the registry if it succeeds */
};

/* Build one message (or a raw blob) at @buf; returns its length. */
static size_t build_one(uint8_t *buf, size_t cap, uint32_t s, struct built *b)
{
	struct msgdesc m = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g;
	unsigned int i, nmut;
	size_t len;

	make_template(&m);
	b->what = m.what;
	nmut = lfs_chance(30) ? 0 : 1 + lfs_rnd(4);
	for (i = 0; i < nmut; i++)
		mutate_tree(&m);
	b->type = fam_id;
	b->flags = m.flags;
	b->cmd = m.cmd;
	if (lfs_chance(8))
		b->flags ^= 1u << lfs_rnd(16);
	if (lfs_chance(3))
		b->flags = (uint16_t)lfs_rnd64();
	if (lfs_chance(3))	/* netlink control types: acked, never delivered */
		b->type = lfs_rnd(NLMSG_MIN_TYPE);
	len = msg_write(buf, cap, b->type, b->flags, s, b->cmd, m.top);
	if (!len)
		return 0;
	g = NLMSG_DATA(nlh);
	if (lfs_chance(3))
		g->version = lfs_rnd(256);
	if (lfs_chance(2))
		g->reserved = lfs_rnd(65536);
	if (lfs_chance(3)) {	/* bad nlmsg_len */
		switch (lfs_rnd(4)) {
		case 0:
			nlh->nlmsg_len =
				lfs_rnd(NLMSG_HDRLEN + GENL_HDRLEN + 1);
			break;
		case 1:
			nlh->nlmsg_len = len + 1 + lfs_rnd(64);
			break;
		case 2:
			nlh->nlmsg_len = len - lfs_rnd(len - NLMSG_HDRLEN + 1);
			break;
		default:
			nlh->nlmsg_len = (uint32_t)lfs_rnd64();
			break;
		}
	}
	if (lfs_chance(1)) {	/* raw garbage after a valid header */
		size_t n = lfs_rnd(200);

		if (len + n <= cap) {
			rnd_fill((char *)buf + NLMSG_HDRLEN, n, false);
			len = NLMSG_HDRLEN + n;
			nlh->nlmsg_len = len;
		}
	}
	b->delivered = b->type == fam_id && (b->flags & NLM_F_REQUEST) &&
		       nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
		       nlh->nlmsg_len <= len;
	/*
	 * The command, in the form (do or dump) the family implements.
	 * Generic netlink (genl_header_check() since 6.1, for families
	 * without resv_start_op) first refuses, with -EINVAL and before any
	 * operation or privilege check, a non-zero reserved field and
	 * nlmsg_flags beyond REQUEST, ACK, ECHO and the two DUMP bits.
	 */
	b->reaches_op = b->delivered && !g->reserved &&
			!(((b->flags & NLM_F_DUMP) == NLM_F_DUMP ?
			   b->flags & ~NLM_F_DUMP : b->flags) &
			  ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) &&
			(fam_ops[g->cmd] & ((b->flags & NLM_F_DUMP) == NLM_F_DUMP ?
					    GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO));
	b->cmd = g->cmd;
	b->mutating = b->type == fam_id &&
		      (g->cmd == LAYERFS_CMD_LAYER_ADD ||
		       g->cmd == LAYERFS_CMD_LAYER_DEL ||
		       g->cmd == LAYERFS_CMD_VIEW_COMMIT);
	return len;
}

/*
 * Send @count messages on @fds (alternating); @root: check the registry
 * model, else check every message is refused.
 */
/* True, once, when the time budget is spent (checked every 256 rounds). */
static bool out_of_time(unsigned long idx, unsigned long count)
{
	if (!budget || idx % 256 || lfs_now() - t_start <= budget)
		return false;
	printf("# time budget of %.0f s reached after %lu of %lu rounds\n",
	       budget, idx, count);
	return true;
}

/* Returns the number of rounds (messages or batches) sent. */
static unsigned long fuzz(int *fds, int nfds, unsigned long count, bool root,
			  unsigned long every, struct stats *st)
{
	unsigned long idx;

	for (idx = 0; idx < count && !out_of_time(idx, count); idx++) {
		struct outcome out[MAX_BATCH + 1] = {};
		struct built b[MAX_BATCH] = {};
		int fd = fds[idx % nfds];
		int n = lfs_chance(5) ? 2 + lfs_rnd(MAX_BATCH - 1) : 1;
		uint32_t first = seq;
		size_t off = 0, len;
		struct layer adds[MAX_BATCH + 1];
		int i, err, nadds = 0, ndels = 0;
		bool check = false;

		tree_reset();
		for (i = 0; i < n; i++) {
			len = build_one(txbuf + off, sizeof(txbuf) - off, seq++, &b[i]);
			if (!len) {
				n = i;
				break;
			}
			off += NLMSG_ALIGN(len);
			if (off > sizeof(txbuf))
				off = sizeof(txbuf);
			if (n > 1)	/* a batch: keep each length honest */
				((struct nlmsghdr *)(txbuf + off - NLMSG_ALIGN(len)))->nlmsg_len = len;
		}
		if (!n)
			continue;
		err = nl_send(fd, txbuf, off);
		if (err) {
			st->send_err++;
			count_err(st->err_by, err);
			continue;
		}
		nl_drain(fd, first, n, out, NULL);
		for (i = 0; i < n; i++) {
			struct outcome *o = &out[i];
			bool ok = o->acked || (o->data && !o->err);

			st->sent++;
			if (o->data)
				st->data++;
			if (o->err) {
				st->errors++;
				count_err(st->err_by, o->err);
			} else if (ok) {
				st->acked++;
			} else {
				st->silent++;
			}
			if (verbose)
				printf("# %lu.%d %s type=%u flags=%#x cmd=%u -> %s%s%s\n",
				       idx, i, b[i].what, b[i].type, b[i].flags,
				       b[i].cmd,
				       o->err ? strerrorname_np(-o->err) : ok ? "ok" : "silent",
				       o->data ? " +data" : "",
				       o->have_layer ? " +layer" : "");
			if (!root) {
				/*
				 * Without NLM_F_REQUEST, or of a control type,
				 * netlink acknowledges without delivering.
				 */
				if (o->data || (ok && b[i].delivered))
					lfs_bad("unprivileged message %lu.%d (%s, cmd %u) succeeded",
						idx, i, b[i].what, b[i].cmd);
				if (b[i].reaches_op && o->err != -EPERM) {
					st->non_eperm++;
					count_err(st->err_by_np, o->err ? o->err : -139);
				}
				continue;
			}
			if (!b[i].mutating || o->err)
				continue;
			/* Succeeded, or no reply asked for: may have changed. */
			check = true;
			if (b[i].cmd == LAYERFS_CMD_LAYER_DEL) {
				ndels++;
				st->dels += o->acked;
			} else if (o->have_layer) {
				adds[nadds++] = o->layer;
				if (b[i].cmd == LAYERFS_CMD_VIEW_COMMIT) {
					st->commits++;
					if (ncommits < LAYERS_MAX)
						commit_ids[ncommits++] = o->layer.id;
				}
				else
					st->adds++;
			}
		}
		/* Replies to messages the kernel found inside others. */
		if (out[n].acked || out[n].err || out[n].data) {
			st->strays++;
			if (!root && out[n].data)
				lfs_bad("unprivileged message %lu: data in a stray reply", idx);
			if (out[n].acked || out[n].data) {
				check = true;
				ndels++;
				if (out[n].have_layer)
					adds[nadds++] = out[n].layer;
			}
		}
		if (root && (check || (every && (idx + 1) % every == 0)))
			reconcile(fd, idx, b[0].what, adds, nadds, ndels);
		if ((idx + 1) % 20000 == 0) {
			printf("# %lu messages, %lu acked, %lu layers now\n",
			       idx + 1, st->acked, (unsigned long)nmodel);
			fflush(stdout);
		}
	}
	return idx;
}

/* ------------------------------------------------------------------ */

static void drop_privilege(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		die("cannot drop privilege: %s", strerror(errno));
}

static void setup_dirs(void)
{
	char buf[8192];
	unsigned int i;
	int fd;

	mkdir(dir, 0755);
	for (i = 0; i < ndirs; i++) {
		snprintf(buf, sizeof(buf), "%s/%u", dir, i);
		mkdir(buf, 0755);
		dir_paths[i] = strdup(buf);
	}
	snprintf(buf, sizeof(buf), "%s/file", dir);
	fd = open(buf, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	file_path = strdup(buf);
	snprintf(buf, sizeof(buf), "%s/link", dir);
	if (symlink(dir_paths[0], buf) && errno != EEXIST)
		die("symlink %s: %s", buf, strerror(errno));
	link_path = strdup(buf);
	/* A path of 4000 bytes that exists only as a prefix. */
	snprintf(buf, sizeof(buf), "%s/", dir);
	while (strlen(buf) < 4000)
		strcat(buf, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/");
	long_path = strdup(buf);
}

/* Delete every layer that did not exist at start, children first. */
static bool is_commit(uint64_t id)
{
	int i;

	for (i = 0; i < ncommits; i++)
		if (commit_ids[i] == id)
			return true;
	return false;
}

static void cleanup(int fd)
{
	int round, i, j, left, deleted, committed = 0;

	for (round = 0; round < 64; round++) {
		dump_layers(fd);
		left = 0;
		deleted = 0;
		for (i = ndumped - 1; i >= 0; i--) {
			struct outcome o;
			int nest, top = -1;
			bool old = false;

			for (j = 0; j < nstart; j++)
				if (start_layers[j].id == dumped[i].id)
					old = true;
			if (old)
				continue;
			left++;
			tree_reset();
			nest = put_nest(&top, LAYERFS_A_LAYER);
			put_u64(&nodes[nest].child, LAYERFS_LAYER_A_ID, dumped[i].id);
			o = request(fd, fam_id, NLM_F_REQUEST | NLM_F_ACK,
				    LAYERFS_CMD_LAYER_DEL, top, NULL);
			deleted += !o.err;
			if (o.err && !(o.err == -EBUSY && is_commit(dumped[i].id)))
				lfs_bad("cleanup: deleting '%s': %s", dumped[i].name,
					strerror(-o.err));
		}
		if (!left || !deleted)
			break;
	}
	dump_layers(fd);
	for (i = 0; i < ndumped; i++)
		committed += is_commit(dumped[i].id);
	printf("# cleanup: %d rounds, %d layers left (%d at start, %d committed into mounted views)\n",
	       round, ndumped, nstart, committed);
	if (ndumped - committed != nstart)
		lfs_bad("cleanup left %d layers, %d at start", ndumped - committed, nstart);
	for (i = 0, j = 0; i < ndumped && j < nstart; i++) {
		if (is_commit(dumped[i].id))
			continue;
		if (dumped[i].id != start_layers[j].id ||
		    strcmp(dumped[i].name, start_layers[j].name))
			lfs_bad("registry differs from the start at layer %d: '%s' vs '%s'",
				j, dumped[i].name, start_layers[j].name);
		j++;
	}
}

/* Unprivileged runs: see the top comment. */
static void run_nonroot(unsigned long count, uint64_t seed, struct stats *st)
{
	int sv[2], status, fds[2];
	pid_t pid;

	/* 1: sockets opened as root (sender unprivileged) and as nobody. */
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		struct stats cst = {};

		fds[0] = nl_open();
		drop_privilege();
		fds[1] = nl_open();
		resolve_family(fds[1]);
		lfs_rng_state = seed ^ 0x5555;
		fuzz(fds, 2, count, false, 0, &cst);
		printf("# unprivileged sender: %lu messages, %lu acked, %lu errors, %lu silent, %lu reached an operation without EPERM\n",
		       cst.sent, cst.acked, cst.errors, cst.silent, cst.non_eperm);
		print_errs("unprivileged sender errors", cst.err_by);
		print_errs("unprivileged: reached an operation, not EPERM", cst.err_by_np);
		fflush(stdout);
		_exit(lfs_failures ? 1 : cst.non_eperm ? 2 : 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 1)
		lfs_bad("unprivileged sender: child failed (status %#x)",
			status);
	else if (WEXITSTATUS(status) == 2)
		st->non_eperm++;

	/* 2: a socket opened by nobody, used by root. */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		char cbuf[CMSG_SPACE(sizeof(int))] = {};
		struct iovec iov = { .iov_base = "s", .iov_len = 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		int fd;

		drop_privilege();
		fd = nl_open();
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		if (sendmsg(sv[1], &mh, 0) < 0)
			_exit(1);
		_exit(0);
	} else {
		char cbuf[CMSG_SPACE(sizeof(int))], ch;
		struct iovec iov = { .iov_base = &ch, .iov_len = 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *c;
		struct stats cst = {};
		int fd;

		if (recvmsg(sv[0], &mh, 0) < 0)
			die("recvmsg: %s", strerror(errno));
		c = CMSG_FIRSTHDR(&mh);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			die("no socket from the unprivileged child");
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		waitpid(pid, &status, 0);
		lfs_rng_state = seed ^ 0xaaaa;
		/* Without a destination address: see nl_send(). */
		noaddr = true;
		fuzz(&fd, 1, count / 4 + 1, false, 0, &cst);
		noaddr = false;
		printf("# unprivileged opener: %lu messages, %lu acked, %lu errors, %lu silent, %lu reached an operation without EPERM\n",
		       cst.sent, cst.acked, cst.errors, cst.silent, cst.non_eperm);
		print_errs("unprivileged opener errors", cst.err_by);
		print_errs("unprivileged opener: reached an operation, not EPERM", cst.err_by_np);
		st->non_eperm += cst.non_eperm;
		close(fd);
	}
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "nonroot", no_argument, NULL, 'N' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "strict-eperm", no_argument, NULL, 'S' },
		{}
	};
	unsigned long count = 1000, every = 1000;
	bool nonroot = false, do_cleanup = false, strict = false;
	uint64_t seed = 1;
	struct stats st = {};
	struct timespec t0, t1;
	int fd, c;

	while ((c = getopt_long(argc, argv, "s:n:d:k:e:t:v", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			ndirs = strtoul(optarg, NULL, 0);
			if (!ndirs || ndirs > ARRAY_SIZE(dir_paths))
				die("-k: 1 to %zu", ARRAY_SIZE(dir_paths));
			break;
		case 'e':
			every = strtoul(optarg, NULL, 0);
			break;
		case 't':
			budget = strtod(optarg, NULL);
			break;
		case 'v':
			verbose = true;
			break;
		case 'N':
			nonroot = true;
			break;
		case 'C':
			do_cleanup = true;
			break;
		case 'S':
			strict = true;
			break;
		default:
			fprintf(stderr, "usage: lfs-nlfuzz [-s SEED] [-n COUNT] [-d DIR] [-k DIRS] [-e EVERY] [-t SECONDS] [-v] [--nonroot [--strict-eperm]] [--cleanup]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	lfs_rng_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	setup_dirs();
	fd = nl_open();
	resolve_family(fd);
	printf("# family %s id %u, commands:", LAYERFS_GENL_NAME, fam_id);
	for (c = 0; c < 256; c++)
		if (fam_ops[c])
			printf(" %d%s%s", c, fam_ops[c] & GENL_CMD_CAP_DO ? "d" : "",
			       fam_ops[c] & GENL_CMD_CAP_DUMP ? "D" : "");
	printf("; seed %llu, %lu messages%s\n", (unsigned long long)seed, count,
	       nonroot ? ", unprivileged" : "");
	dump_layers(fd);
	model_set_from_dump();
	memcpy(start_layers, dumped, ndumped * sizeof(dumped[0]));
	nstart = ndumped;
	view_collect(fd);
	printf("# at start: %d layers, %d views\n", nstart, nviews);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_start = lfs_now();
	if (nonroot) {
		run_nonroot(count, seed, &st);
		dump_layers(fd);
		if (ndumped != nstart)
			lfs_bad("unprivileged messages changed the registry: %d layers, %d before",
				ndumped, nstart);
		else
			reconcile(fd, count, "unprivileged", NULL, 0, 0);
	} else {
		count = fuzz(&fd, 1, count, true, every, &st);
		reconcile(fd, count, "end", NULL, 0, 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!nonroot) {
		printf("# root: %lu messages, %lu acked, %lu errors, %lu silent, %lu with data, %lu send errors\n",
		       st.sent, st.acked, st.errors, st.silent, st.data, st.send_err);
		printf("# root: layers added %lu, deleted %lu, committed %lu; %d layers now; %lu stray replies\n",
		       st.adds, st.dels, st.commits, nmodel, st.strays);
		print_errs("root errors", st.err_by);
	}
	printf("# time: %.1f s\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (do_cleanup)
		cleanup(fd);
	if (nonroot && st.non_eperm && strict)
		lfs_bad("unprivileged messages that reached an operation failed with another errno than EPERM");
	if (lfs_failures) {
		printf("nlfuzz: FAIL %lu problems (seed %llu)\n", lfs_failures,
		       (unsigned long long)seed);
		return 1;
	}
	printf("nlfuzz: PASS seed %llu, %lu messages%s\n", (unsigned long long)seed,
	       count, nonroot ? " unprivileged" : "");
	return 0;
}
