// SPDX-License-Identifier: GPL-2.0
/*
 * The flattened index of a frozen layer chain: layer trees, parsing, the
 * incremental merge and serialization.  Pure: no I/O (index_io.c does it).
 * See index_build.h and include/layerfs/index.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "index_build.h"

/* Layer trees */

struct lfs_lent *lfs_ldir_add(struct lfs_ldir *d, const char *name,
			      unsigned int type, uint64_t ino)
{
	size_t len = strlen(name);
	struct lfs_lent *e;

	if (layerfs_index_name_check(name, len))
		return NULL;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct lfs_lent *p = realloc(d->ents, cap * sizeof(*p));

		if (!p)
			return NULL;
		d->ents = p;
		d->cap = cap;
	}
	e = &d->ents[d->n];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return NULL;
	if (type == LAYERFS_INDEX_DT_DIR) {
		e->dir = calloc(1, sizeof(*e->dir));
		if (!e->dir) {
			free(e->name);
			return NULL;
		}
	}
	e->len = len;
	e->type = type;
	e->ino = ino;
	d->n++;
	return e;
}

int lfs_lent_set_fh(struct lfs_lent *e, uint32_t type, const void *fh,
		    unsigned int len)
{
	char *p;

	if (e->type == LAYERFS_INDEX_DT_DIR || e->type == LFS_LENT_WHITEOUT ||
	    !len || len % 4 || len > LAYERFS_INDEX_FH_MAX || type > 254 ||
	    e->stat)
		return -EINVAL;
	p = realloc(e->name, e->len + 1 + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + e->len + 1, fh, len);
	e->name = p;
	e->fh_len = len;
	e->fh_type = type;
	return 0;
}

int lfs_lent_set_stat(struct lfs_lent *e, const struct layerfs_index_stat *st)
{
	char *p;

	if (e->type == LAYERFS_INDEX_DT_DIR || e->type == LFS_LENT_WHITEOUT ||
	    e->stat || layerfs_index_check_stat(st, e->type))
		return -EINVAL;
	p = realloc(e->name, e->len + 1 + e->fh_len + sizeof(*st));
	if (!p)
		return -ENOMEM;
	memcpy(p + e->len + 1 + e->fh_len, st, sizeof(*st));
	e->name = p;
	e->stat = 1;
	return 0;
}

void lfs_index_stat_from(struct layerfs_index_stat *st, const struct stat *sb)
{
	memset(st, 0, sizeof(*st));
	st->mode = lfsx_cpu32(sb->st_mode);
	st->nlink = lfsx_cpu32(sb->st_nlink);
	st->uid = lfsx_cpu32(sb->st_uid);
	st->gid = lfsx_cpu32(sb->st_gid);
	st->rdev_major = lfsx_cpu32(major(sb->st_rdev));
	st->rdev_minor = lfsx_cpu32(minor(sb->st_rdev));
	st->blksize = lfsx_cpu32(sb->st_blksize);
	st->size = lfsx_cpu64(sb->st_size);
	st->blocks = lfsx_cpu64(sb->st_blocks);
	st->atime = lfsx_cpu64(sb->st_atim.tv_sec);
	st->mtime = lfsx_cpu64(sb->st_mtim.tv_sec);
	st->ctime = lfsx_cpu64(sb->st_ctim.tv_sec);
	st->atime_nsec = lfsx_cpu32(sb->st_atim.tv_nsec);
	st->mtime_nsec = lfsx_cpu32(sb->st_mtim.tv_nsec);
	st->ctime_nsec = lfsx_cpu32(sb->st_ctim.tv_nsec);
}

static int lfs_lent_cmp(const void *a, const void *b)
{
	const struct lfs_lent *x = a, *y = b;

	return layerfs_index_name_cmp(x->name, x->len, y->name, y->len);
}

