// SPDX-License-Identifier: GPL-2.0
/* Views: dump assembly, mountinfo, --layers lists (see viewinfo.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/layerfs.h>

#include "viewinfo.h"

int lfs_layers_split(const char *list, struct lfs_strv *out)
{
	const char *p = list;
	char *name, *q;
	int rc;

	name = malloc(strlen(list) + 1);
	if (!name)
		return -ENOMEM;
	/* As the kernel's layerfs_ctx_set_layers(), name by name. */
	for (;;) {
		for (q = name; *p && *p != ':'; p++) {
			if (*p == '\\' && p[1])
				p++;
			*q++ = *p;
		}
		rc = lfs_strv_pushn(out, name, (size_t)(q - name));
		if (rc || !*p)
			break;
		p++;
	}
	free(name);
	return rc;
}

int lfs_malformed(struct lfs_err *e, const char *fmt, ...)
{
	char reason[LFS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return lfs_err_set(e, -EBADMSG, "malformed reply: %s", reason);
}

static void lfs_view_release(struct lfs_view *v)
{
	if (v->layers) {
		uint32_t i;

		for (i = 0; i < v->have; i++)
			free(v->layers[i]);
	}
	free(v->layers);
	free(v->source);
	free(v->image);
	free(v->upper);
	free(v->work);
	lfs_strv_free(&v->mountpoints);
	lfs_strv_free(&v->mount_options);
	memset(v, 0, sizeof(*v));
}

/* A copy of @s, or NULL for NULL; *@failed is set if out of memory. */
static char *lfs_view_strdup(const char *s, int *failed)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

static int lfs_str_same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* Starts view v[n] from part @p (FIRST 0). */
static int lfs_view_start(struct lfs_view_list *l,
			  const struct lfs_view_part *p, struct lfs_err *e)
{
	struct lfs_view *v;
	int failed = 0;

	if (!p->nlayers)
		return lfs_malformed(e, "view %" PRIu64 " has no layers",
				     p->id);
	if (p->nlayers > LAYERFS_LAYERS_MAX)
		return lfs_malformed(e,
				     "view %" PRIu64 " has %" PRIu32 " layers, more than %d",
				     p->id, p->nlayers, LAYERFS_LAYERS_MAX);
	if (!p->source)
		return lfs_malformed(e, "view %" PRIu64 " has no SOURCE",
				     p->id);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4;
		struct lfs_view *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	v = &l->v[l->n];
	memset(v, 0, sizeof(*v));
	v->id = p->id;
	v->dev = p->dev;
	v->flags = p->flags;
	v->nlayers = p->nlayers;
	v->source = lfs_view_strdup(p->source, &failed);
	v->image = lfs_view_strdup(p->image, &failed);
	v->upper = lfs_view_strdup(p->upper, &failed);
	v->work = lfs_view_strdup(p->work, &failed);
	v->layers = calloc(p->nlayers, sizeof(*v->layers));
	if (failed || !v->layers) {
		lfs_view_release(v);
		return -ENOMEM;
	}
	l->n++;
	l->open = 1;
	return 0;
}

int lfs_views_add(struct lfs_view_list *l, const struct lfs_view_part *p,
		  struct lfs_err *e)
{
	struct lfs_view *v;
	uint32_t i;

	if (e)
		lfs_err_clear(e);
	if (p->first == 0) {
		int rc;

		/* An unfinished view before this one is gone. */
		if (l->open) {
			lfs_view_release(&l->v[--l->n]);
			l->open = 0;
			l->dropped++;
		}
		rc = lfs_view_start(l, p, e);
		if (rc)
			return rc;
	} else {
		v = l->open ? &l->v[l->n - 1] : NULL;
		if (!v || v->id != p->id)
			return lfs_malformed(e,
					     "view %" PRIu64 " continues at layer %" PRIu32 " without its start",
					     p->id, p->first);
		if (p->first != v->have)
			return lfs_malformed(e,
					     "view %" PRIu64 " continues at layer %" PRIu32 ", expected %" PRIu32,
					     p->id, p->first, v->have);
		if (p->nlayers != v->nlayers || p->dev != v->dev ||
		    p->flags != v->flags || !lfs_str_same(p->source, v->source))
			return lfs_malformed(e,
					     "view %" PRIu64 " changes between messages",
					     p->id);
	}
	v = &l->v[l->n - 1];
	if (p->nnames > v->nlayers - v->have)
		return lfs_malformed(e,
				     "view %" PRIu64 " has more than its %" PRIu32 " layers",
				     p->id, v->nlayers);
	if (!p->nnames)
		return lfs_malformed(e,
				     "a message of view %" PRIu64 " has no layer names",
				     p->id);
	for (i = 0; i < p->nnames; i++) {
		v->layers[v->have] = strdup(p->names[i]);
		if (!v->layers[v->have])
			return -ENOMEM;
		v->have++;
	}
	if (v->have == v->nlayers)
		l->open = 0;
	return 0;
}

void lfs_views_finish(struct lfs_view_list *l)
{
	if (l->open) {
		lfs_view_release(&l->v[--l->n]);
		l->open = 0;
		l->dropped++;
	}
}

void lfs_views_free(struct lfs_view_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		lfs_view_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Undoes mangle() of fs/proc_namespace.c: "\ooo" octal escapes, in place. */
static void lfs_mountinfo_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) |
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* The next space-separated field of *@pos, NUL-terminated; NULL at the end. */
static char *lfs_mountinfo_field(char **pos)
{
	char *s = *pos, *e;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*pos = e + 1;
	} else {
		*pos = s + strlen(s);
	}
	return s;
}

