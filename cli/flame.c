/* flame.c - a flame graph of a profile, as an SVG file a browser opens:
 * one box per frame, as wide as the samples below it, the zone at the
 * bottom, then the process, then its frames from the outermost up (the
 * picture of Brendan Gregg's flamegraph.pl, made here from the report's
 * stacks without a Perl step). Hovering a box shows its name and share. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct node {
	const char *name;
	uint64_t value;
	struct node *kids;
	size_t nkids;
};

static struct node *child(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i].name, name) == 0)
			return &n->kids[i];
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
	n->kids[n->nkids] = (struct node){.name = name};
	return &n->kids[n->nkids++];
}

static void add(struct node *root, const struct trace_report *r, const struct trace_stack *s)
{
	struct node *n = root;
	n->value += s->value;
	n = child(n, r->zones[s->zone].name);
	n->value += s->value;
	n = child(n, s->comm);
	n->value += s->value;
	for (size_t k = s->nframes; k-- > 0;) {
		n = child(n, s->frames[k]);
		n->value += s->value;
	}
}

static void release(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		release(&n->kids[i]);
	free(n->kids);
}

static int depth(const struct node *n)
{
	int d = 0;
	for (size_t i = 0; i < n->nkids; i++) {
		int k = depth(&n->kids[i]);
		d = k > d ? k : d;
	}
	return d + 1;
}

static void escape(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

#define WIDTH 1200.0
#define ROW 16

/* Warm colours from the name, so a function keeps its colour. */
static void colour(const char *name, int *r, int *g, int *b)
{
	unsigned h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	bool kernel = strstr(name, "_[k]") != NULL;
	*r = kernel ? 200 + (int)(h % 55) : 205 + (int)(h % 50);
	*g = kernel ? 100 + (int)(h / 55 % 60) : (int)(h / 50 % 230);
	*b = kernel ? 50 : (int)(h / 11500 % 55);
}

static void draw(FILE *f, const struct node *n, double x, int level, int rows, uint64_t total)
{
	double w = WIDTH * (double)n->value / (double)total;
	if (w < 0.1)
		return;
	double y = (double)(rows - level - 1) * ROW + 30;
	int r, g, b;
	colour(n->name, &r, &g, &b);
	fprintf(f, "<g><title>");
	escape(f, n->name);
	fprintf(f,
		" (%" PRIu64
		", %.2f%%)</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" rx=\"2\"/>",
		n->value, 100.0 * (double)n->value / (double)total, x, y, w, ROW - 1, r, g, b);
	size_t fits = (size_t)(w / 7);
	if (fits > 2) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + ROW - 4);
		char cut[256];
		snprintf(cut, sizeof(cut), "%s", n->name);
		if (strlen(cut) > fits) {
			cut[fits - 2] = '.';
			cut[fits - 1] = '.';
			cut[fits] = '\0';
		}
		escape(f, cut);
		fprintf(f, "</text>");
	}
	fprintf(f, "</g>\n");
	for (size_t i = 0; i < n->nkids; i++) {
		draw(f, &n->kids[i], x, level + 1, rows, total);
		x += WIDTH * (double)n->kids[i].value / (double)total;
	}
}

int cli_flamegraph(const struct trace_report *r, const char *path)
{
	struct node root = {.name = "all"};
	for (size_t i = 0; i < r->nstacks; i++)
		add(&root, r, &r->stacks[i]);
	FILE *f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "zonectl: flame graph %s: %s\n", path, strerror(errno));
		release(&root);
		return -1;
	}
	int rows = depth(&root);
	fprintf(f,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%.0f\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style>text{font-family:monospace;font-size:11px;fill:#000}</style>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n"
		"<text x=\"%.0f\" y=\"20\" text-anchor=\"middle\" style=\"font-size:15px\">",
		WIDTH + 20, rows * ROW + 50, WIDTH / 2);
	fprintf(f,
		"zonectl profile: %" PRIu64
		" samples at %u Hz over %.1f s</text>\n<g transform=\"translate(10,0)\">\n",
		root.value, r->hz, r->secs);
	if (root.value)
		draw(f, &root, 0, 0, rows, root.value);
	fprintf(f, "</g>\n</svg>\n");
	release(&root);
	if (fclose(f) != 0) {
		fprintf(stderr, "zonectl: flame graph %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}
