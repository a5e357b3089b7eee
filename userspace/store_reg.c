// SPDX-License-Identifier: GPL-2.0
/*
 * The store and the kernel registry (see store_reg.h): registering a
 * stored layer, recording a registered one (and those below it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namequeue.h"
#include "nl.h"
#include "regnames.h"
#include "store.h"
#include "store_reg.h"
#include "storeref.h"

/*
 * BASE names for a walk: the registry's names by id, from one dump made
 * the first time a BASE is to be named (a walk that meets only recorded
 * layers makes none).
 */
struct lfs_namer {
	struct lfs_nl *nl;
	struct lfs_reg_names names;
	int dumped;
};

#define LFS_NAMER_INIT(nl) { (nl), LFS_REG_NAMES_INIT, 0 }

static int lfs_namer_collect(const struct lfs_layer *l, void *arg)
{
	return l->name ? lfs_reg_names_add(arg, l->id, l->name) : 0;
}

/* The refs of @l's BASE ids, in order, appended to @out. */
static int lfs_namer_base(struct lfs_namer *nm, const struct lfs_layer *l,
			  struct lfs_strv *out)
{
	int rc;

	if (!l->nbase)
		return 0;
	if (!nm->dumped) {
		rc = lfs_nl_layer_dump(nm->nl, lfs_namer_collect, &nm->names,
				       NULL);
		if (rc) {
			lfs_reg_names_free(&nm->names);
			return rc;
		}
		nm->dumped = 1;
	}
	return lfs_reg_names_base(&nm->names, l, out);
}

static void lfs_namer_free(struct lfs_namer *nm)
{
	lfs_reg_names_free(&nm->names);
}

int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			 struct lfs_strv *out)
{
	struct lfs_namer nm = LFS_NAMER_INIT(nl);
	int rc = lfs_namer_base(&nm, l, out);

	lfs_namer_free(&nm);
	return rc;
}

void lfs_meta_borrow_layer(struct lfs_meta *m, const struct lfs_layer *l,
			   char *key)
{
	m->ref = (char *)l->name;
	m->key = key;
	m->parent = (char *)l->parent;
	m->author = (char *)l->author;
	m->message = (char *)l->message;
	m->created = l->created;
	m->flags = l->flags;
	m->diff = (char *)l->path;
}

static int lfs_record_layer(struct lfs_store *st, struct lfs_namer *nm,
			    const struct lfs_layer *l, struct lfs_err *e)
{
	struct lfs_meta m = { 0 };
	char key[LFS_KEY_LEN + 1];
	int rc;

	if (!lfs_store_path_key(st->root, l->path, key) ||
	    !lfs_store_layer_read_meta(st, key, &m, NULL)) {
		lfs_meta_free(&m);
		rc = lfs_store_layer_create_bare(st, key, e);
		if (rc)
			return rc;
	}
	lfs_meta_borrow_layer(&m, l, key);
	rc = lfs_namer_base(nm, l, &m.base);
	if (rc) {
		lfs_err_set(e, rc, "cannot name its BASE layers");
		goto out;
	}
	rc = lfs_store_layer_write_meta(st, &m, e);
out:
	lfs_strv_free(&m.base);
	return rc;
}

int lfs_store_record_layer(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, struct lfs_err *e)
{
	struct lfs_namer nm = LFS_NAMER_INIT(nl);
	int rc = lfs_record_layer(st, &nm, l, e);

	lfs_namer_free(&nm);
	return rc;
}

/* Marks @m's parent and BASE done: recorded, as records are closed. */
static int lfs_cover(struct lfs_nameq *q, const struct lfs_meta *m)
{
	size_t i;
	int rc = 0;

	if (m->parent)
		rc = lfs_nameq_done(q, m->parent);
	for (i = 0; i < m->base.n && !rc; i++)
		rc = lfs_nameq_done(q, m->base.v[i]);
	return rc;
}

/* Queues the unrecorded layer @l's parent and BASE. */
static int lfs_queue_below(struct lfs_nameq *q, struct lfs_namer *nm,
			   const struct lfs_layer *l, struct lfs_err *e)
{
	struct lfs_strv base = LFS_STRV_INIT;
	size_t i;
	int rc = 0;

	if (l->parent)
		rc = lfs_nameq_push(q, l->parent);
	if (rc >= 0) {
		rc = lfs_namer_base(nm, l, &base);
		if (rc)
			lfs_err_named(e, rc, "cannot name its BASE layers",
				      "layer '%s'", l->name);
	}
	for (i = 0; i < base.n && rc >= 0; i++)
		rc = lfs_nameq_push(q, base.v[i]);
	lfs_strv_free(&base);
	return rc < 0 ? rc : 0;
}

/*
 * Records are closed under ancestry (storeref.h): a layer found recorded
 * has its parent and BASE recorded too, so they are not looked up again.
 * A commit on a recorded image then reads one entry and one record, not
 * one per layer below it.  The layers not recorded are found first and
 * recorded deepest first, so that a crash leaves no record whose
 * ancestors lack theirs.  Each name is looked up once however many BASE
 * lists hold it (@q), and every BASE is named from one registry dump
 * (@nm): an image of N layers never recorded costs N lookups, not N^2,
 * and one dump, not 2N.
 */
