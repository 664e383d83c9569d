/* Reading an ng_host script: every line is checked before anything runs. */
#define _POSIX_C_SOURCE 200809L
#include "script.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_WORDS = 80 };

typedef struct parse {
    const char *path;
    int line;
    char *err;
    size_t errlen;
} parse;

static int fail(parse *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->errlen) vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int number(parse *p, const char *word, double low, double high, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(word, &end);
    if (end == word || *end || errno || !isfinite(v)) return fail(p, "'%s' is not a number", word);
    if (v < low || v > high) return fail(p, "%s is outside %g .. %g", word, low, high);
    *out = v;
    return 0;
}

static int integer(parse *p, const char *word, long low, long high, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(word, &end, 0);
    if (end == word || *end || errno) return fail(p, "'%s' is not an integer", word);
    if (v < low || v > high) return fail(p, "%s is outside %ld .. %ld", word, low, high);
    *out = v;
    return 0;
}

static int want(parse *p, int n, int expected, const char *usage)
{
    return n == expected ? 0 : fail(p, "usage: %s", usage);
}

static int parse_blocks(parse *p, cmd *c, char **w, int n)
{
    if (n < 2) return fail(p, "usage: blocks N[,N...]");
    c->count = 0;
    for (int i = 1; i < n; i++) {
        for (char *save = NULL, *t = strtok_r(w[i], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (c->count == MAX_CYCLE) return fail(p, "at most %d block lengths", MAX_CYCLE);
            if (integer(p, t, 1, 1L << 20, &c->values[c->count]) < 0) return -1;
            c->count++;
        }
    }
    return c->count ? 0 : fail(p, "usage: blocks N[,N...]");
}

static int parse_run(parse *p, cmd *c, char **w, int n)
{
    if (want(p, n, 2, "run 4.5s | run 12000f | run 8b") < 0) return -1;
    size_t len = strlen(w[1]);
    char unit = len ? w[1][len - 1] : 0;
    if (unit != 's' && unit != 'f' && unit != 'b') return fail(p, "run takes 4.5s, 12000f or 8b");
    w[1][len - 1] = 0;
    if (number(p, w[1], 0, 1e12, &c->a) < 0) return -1;
    if (unit == 'f' && c->a != floor(c->a)) return fail(p, "a frame count is a whole number");
    c->unit = unit;
    return 0;
}

static int parse_path(parse *p, cmd *c, char **w, int n, const char *usage)
{
    if (want(p, n, 2, usage) < 0) return -1;
    if (strlen(w[1]) >= MAX_TEXT) return fail(p, "the path is too long");
    strcpy(c->text, w[1]);
    return 0;
}

static int parse_switch(parse *p, cmd *c, char **w, int n, const char *on, const char *off)
{
    if (n == 2 && !strcmp(w[1], on)) c->flag = 1;
    else if (n == 2 && !strcmp(w[1], off)) c->flag = 0;
    else return fail(p, "usage: %s %s|%s", w[0], on, off);
    return 0;
}

static int parse_midi(parse *p, cmd *c, char **w, int n)
{
    if (n < 2 || n - 1 > MAX_MIDI) return fail(p, "usage: midi BYTE... (1 to %d bytes)", MAX_MIDI);
    c->count = n - 1;
    for (int i = 1; i < n; i++)
        if (integer(p, w[i], 0, 255, &c->values[i - 1]) < 0) return -1;
    if (c->values[0] < 0x80) return fail(p, "a MIDI message begins with a status byte (0x80 ..)");
    return 0;
}

static int parse_set(parse *p, cmd *c, char **w, int n)
{
    if (want(p, n, 3, "set SYMBOL VALUE") < 0) return -1;
    if (strlen(w[1]) >= MAX_TEXT) return fail(p, "the symbol is too long");
    strcpy(c->text, w[1]);
    return number(p, w[2], -1e30, 1e30, &c->a);
}

static int parse_meter(parse *p, cmd *c, char **w, int n)
{
    long unit = 0;
    if (want(p, n, 3, "meter BEATS_PER_BAR BEAT_UNIT") < 0) return -1;
    if (number(p, w[1], 1e-3, 1e3, &c->a) < 0 || integer(p, w[2], 1, 64, &unit) < 0) return -1;
    c->b = (double)unit;
    return 0;
}

/* One command from its words; `ran` says whether a run (or a command that
 * needs the instance) came before. */
static int parse_words(parse *p, cmd *c, char **w, int n, int ran)
{
    const char *k = w[0];
    if (!strcmp(k, "rate")) {
        c->kind = CMD_RATE;
        if (ran) return fail(p, "rate comes before the first run, save, restore or wait");
        return want(p, n, 2, "rate HZ") < 0 ? -1 : number(p, w[1], 1000, 1e6, &c->a);
    }
    if (!strcmp(k, "worker")) {
        c->kind = CMD_WORKER;
        if (ran) return fail(p, "worker comes before the first run, save, restore or wait");
        return parse_switch(p, c, w, n, "thread", "sync");
    }
    if (!strcmp(k, "blocks")) return c->kind = CMD_BLOCKS, parse_blocks(p, c, w, n);
    if (!strcmp(k, "tempo")) {
        c->kind = CMD_TEMPO;
        return want(p, n, 2, "tempo BPM") < 0 ? -1 : number(p, w[1], 1, 1000, &c->a);
    }
    if (!strcmp(k, "meter")) return c->kind = CMD_METER, parse_meter(p, c, w, n);
    if (!strcmp(k, "position")) {
        c->kind = CMD_POSITION;
        if (want(p, n, 3, "position BAR BARBEAT") < 0) return -1;
        return number(p, w[1], 0, 1e9, &c->a) < 0 ? -1 : number(p, w[2], 0, 1e3, &c->b);
    }
    if (!strcmp(k, "roll") || !strcmp(k, "stop")) {
        c->kind = k[0] == 'r' ? CMD_ROLL : CMD_STOP;
        return want(p, n, 1, k);
    }
    if (!strcmp(k, "posevery")) return c->kind = CMD_POSEVERY, parse_switch(p, c, w, n, "on", "off");
    if (!strcmp(k, "set")) return c->kind = CMD_SET, parse_set(p, c, w, n);
    if (!strcmp(k, "run")) return c->kind = CMD_RUN, parse_run(p, c, w, n);
    if (!strcmp(k, "wait")) return c->kind = CMD_WAIT, want(p, n, 1, "wait");
    if (!strcmp(k, "save")) return c->kind = CMD_SAVE, parse_path(p, c, w, n, "save PATH");
    if (!strcmp(k, "restore")) return c->kind = CMD_RESTORE, parse_path(p, c, w, n, "restore PATH");
    if (!strcmp(k, "midi")) return c->kind = CMD_MIDI, parse_midi(p, c, w, n);
    return fail(p, "unknown command '%s'", k);
}

static int split(char *line, char **words)
{
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == MAX_WORDS) return -1;
        words[n++] = t;
    }
    return n;
}