int lfs_ldir_sort(struct lfs_ldir *d)
{
	size_t i;
	int err;

	if (d->n > 1)
		qsort(d->ents, d->n, sizeof(*d->ents), lfs_lent_cmp);
	for (i = 0; i < d->n; i++) {
		if (i && !lfs_lent_cmp(&d->ents[i - 1], &d->ents[i]))
			return -EEXIST;
		if (d->ents[i].dir) {
			err = lfs_ldir_sort(d->ents[i].dir);
			if (err)
				return err;
		}
	}
	return 0;
}

void lfs_ldir_free(struct lfs_ldir *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->ents[i].name);
		if (d->ents[i].dir) {
			lfs_ldir_free(d->ents[i].dir);
			free(d->ents[i].dir);
		}
	}
	free(d->ents);
	memset(d, 0, sizeof(*d));
}

/* CRC-32C, slicing by 8: eight table lookups per 8 bytes. */

static uint32_t lfs_crc_table[8][256];

static void lfs_crc_init(void)
{
	unsigned int i, k;

	for (i = 0; i < 256; i++) {
		uint32_t c = i;

		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78U & (0U - (c & 1)));
		lfs_crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			lfs_crc_table[k][i] = (lfs_crc_table[k - 1][i] >> 8) ^
				lfs_crc_table[0][lfs_crc_table[k - 1][i] & 0xff];
}

uint32_t lfs_index_crc32c(const void *data, size_t len)
{
	const uint32_t (*t)[256] = lfs_crc_table;
	const unsigned char *p = data;
	uint32_t crc = 0xffffffffU, lo, hi;

	if (!t[0][1])
		lfs_crc_init();
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
		lo = lfsx_le32(lo) ^ crc;
		hi = lfsx_le32(hi);
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
		      t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffU;
}

/* Parsed indexes */

int lfs_index_parse(struct lfs_index *ix, const void *buf, size_t len,
		    struct lfs_err *e)
{
	const struct layerfs_index_header *h = buf;
	const char *why;

	memset(ix, 0, sizeof(*ix));
	if ((uintptr_t)buf & 7)
		why = "buffer not 8-byte aligned";
	else
		why = layerfs_index_check_header(h, len);
	if (!why && lfs_index_crc32c((const char *)buf + 16, len - 16) !=
	    lfsx_le32(h->crc))
		why = "checksum mismatch";
	if (!why)
		why = layerfs_index_check(buf, len, LAYERFS_INDEX_CHECK_NO_CRC);
	if (why)
		return lfs_err_set(e, -EINVAL, "%s", why);
	ix->buf = buf;
	ix->len = len;
	ix->nlayers = lfsx_le32(h->nlayers);
	ix->ndirs = lfsx_le32(h->ndirs);
	ix->nentries = lfsx_le32(h->nentries);
	ix->layers = (const void *)(ix->buf + LAYERFS_INDEX_HEADER_SIZE);
	ix->dirs = (const void *)(ix->buf + lfsx_le64(h->dirs_off));
	ix->ents = (const void *)(ix->buf + lfsx_le64(h->entries_off));
	ix->names = (const char *)ix->buf + lfsx_le64(h->names_off);
	return 0;
}

void lfs_index_close(struct lfs_index *ix)
{
	if (ix->release)
		ix->release(ix);
	memset(ix, 0, sizeof(*ix));
}

/* Merged trees */

static void lfs_mdir_free(struct lfs_mdir *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		lfs_mdir_free(m->ents[i].dir);
	free(m->ents);
	free(m);
}

void lfs_mtree_free(struct lfs_mtree *t)
{
	lfs_mdir_free(t->root);
	free(t->layers);
	memset(t, 0, sizeof(*t));
}

static struct lfs_mdir *lfs_mdir_new(size_t cap)
{
	struct lfs_mdir *m = calloc(1, sizeof(*m));

	if (m && cap) {
		m->ents = calloc(cap, sizeof(*m->ents));
		if (!m->ents) {
			free(m);
			return NULL;
		}
	}
	return m;
}