static int lfs_record_ancestors(struct lfs_store *st, struct lfs_namer *nm,
				const struct lfs_meta *top, struct lfs_err *e)
{
	struct lfs_nameq q = LFS_NAMEQ_INIT;
	struct lfs_layer key = { 0 }, *l = NULL, **found = NULL;
	size_t i, nfound = 0;
	const char *ref;
	int rc = 0;

	if (top->parent)
		rc = lfs_nameq_push(&q, top->parent);
	for (i = 0; i < top->base.n && rc >= 0; i++)
		rc = lfs_nameq_push(&q, top->base.v[i]);
	rc = rc < 0 ? rc : 0;
	while (!rc && (ref = lfs_nameq_next(&q))) {
		struct lfs_layer **more;
		struct lfs_meta m;

		rc = lfs_store_ref_get(st, ref, &m, e);
		if (rc > 0) {
			rc = lfs_cover(&q, &m);
			lfs_meta_free(&m);
			continue;
		}
		lfs_meta_free(&m);
		if (rc)
			break;
		key.name = ref;
		rc = lfs_nl_layer_lookup(nm->nl, &key, &l, e);
		if (rc) {
			lfs_err_prefix(e, rc, "cannot record layer '%s' below it",
				       ref);
			break;
		}
		more = realloc(found, (nfound + 1) * sizeof(*found));
		if (!more) {
			free(l);
			rc = -ENOMEM;
			break;
		}
		found = more;
		found[nfound++] = l;
		rc = lfs_queue_below(&q, nm, l, e);
	}
	/* Found top down: recorded bottom up. */
	for (i = nfound; i-- > 0 && !rc;)
		rc = lfs_record_layer(st, nm, found[i], e);
	for (i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	lfs_nameq_free(&q);
	return rc;
}

int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, struct lfs_err *e)
{
	struct lfs_namer nm = LFS_NAMER_INIT(nl);
	int rc = lfs_record_ancestors(st, &nm, top, e);

	lfs_namer_free(&nm);
	return rc;
}

int lfs_store_record_chain(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, struct lfs_err *e)
{
	struct lfs_namer nm = LFS_NAMER_INIT(nl);
	struct lfs_meta top = { 0 };
	int rc;

	top.parent = (char *)l->parent;
	rc = lfs_namer_base(&nm, l, &top.base);
	if (rc)
		lfs_err_set(e, rc, "cannot name its BASE layers");
	if (!rc)
		rc = lfs_record_ancestors(st, &nm, &top, e);
	lfs_strv_free(&top.base);
	if (!rc)
		rc = lfs_record_layer(st, &nm, l, e);
	lfs_namer_free(&nm);
	return rc;
}

int lfs_store_register_layer(struct lfs_nl *nl, const struct lfs_meta *m,
			     int *skipped, struct lfs_err *e)
{
	struct lfs_layer key = { 0 }, add = { 0 }, *got = NULL;
	char real[PATH_MAX];
	uint64_t *ids = NULL;
	size_t i;
	int rc;

	*skipped = 0;
	key.name = m->ref;
	rc = lfs_nl_layer_lookup(nl, &key, &got, e);
	if (!rc) {
		const char *want = realpath(m->diff, real) ? real : m->diff;

		if (!strcmp(got->path, want)) {
			*skipped = 1;
		} else {
			rc = lfs_err_set(e, -EEXIST,
					 "registered already, with the directory %s",
					 got->path);
		}
		free(got);
		return rc;
	}
	if (rc != -ENOENT)
		return rc;
	lfs_err_clear(e);
	if (m->base.n) {
		ids = calloc(m->base.n, sizeof(*ids));
		if (!ids)
			return lfs_err_set(e, -ENOMEM, "layer '%s'", m->ref);
	}
	for (i = 0; i < m->base.n; i++) {
		key.name = m->base.v[i];
		rc = lfs_nl_layer_lookup(nl, &key, &got, e);
		if (rc) {
			free(ids);
			if (rc == -ENOENT)
				lfs_err_set(e, rc, "not registered");
			return lfs_err_prefix(e, rc, "BASE layer '%s'",
					      m->base.v[i]);
		}
		ids[i] = got->id;
		free(got);
	}
	add.name = m->ref;
	add.path = m->diff;
	add.parent = m->parent;
	add.author = m->author;
	add.message = m->message;
	add.has = LFS_HAS_CREATED;
	add.created = m->created;
	if (m->flags) {
		add.has |= LFS_HAS_FLAGS;
		add.flags = m->flags;
	}
	add.base = ids;
	add.nbase = (uint32_t)m->base.n;
	rc = lfs_nl_layer_add(nl, &add, NULL, e);
	free(ids);
	return rc;
}
