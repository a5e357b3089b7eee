// SPDX-License-Identifier: GPL-2.0
/* Scripted stand-in for userspace/nl.c (see fake_nl.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "fake_nl.h"
#include "nl.h"

struct fake_nl fake_nl;

struct lfs_nl {
	int unused;
};

static struct lfs_nl fake_handle;

void fake_nl_reset(void)
{
	free(fake_nl.req);
	free(fake_nl.add_req);
	free(fake_nl.commit_new_upper);
	free(fake_nl.commit_req);
	lfs_strv_free(&fake_nl.added);
	memset(&fake_nl, 0, sizeof(fake_nl));
	memset(&fake_handle, 0, sizeof(fake_handle));
}

int lfs_nl_open(struct lfs_nl **nlp, const char *module_path,
		struct lfs_err *e)
{
	fake_nl.opens++;
	fake_nl.module = module_path;
	*nlp = NULL;
	if (fake_nl.open_err) {
		lfs_err_set(e, 0, "%s", fake_nl.open_msg);
		return fake_nl.open_err;
	}
	*nlp = &fake_handle;
	return 0;
}

/* The signature is nl.h's. */
// cppcheck-suppress constParameter
void lfs_nl_close(struct lfs_nl *nl)
{
	if (nl)
		fake_nl.closes++;
}

/* A failed request, as nl.c leaves it in @e: the errno, the extack. */
static int fake_fail(int rc, const char *extack, struct lfs_err *e)
{
	return lfs_err_set(e, rc, "%s", extack ? extack : "");
}

/* Records a request; returns the scripted error (in @e). */
static int fake_request(int cmd, int dump, const struct lfs_layer *l,
			struct lfs_err *e)
{
	fake_nl.requests++;
	fake_nl.cmd = cmd;
	fake_nl.dump = dump;
	free(fake_nl.req);
	fake_nl.req = l ? lfs_layer_dup(l) : NULL;
	if (cmd == LAYERFS_CMD_LAYER_ADD && l) {
		free(fake_nl.add_req);
		fake_nl.add_req = lfs_layer_dup(l);
	}
	return fake_nl.err ? fake_fail(fake_nl.err, fake_nl.extack, e) : 0;
}

static const struct lfs_layer *fake_find(const struct lfs_layer *key)
{
	size_t i;

	for (i = 0; i < fake_nl.n_layers; i++)
		if (key->name && !strcmp(fake_nl.layers[i]->name, key->name))
			return fake_nl.layers[i];
	return NULL;
}

/* What the kernel would answer. */
static int fake_not_found(struct lfs_err *e)
{
	return fake_fail(-ENOENT, "no such layer", e);
}

int lfs_nl_layer_add(struct lfs_nl *nl, const struct lfs_layer *layer,
		     struct lfs_layer **created, struct lfs_err *e)
{
	int rc = fake_request(LAYERFS_CMD_LAYER_ADD, 0, layer, e);

	(void)nl;
	if (rc)
		return rc;
	if (layer->name && lfs_strv_push(&fake_nl.added, layer->name) < 0)
		return fake_fail(-ENOMEM, NULL, e);
	if (created) {
		*created = lfs_layer_dup(layer);
		if (!*created)
			return fake_fail(-ENOMEM, NULL, e);
		(*created)->has |= LFS_HAS_ID;
		(*created)->id = 99 + fake_nl.added.n;
	}
	return 0;
}

int lfs_nl_layer_del(struct lfs_nl *nl, const struct lfs_layer *key,
		     struct lfs_err *e)
{
	int rc = fake_request(LAYERFS_CMD_LAYER_DEL, 0, key, e);

	(void)nl;
	if (rc)
		return rc;
	return fake_find(key) ? 0 : fake_not_found(e);
}

/* The fake kernel takes any index (nothing here reads it). */
/* The registered layer @key names, into *@out (if not NULL). */
static int fake_reply(const struct lfs_layer *key, struct lfs_layer **out,
		      struct lfs_err *e)
{
	const struct lfs_layer *l = fake_find(key);

	if (!l)
		return fake_not_found(e);
	if (!out)
		return 0;
	*out = lfs_layer_dup(l);
	return *out ? 0 : fake_fail(-ENOMEM, NULL, e);
}