/* Entry @i of index @b, its layers @shift deeper, as a reference. */
static void lfs_ment_from_index(struct lfs_ment *m, const struct lfs_index *b,
				uint32_t i, uint32_t shift)
{
	const struct layerfs_index_entry *e = &b->ents[i];

	m->name = b->names + lfsx_le32(e->name_off);
	m->len = e->name_len;
	m->type = e->type;
	m->flags = e->flags;
	m->layer = lfsx_le32(e->layer) + shift;
	m->bottom = lfsx_le32(e->bottom) + shift;
	m->ino = lfsx_le64(e->ino);
	m->fh_len = e->fh_len;
	m->fh_type = lfsx_le32(e->fh_type);
	m->fh = (const unsigned char *)m->name + m->len;
	m->dir = NULL;
	m->ref = e->type == LAYERFS_INDEX_DT_DIR ? lfsx_le32(e->dir) :
		 LAYERFS_INDEX_NONE;
}

static struct lfs_mdir *lfs_mdir_from_layer(const struct lfs_ldir *l);

/* The fields of object @l of the top layer, without a child directory. */
static void lfs_ment_fields(struct lfs_ment *m, const struct lfs_lent *l)
{
	m->name = l->name;
	m->len = l->len;
	m->type = l->type;
	m->flags = (l->origin ? LAYERFS_INDEX_E_ORIGIN : 0) |
		   (l->stat ? LAYERFS_INDEX_E_STAT : 0);
	m->layer = 0;
	m->bottom = 0;
	m->ino = l->ino;
	m->fh_len = l->fh_len;
	m->fh_type = l->fh_type;
	m->fh = (const unsigned char *)l->name + l->len + 1;
	m->ref = LAYERFS_INDEX_NONE;
	m->dir = NULL;
}

/* Object @l of the top layer (not a whiteout), hiding what is below it. */
static int lfs_ment_from_layer(struct lfs_ment *m, const struct lfs_lent *l)
{
	lfs_ment_fields(m, l);
	if (l->type != LAYERFS_INDEX_DT_DIR)
		return 0;
	if (l->opaque)
		m->flags |= LAYERFS_INDEX_E_OPAQUE;
	m->dir = lfs_mdir_from_layer(l->dir);
	return m->dir ? 0 : -ENOMEM;
}

/* A directory of the top layer with nothing below it. */
static struct lfs_mdir *lfs_mdir_from_layer(const struct lfs_ldir *l)
{
	struct lfs_mdir *m = lfs_mdir_new(l->n);
	size_t i;

	if (!m)
		return NULL;
	for (i = 0; i < l->n; i++) {
		if (l->ents[i].type == LFS_LENT_WHITEOUT)
			continue;
		if (lfs_ment_from_layer(&m->ents[m->n++], &l->ents[i])) {
			lfs_mdir_free(m);
			return NULL;
		}
	}
	return m;
}

static struct lfs_mdir *lfs_mdir_merge(const struct lfs_ldir *l,
				       const struct lfs_index *b, uint32_t id);

/* A name both in the top layer (@l) and below it (entry @i of @b). */
static int lfs_ment_merge(struct lfs_ment *m, const struct lfs_lent *l,
			  const struct lfs_index *b, uint32_t i)
{
	const struct layerfs_index_entry *e = &b->ents[i];

	if (l->type != LAYERFS_INDEX_DT_DIR || l->opaque ||
	    e->type != LAYERFS_INDEX_DT_DIR)
		return lfs_ment_from_layer(m, l);
	lfs_ment_fields(m, l);
	m->bottom = lfsx_le32(e->bottom) + 1;
	m->flags |= LAYERFS_INDEX_E_MERGED |
		    (e->flags & LAYERFS_INDEX_E_OPAQUE);
	m->dir = lfs_mdir_merge(l->dir, b, lfsx_le32(e->dir));
	return m->dir ? 0 : -ENOMEM;
}