int lfs_mountinfo_parse(char *line, struct lfs_mountinfo *mi)
{
	char *pos = line, *f[6], *dev, *end, *sep;
	unsigned long major, minor;
	int i;

	memset(mi, 0, sizeof(*mi));
	/* mount ID, parent ID, major:minor, root, mount point, options */
	for (i = 0; i < 6; i++) {
		f[i] = lfs_mountinfo_field(&pos);
		if (!f[i])
			return -EINVAL;
	}
	dev = f[2];
	major = strtoul(dev, &end, 10);
	if (end == dev || *end != ':')
		return -EINVAL;
	dev = end + 1;
	minor = strtoul(dev, &end, 10);
	if (end == dev || *end || major > 0xfff || minor > 0xfffff)
		return -EINVAL;
	/* Optional fields up to "-", then fstype and source. */
	do {
		sep = lfs_mountinfo_field(&pos);
		if (!sep)
			return -EINVAL;
	} while (strcmp(sep, "-"));
	mi->fstype = lfs_mountinfo_field(&pos);
	mi->source = lfs_mountinfo_field(&pos);
	if (!mi->fstype || !mi->source)
		return -EINVAL;
	lfs_mountinfo_unescape(f[3]);
	lfs_mountinfo_unescape(f[4]);
	lfs_mountinfo_unescape((char *)mi->source);
	mi->major = (unsigned int)major;
	mi->minor = (unsigned int)minor;
	mi->root = f[3];
	mi->mountpoint = f[4];
	mi->options = f[5];
	return 0;
}

static int lfs_view_add_mount(struct lfs_view *v,
			      const struct lfs_mountinfo *mi)
{
	const char *p = mi->options;
	size_t n;
	int rc = 0;

	if (!v->mountpoints.n) {
		for (; *p && !rc; p += n + !!p[n]) {
			n = strcspn(p, ",");
			rc = lfs_strv_pushn(&v->mount_options, p, n);
		}
	}
	return rc ? rc : lfs_strv_push(&v->mountpoints, mi->mountpoint);
}

int lfs_views_set_mountpoints(struct lfs_view_list *l, const char *text)
{
	const char *p = text;
	struct lfs_mountinfo mi;
	char *line = NULL;
	size_t cap = 0, i;
	int rc = 0;

	while (*p && !rc) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		uint32_t dev;

		if (n + 1 > cap) {
			char *bigger = realloc(line, n + 1);

			if (!bigger) {
				rc = -ENOMEM;
				break;
			}
			line = bigger;
			cap = n + 1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl ? 1 : 0);
		if (lfs_mountinfo_parse(line, &mi) ||
		    strcmp(mi.fstype, LFS_FSTYPE))
			continue;
		dev = lfs_dev_encode(mi.major, mi.minor);
		for (i = 0; i < l->n; i++)
			if (l->v[i].dev == dev && !rc)
				rc = lfs_view_add_mount(&l->v[i], &mi);
	}
	free(line);
	return rc;
}