static void note_command(script *s, const cmd *c, int *ran)
{
    if (c->kind == CMD_RATE) s->rate = c->a;
    if (c->kind == CMD_WORKER) s->threaded = c->flag;
    if (c->kind == CMD_BLOCKS) {
        if (!s->nominal_block) s->nominal_block = c->values[0];
        for (int i = 0; i < c->count; i++)
            if (c->values[i] > s->max_block) s->max_block = c->values[i];
    }
    if (c->kind == CMD_RUN && !s->nominal_block) s->nominal_block = 256; /* the default cycle ran */
    if (c->kind == CMD_RUN || c->kind == CMD_SAVE || c->kind == CMD_RESTORE || c->kind == CMD_WAIT) *ran = 1;
}

int script_load(const char *path, script *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->rate = 48000;
    parse p = {path, 0, err, errlen};
    FILE *f = fopen(path, "r");
    if (!f) return snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1;
    char *line = NULL, *words[MAX_WORDS];
    size_t cap = 0;
    int capacity = 0, ran = 0, rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        p.line++;
        int n = split(line, words);
        if (n < 0) { rc = fail(&p, "too many words"); break; }
        if (n == 0) continue;
        if (s->count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            cmd *grown = realloc(s->cmds, (size_t)capacity * sizeof *grown);
            if (!grown) { rc = fail(&p, "out of memory"); break; }
            s->cmds = grown;
        }
        cmd *c = &s->cmds[s->count];
        memset(c, 0, sizeof *c);
        c->line = p.line;
        if ((rc = parse_words(&p, c, words, n, ran)) < 0) break;
        note_command(s, c, &ran);
        s->count++;
    }
    if (!rc && ferror(f)) rc = fail(&p, "read error");
    free(line);
    fclose(f);
    if (!s->nominal_block) s->nominal_block = 256;
    if (s->max_block < s->nominal_block) s->max_block = s->nominal_block;
    if (rc) script_free(s);
    return rc;
}

void script_free(script *s)
{
    free(s->cmds);
    s->cmds = NULL;
    s->count = 0;
}