/* Directory @l of the top layer over directory @id of index @b. */
static struct lfs_mdir *lfs_mdir_merge(const struct lfs_ldir *l,
				       const struct lfs_index *b, uint32_t id)
{
	uint32_t j = lfsx_le32(b->dirs[id].first);
	uint32_t end = j + lfsx_le32(b->dirs[id].count);
	struct lfs_mdir *m = lfs_mdir_new(l->n + (end - j));
	const struct layerfs_index_entry *e;
	size_t i = 0;
	int cmp, err = 0;

	if (!m)
		return NULL;
	while (!err && (i < l->n || j < end)) {
		const struct lfs_lent *x = i < l->n ? &l->ents[i] : NULL;

		e = j < end ? &b->ents[j] : NULL;
		cmp = !x ? 1 : !e ? -1 :
		      layerfs_index_name_cmp(x->name, x->len,
					     b->names + lfsx_le32(e->name_off),
					     e->name_len);
		if (cmp > 0) {
			lfs_ment_from_index(&m->ents[m->n++], b, j++, 1);
			continue;
		}
		if (x->type != LFS_LENT_WHITEOUT)
			err = cmp ? lfs_ment_from_layer(&m->ents[m->n++], x) :
			      lfs_ment_merge(&m->ents[m->n++], x, b, j);
		i++;
		j += !cmp;
	}
	if (err) {
		lfs_mdir_free(m);
		return NULL;
	}
	return m;
}

/*
 * Starts tree @t: layer @id (NULL: none) over the layers of @below, whose
 * directories it refers to.
 */
static int lfs_mtree_start(struct lfs_mtree *t,
			   const struct layerfs_index_layer *id,
			   const struct lfs_index *below)
{
	uint32_t n = below ? below->nlayers : 0;

	memset(t, 0, sizeof(*t));
	if (id && n >= LAYERFS_INDEX_LAYERS_MAX)
		return -E2BIG;
	t->nlayers = n + !!id;
	t->layers = calloc(t->nlayers, sizeof(*t->layers));
	if (!t->layers)
		return -ENOMEM;
	if (id)
		t->layers[0] = *id;
	if (n)
		memcpy(t->layers + !!id, below->layers, n * sizeof(*t->layers));
	t->base = below;
	t->shift = !!id;
	return 0;
}

/* Ends tree @t whose root was just built: 0, or -ENOMEM if it was not. */
static int lfs_mtree_done(struct lfs_mtree *t)
{
	if (t->root)
		return 0;
	lfs_mtree_free(t);
	return -ENOMEM;
}

int lfs_index_merge(struct lfs_mtree *t, const struct lfs_ldir *top,
		    const struct layerfs_index_layer *id,
		    const struct lfs_index *parent)
{
	int err = id ? lfs_mtree_start(t, id, parent) : -EINVAL;

	if (err)
		return err;
	t->root = parent ? lfs_mdir_merge(top, parent, 0) :
		  lfs_mdir_from_layer(top);
	return lfs_mtree_done(t);
}

/* Directory @id of @ix and everything below it, in memory. */
static struct lfs_mdir *lfs_mdir_load(const struct lfs_index *ix, uint32_t id)
{
	uint32_t first = lfsx_le32(ix->dirs[id].first);
	uint32_t i, count = lfsx_le32(ix->dirs[id].count);
	struct lfs_mdir *m = lfs_mdir_new(count);

	if (!m)
		return NULL;
	for (i = 0; i < count; i++) {
		struct lfs_ment *e = &m->ents[m->n++];

		lfs_ment_from_index(e, ix, first + i, 0);
		if (e->ref == LAYERFS_INDEX_NONE)
			continue;
		e->dir = lfs_mdir_load(ix, e->ref);
		if (!e->dir) {
			lfs_mdir_free(m);
			return NULL;
		}
	}
	return m;
}

int lfs_mtree_load(struct lfs_mtree *t, const struct lfs_index *ix)
{
	int err = lfs_mtree_start(t, NULL, ix);

	if (err)
		return err;
	t->root = lfs_mdir_load(ix, 0);
	return lfs_mtree_done(t);
}

