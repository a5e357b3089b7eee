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

struct lfs_id_names {
	const struct lfs_layer *want;
	struct lfs_strv *out;
	char **names;
};

static int lfs_collect_base(const struct lfs_layer *l, void *arg)
{
	struct lfs_id_names *d = arg;
	uint32_t i;

	for (i = 0; i < d->want->nbase; i++)
		if (lfs_layer_base_id(d->want, i) == l->id && !d->names[i]) {
			d->names[i] = strdup(l->name);
			if (!d->names[i])
				return -ENOMEM;
		}
	return 0;
}

int lfs_store_base_refs(struct lfs_nl *nl, const struct lfs_layer *l,
			 struct lfs_strv *out)
{
	struct lfs_id_names d = { l, out, NULL };
	uint32_t i;
	int rc;

	if (!l->nbase)
		return 0;
	d.names = calloc(l->nbase, sizeof(*d.names));
	if (!d.names)
		return -ENOMEM;
	rc = lfs_nl_layer_dump(nl, lfs_collect_base, &d, NULL);
	for (i = 0; i < l->nbase && !rc; i++)
		rc = d.names[i] ? lfs_strv_push(out, d.names[i]) : -ENOENT;
	for (i = 0; i < l->nbase; i++)
		free(d.names[i]);
	free(d.names);
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

int lfs_store_record_ancestors(struct lfs_store *st, struct lfs_nl *nl,
			       const struct lfs_meta *top, struct lfs_err *e)
{
	struct lfs_meta_list list = LFS_META_LIST_INIT;
	struct lfs_strv todo = LFS_STRV_INIT, done = LFS_STRV_INIT;
	struct lfs_layer key = { 0 }, *l = NULL;
	size_t i, j;
	int rc;

	rc = lfs_store_layer_list(st, &list, e);
	if (rc)
		return rc;
	if (top->parent)
		rc = lfs_strv_push(&todo, top->parent);
	for (i = 0; i < top->base.n && !rc; i++)
		rc = lfs_strv_push(&todo, top->base.v[i]);
	for (i = 0; i < todo.n && !rc; i++) {
		const char *ref = todo.v[i];
		struct lfs_strv base = LFS_STRV_INIT;

		if (lfs_meta_find(list.v, list.n, ref) >= 0 ||
		    lfs_strv_has(&done, ref))
			continue;
		key.name = ref;
		rc = lfs_nl_layer_lookup(nl, &key, &l, e);
		if (rc) {
			lfs_err_prefix(e, rc, "cannot record layer '%s' below it",
				       ref);
			break;
		}
		rc = lfs_store_record_layer(st, nl, l, e);
		if (!rc)
			rc = lfs_strv_push(&done, ref);
		if (!rc && l->parent)
			rc = lfs_strv_push(&todo, l->parent);
		if (!rc)
			rc = lfs_store_base_refs(nl, l, &base);
		for (j = 0; j < base.n && !rc; j++)
			rc = lfs_strv_push(&todo, base.v[j]);
		lfs_strv_free(&base);
		free(l);
		l = NULL;
	}
	lfs_strv_free(&todo);
	lfs_strv_free(&done);
	lfs_meta_list_free(&list);
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