/* The fake kernel takes any index (nothing here reads it). */
int lfs_nl_layer_index(struct lfs_nl *nl, const struct lfs_layer *key,
		       int fd, struct lfs_layer **out, struct lfs_err *e)
{
	int rc = fake_request(LAYERFS_CMD_LAYER_INDEX, 0, key, e);

	(void)nl;
	(void)fd;
	return rc ? rc : fake_reply(key, out, e);
}

int lfs_nl_layer_lookup(struct lfs_nl *nl, const struct lfs_layer *key,
			struct lfs_layer **out, struct lfs_err *e)
{
	int rc = fake_request(LAYERFS_CMD_LAYER_GET, 0, key, e);

	(void)nl;
	fake_nl.lookups++;
	if (rc)
		return rc;
	if (fake_nl.get_err &&
	    ((fake_nl.get_fail_name && key->name &&
	      !strcmp(key->name, fake_nl.get_fail_name)) ||
	     (fake_nl.get_fail_id && (key->has & LFS_HAS_ID) &&
	      key->id == fake_nl.get_fail_id)))
		return fake_fail(fake_nl.get_err, fake_nl.get_extack, e);
	return fake_reply(key, out, e);
}

int lfs_nl_layer_get(struct lfs_nl *nl, const struct lfs_layer *key,
		     struct lfs_layer **out)
{
	return lfs_nl_layer_lookup(nl, key, out, NULL);
}

/* A dump's callback error, as nl.c gives it: no text. */
int lfs_nl_layer_dump(struct lfs_nl *nl, lfs_layer_cb cb, void *arg,
		      struct lfs_err *e)
{
	size_t i;
	int rc = fake_request(LAYERFS_CMD_LAYER_GET, 1, NULL, e);

	(void)nl;
	fake_nl.dumps++;
	for (i = 0; !rc && i < fake_nl.n_layers; i++)
		rc = cb(fake_nl.layers[i], arg);
	return rc && !fake_nl.err ? fake_fail(rc, NULL, e) : rc;
}

int lfs_nl_view_dump(struct lfs_nl *nl, lfs_view_part_cb cb, void *arg,
		     struct lfs_err *e)
{
	size_t i;
	int rc = fake_request(LAYERFS_CMD_VIEW_GET, 1, NULL, e);

	(void)nl;
	fake_nl.view_dumps++;
	if (fake_nl.view_dump_hook)
		fake_nl.view_dump_hook(fake_nl.view_dumps);
	for (i = 0; !rc && i < fake_nl.n_view_parts; i++)
		rc = cb(fake_nl.view_parts[i], arg);
	return rc && !fake_nl.err ? fake_fail(rc, NULL, e) : rc;
}

int lfs_nl_view_commit(struct lfs_nl *nl, uint64_t view_id,
		       const char *new_upper, const struct lfs_layer *layer,
		       struct lfs_layer **created, struct lfs_err *e)
{
	struct lfs_layer reply;
	int rc = fake_request(LAYERFS_CMD_VIEW_COMMIT, 0, layer, e);

	fake_nl.commits++;
	fake_nl.commit_view = view_id;
	free(fake_nl.commit_new_upper);
	fake_nl.commit_new_upper = new_upper ? strdup(new_upper) : NULL;
	free(fake_nl.commit_req);
	fake_nl.commit_req = lfs_layer_dup(layer);
	(void)nl;
	if (rc)
		return rc;
	if (fake_nl.commit_err)
		return fake_fail(fake_nl.commit_err, fake_nl.commit_extack, e);
	reply = *layer;
	reply.has |= LFS_HAS_ID | LFS_HAS_FLAGS | LFS_HAS_CREATED;
	reply.id = 77;
	reply.flags = LAYERFS_LAYER_F_FROZEN;
	if (!(layer->has & LFS_HAS_CREATED))
		reply.created = 1800000000000000000ULL;
	reply.path = fake_nl.commit_path ? fake_nl.commit_path : "/old-upper";
	reply.parent = fake_nl.commit_parent;
	reply.base = fake_nl.commit_nbase ? fake_nl.commit_base : NULL;
	reply.nbase = fake_nl.commit_nbase;
	if (fake_nl.commit_hook)
		fake_nl.commit_hook();
	if (created) {
		*created = lfs_layer_dup(&reply);
		if (!*created)
			return fake_fail(-ENOMEM, NULL, e);
	}
	return 0;
}