/* Serialization: directories numbered breadth-first. */

struct lfs_ser_src {
	const struct lfs_mdir *m;	/* in memory, or NULL: */
	uint32_t ref;			/* a directory of the base index */
};

/* An entry's record in the names area: its name, handle, stat record. */
struct lfs_ser_rec {
	const char *name;
	const unsigned char *fh;
};

struct lfs_ser {
	const struct lfs_mtree *t;
	struct layerfs_index_dir *dirs;
	struct lfs_ser_src *srcs;
	size_t ndirs, dcap;
	struct layerfs_index_entry *ents;
	struct lfs_ser_rec *recs;
	size_t nents, ecap;
};

/*
 * Room for one more element in two arrays of capacity *@cap, @n used; an
 * empty array gets room for @n + 64.
 */
static int lfs_ser_grow(void **a, size_t asize, void **b, size_t bsize,
			size_t *cap, size_t n)
{
	size_t c = *cap ? 2 * *cap : n + 64;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*a, c * asize);
	if (!p)
		return -ENOMEM;
	*a = p;
	p = realloc(*b, c * bsize);
	if (!p)
		return -ENOMEM;
	*b = p;
	*cap = c;
	return 0;
}

/* Appends @m as an entry of directory @d, queueing its child. */
static int lfs_ser_entry(struct lfs_ser *s, uint32_t d,
			 const struct lfs_ment *m)
{
	struct layerfs_index_entry *e;
	uint32_t child = 0;

	if (s->nents >= LAYERFS_INDEX_ENTRIES_MAX)
		return -EFBIG;
	if (lfs_ser_grow((void **)&s->ents, sizeof(*s->ents),
			 (void **)&s->recs, sizeof(*s->recs), &s->ecap,
			 s->nents))
		return -ENOMEM;
	if (m->type == LAYERFS_INDEX_DT_DIR) {
		if (lfs_ser_grow((void **)&s->dirs, sizeof(*s->dirs),
				 (void **)&s->srcs, sizeof(*s->srcs), &s->dcap,
				 s->ndirs))
			return -ENOMEM;
		child = s->ndirs++;
		s->dirs[child].parent = lfsx_cpu32(d);
		s->dirs[child].pentry = lfsx_cpu32(s->nents);
		s->srcs[child].m = m->dir;
		s->srcs[child].ref = m->ref;
	}
	e = &s->ents[s->nents];
	memset(e, 0, sizeof(*e));
	e->ino = lfsx_cpu64(m->ino);
	e->layer = lfsx_cpu32(m->layer);
	e->bottom = lfsx_cpu32(m->bottom);
	e->dir = lfsx_cpu32(child);
	e->name_len = m->len;
	e->type = m->type;
	e->flags = m->flags;
	e->fh_len = m->fh_len;
	e->fh_type = lfsx_cpu32(m->fh_len ? m->fh_type : 0);
	s->recs[s->nents].name = m->name;
	s->recs[s->nents++].fh = m->fh;
	return 0;
}

/* The entries of directory @d. */
static int lfs_ser_dir(struct lfs_ser *s, uint32_t d)
{
	struct lfs_ser_src src = s->srcs[d];
	const struct lfs_index *b = s->t->base;
	struct lfs_ment tmp;
	uint32_t i, first, count;
	int err = 0;

	s->dirs[d].first = lfsx_cpu32(s->nents);
	if (src.m) {
		count = src.m->n;
		for (i = 0; !err && i < count; i++)
			err = lfs_ser_entry(s, d, &src.m->ents[i]);
	} else {
		first = lfsx_le32(b->dirs[src.ref].first);
		count = lfsx_le32(b->dirs[src.ref].count);
		for (i = 0; !err && i < count; i++) {
			lfs_ment_from_index(&tmp, b, first + i, s->t->shift);
			err = lfs_ser_entry(s, d, &tmp);
		}
	}
	s->dirs[d].count = lfsx_cpu32(count);
	return err;
}

