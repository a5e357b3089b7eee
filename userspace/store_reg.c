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

#include "nl.h"
#include "store.h"
#include "store_reg.h"
#include "storeref.h"

/* One BASE position of the layer being named, sorted by id. */
struct lfs_id_pos {
	uint64_t id;
	uint32_t i;
};

struct lfs_id_names {
	struct lfs_id_pos *pos;		/* sorted by id */
	uint32_t n;
	char **names;			/* by BASE position */
};

static int lfs_id_pos_cmp(const void *a, const void *b)
{
	const struct lfs_id_pos *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Each layer of the dump: a binary search among the BASE ids. */
static int lfs_collect_base(const struct lfs_layer *l, void *arg)
{
	struct lfs_id_names *d = arg;
	struct lfs_id_pos key = { l->id, 0 }, *p;

	p = bsearch(&key, d->pos, d->n, sizeof(*p), lfs_id_pos_cmp);
	if (!p)
		return 0;
	while (p > d->pos && p[-1].id == l->id)
		p--;
	for (; p < d->pos + d->n && p->id == l->id; p++) {
		if (d->names[p->i])
			continue;
		d->names[p->i] = strdup(l->name);
		if (!d->names[p->i])
			return -ENOMEM;
	}
	return 0;
}

int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			 struct lfs_strv *out)
{
	struct lfs_id_names d = { NULL, l->nbase, NULL };
	uint32_t i;
	int rc = -ENOMEM;

	if (!l->nbase)
		return 0;
	d.names = calloc(l->nbase, sizeof(*d.names));
	d.pos = calloc(l->nbase, sizeof(*d.pos));
	if (!d.names || !d.pos)
		goto out;
	for (i = 0; i < l->nbase; i++) {
		d.pos[i].id = lfs_layer_base_id(l, i);
		d.pos[i].i = i;
	}
	qsort(d.pos, d.n, sizeof(*d.pos), lfs_id_pos_cmp);
	rc = lfs_nl_layer_dump(nl, lfs_collect_base, &d, NULL);
	for (i = 0; i < l->nbase && !rc; i++)
		rc = d.names[i] ? lfs_strv_push(out, d.names[i]) : -ENOENT;
out:
	for (i = 0; d.names && i < l->nbase; i++)
		free(d.names[i]);
	free(d.names);
	free(d.pos);
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

int lfs_store_record_layer(struct lfs_store *st, struct lfs_nl *nl,
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
	rc = lfs_store_base_refs(nl, l, &m.base);
	if (rc) {
		lfs_err_set(e, rc, "cannot name its BASE layers");
		goto out;
	}
	rc = lfs_store_layer_write_meta(st, &m, e);
out:
	lfs_strv_free(&m.base);
	return rc;
}

static int lfs_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds @m's parent and BASE to the sorted set @covered. */
static int lfs_cover(struct lfs_strv *covered, const struct lfs_meta *m)
{
	size_t i;
	int rc = 0;

	if (m->parent)
		rc = lfs_strv_push(covered, m->parent);
	for (i = 0; i < m->base.n && !rc; i++)
		rc = lfs_strv_push(covered, m->base.v[i]);
	if (!rc && covered->n)
		qsort(covered->v, covered->n, sizeof(*covered->v), lfs_str_cmp);
	return rc;
}

static int lfs_covered(const struct lfs_strv *covered, const char *ref)
{
	return covered->n && bsearch(&ref, covered->v, covered->n,
				     sizeof(*covered->v), lfs_str_cmp);
}

/*
 * Records are closed under ancestry (storeref.h): a layer found recorded
 * has its parent and BASE recorded too, so they are not looked up again.
 * A commit on a recorded image then reads one entry and one record, not
 * one per layer below it.  The layers not recorded are found first and
 * recorded deepest first, so that a crash leaves no record whose
 * ancestors lack theirs.
 */
int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, struct lfs_err *e)
{
	struct lfs_strv todo = LFS_STRV_INIT, covered = LFS_STRV_INIT;
	struct lfs_layer key = { 0 }, *l = NULL, **found = NULL;
	size_t i, j, nfound = 0;
	int rc = 0;

	if (top->parent)
		rc = lfs_strv_push(&todo, top->parent);
	for (i = 0; i < top->base.n && !rc; i++)
		rc = lfs_strv_push(&todo, top->base.v[i]);
	for (i = 0; i < todo.n && !rc; i++) {
		const char *ref = todo.v[i];
		struct lfs_strv base = LFS_STRV_INIT;
		struct lfs_layer **more;
		struct lfs_meta m;

		if (lfs_covered(&covered, ref))
			continue;
		rc = lfs_store_ref_get(st, ref, &m, e);
		if (rc > 0) {
			rc = lfs_strv_push(&covered, ref) ?:
			     lfs_cover(&covered, &m);
			lfs_meta_free(&m);
			continue;
		}
		lfs_meta_free(&m);
		if (rc)
			break;
		/* Not recorded: met again below another layer, once. */
		for (j = 0; j < nfound && strcmp(found[j]->name, ref); j++)
			;
		if (j < nfound)
			continue;
		key.name = ref;
		rc = lfs_nl_layer_lookup(nl, &key, &l, e);
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
		if (l->parent)
			rc = lfs_strv_push(&todo, l->parent);
		if (!rc)
			rc = lfs_store_base_refs(nl, l, &base);
		for (j = 0; j < base.n && !rc; j++)
			rc = lfs_strv_push(&todo, base.v[j]);
		lfs_strv_free(&base);
	}
	/* Found top down: recorded bottom up. */
	for (i = nfound; i-- > 0 && !rc;)
		rc = lfs_store_record_layer(st, nl, found[i], e);
	for (i = 0; i < nfound; i++)
		free(found[i]);
	free(found);
	lfs_strv_free(&todo);
	lfs_strv_free(&covered);
	return rc;
}

int lfs_store_record_chain(struct lfs_store *st, struct lfs_nl *nl,
			   const struct lfs_layer *l, struct lfs_err *e)
{
	struct lfs_meta top = { 0 };
	int rc;

	top.parent = (char *)l->parent;
	rc = lfs_store_base_refs(nl, l, &top.base);
	if (rc)
		lfs_err_set(e, rc, "cannot name its BASE layers");
	if (!rc)
		rc = lfs_store_record_ancestors(st, nl, &top, e);
	lfs_strv_free(&top.base);
	return rc ? rc : lfs_store_record_layer(st, nl, l, e);
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
			return -ENOMEM;
	}
	for (i = 0; i < m->base.n; i++) {
		key.name = m->base.v[i];
		rc = lfs_nl_layer_lookup(nl, &key, &got, NULL);
		if (rc) {
			free(ids);
			if (rc == -ENOENT)
				return lfs_err_set(e, rc, "BASE layer '%s': not registered",
						   m->base.v[i]);
			return lfs_err_set(e, rc, "BASE layer '%s'",
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
