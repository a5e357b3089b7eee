/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for userspace/nl.c (the netlink I/O) in the unit tests: it
 * implements nl.h from a scripted registry and records the requests, so
 * that layerctl's commands run end to end on the host.
 */
#ifndef LAYERCTL_FAKE_NL_H
#define LAYERCTL_FAKE_NL_H

#include <stddef.h>

#include "layerinfo.h"
#include "viewinfo.h"

#define FAKE_NL_LAYERS_MAX 16
#define FAKE_NL_VIEW_PARTS_MAX 8

struct fake_nl {
	/* Script. */
	int open_err;			/* lfs_nl_open() fails with this... */
	const char *open_msg;		/* ...and this sentence */
	int err;			/* every request fails with this... */
	const char *extack;		/* ...and this extended ack */
	const struct lfs_layer *layers[FAKE_NL_LAYERS_MAX];
	size_t n_layers;		/* the registry for GET and dumps */
	const struct lfs_view_part *view_parts[FAKE_NL_VIEW_PARTS_MAX];
	size_t n_view_parts;		/* the messages of a view dump */
	const char *get_fail_name;	/* a GET of this name... */
	uint64_t get_fail_id;		/* ...or of this id (not 0)... */
	int get_err;			/* ...fails with this... */
	const char *get_extack;		/* ...and this extended ack */

	/* Record. */
	int opens;			/* lfs_nl_open() calls */
	int closes;			/* lfs_nl_close() calls on a handle */
	const char *module;		/* module path given to lfs_nl_open() */
	int requests;			/* request calls */
	int cmd;			/* LAYERFS_CMD_* of the last request */
	int dump;			/* the last request was a dump */
	int dumps;			/* layer dumps */
	int lookups;			/* layer GETs by name or id */
	struct lfs_layer *req;		/* copy of its layer or key */
	struct lfs_layer *add_req;	/* copy of the last LAYER_ADD's layer */

	/* LAYERFS_CMD_VIEW_COMMIT (fake_commit.c's share of the fake). */
	int commit_err;			/* the commit fails with this... */
	const char *commit_extack;	/* ...and this extended ack */
	const char *commit_path;	/* PATH of the reply's layer */
	const char *commit_parent;	/* PARENT of the reply's layer */
	uint64_t commit_base[4];	/* BASE of the reply's layer... */
	uint32_t commit_nbase;		/* ...its length */
	int commits;			/* commit requests */
	uint64_t commit_view;		/* the last one's view id */
	char *commit_new_upper;		/* its NEW_UPPER (copy) */
	struct lfs_layer *commit_req;	/* its layer (copy) */
	void (*commit_hook)(void);	/* called after a commit succeeded:
					 * what another process does next */
	void (*view_dump_hook)(int nth);	/* called before each view dump
					 * (@nth from 1): what another
					 * process does meanwhile */
	int view_dumps;			/* view dumps */
	/* LAYER_ADD: names of the added layers in order; ids from 100. */
	struct lfs_strv added;
};

extern struct fake_nl fake_nl;

/* Forgets script and record (frees the recorded request). */
void fake_nl_reset(void);

#endif /* LAYERCTL_FAKE_NL_H */