/* Places the names and lays the file out in a new buffer. */
static int lfs_ser_write(struct lfs_ser *s, void **bufp, size_t *lenp)
{
	uint32_t nl = s->t->nlayers, nd = s->ndirs, ne = s->nents;
	uint64_t names_off = layerfs_index_names_off(nl, nd, ne), pos = 0;
	struct layerfs_index_header *h;
	unsigned char *buf;
	size_t i;

	for (i = 0; i < ne; i++) {
		unsigned int rec = s->ents[i].name_len +
				   layerfs_index_tail_len(&s->ents[i]);

		pos = layerfs_index_name_place(names_off, pos, rec);
		s->ents[i].name_off = lfsx_cpu32(pos);
		pos += rec;
		if (pos > LAYERFS_INDEX_NAMES_MAX)
			return -EFBIG;
	}
	buf = calloc(1, names_off + pos);
	if (!buf)
		return -ENOMEM;
	h = (void *)buf;
	h->magic = lfsx_cpu32(LAYERFS_INDEX_MAGIC);
	h->version = lfsx_cpu16(LAYERFS_INDEX_VERSION);
	h->header_size = lfsx_cpu16(LAYERFS_INDEX_HEADER_SIZE);
	h->size = lfsx_cpu64(names_off + pos);
	h->nlayers = lfsx_cpu32(nl);
	h->ndirs = lfsx_cpu32(nd);
	h->nentries = lfsx_cpu32(ne);
	h->dirs_off = lfsx_cpu64(layerfs_index_dirs_off(nl));
	h->entries_off = lfsx_cpu64(layerfs_index_entries_off(nl, nd));
	h->names_off = lfsx_cpu64(names_off);
	h->names_size = lfsx_cpu64(pos);
	memcpy(buf + LAYERFS_INDEX_HEADER_SIZE, s->t->layers,
	       nl * sizeof(*s->t->layers));
	memcpy(buf + layerfs_index_dirs_off(nl), s->dirs, nd * sizeof(*s->dirs));
	memcpy(buf + layerfs_index_entries_off(nl, nd), s->ents,
	       ne * sizeof(*s->ents));
	for (i = 0; i < ne; i++) {
		unsigned char *p = buf + names_off +
				   lfsx_le32(s->ents[i].name_off);

		memcpy(p, s->recs[i].name, s->ents[i].name_len);
		memcpy(p + s->ents[i].name_len, s->recs[i].fh,
		       layerfs_index_tail_len(&s->ents[i]));
	}
	h->crc = lfsx_cpu32(lfs_index_crc32c(buf + 16, names_off + pos - 16));
	*bufp = buf;
	*lenp = names_off + pos;
	return 0;
}

int lfs_mtree_serialize(const struct lfs_mtree *t, void **buf, size_t *len)
{
	struct lfs_ser s = { .t = t };
	size_t d;
	int err;

	/* Room for what the base holds: the usual size of a new layer's. */
	err = lfs_ser_grow((void **)&s.dirs, sizeof(*s.dirs),
			   (void **)&s.srcs, sizeof(*s.srcs), &s.dcap,
			   t->base ? t->base->ndirs : 0);
	if (!err)
		err = lfs_ser_grow((void **)&s.ents, sizeof(*s.ents),
				   (void **)&s.recs, sizeof(*s.recs),
				   &s.ecap, t->base ? t->base->nentries : 0);
	if (!err) {
		s.ndirs = 1;
		s.dirs[0].parent = 0;
		s.dirs[0].pentry = lfsx_cpu32(LAYERFS_INDEX_NONE);
		s.srcs[0].m = t->root;
	}
	for (d = 0; !err && d < s.ndirs; d++)
		err = lfs_ser_dir(&s, d);
	if (!err)
		err = lfs_ser_write(&s, buf, len);
	free(s.dirs);
	free(s.srcs);
	free(s.ents);
	free(s.recs);
	return err;
}
